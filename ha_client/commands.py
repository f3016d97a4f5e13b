"""Typed Home Assistant WebSocket commands, usable on any open session.

Each function takes something with ``await command(payload)`` (a long-lived
``HaConnection`` or a one-shot ``HAClient``) and returns HA's answer, checked for shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ha_client.errors import HACommandFailed, HAUnavailable


class CommandRunner(Protocol):
    """An open WebSocket session that answers commands."""

    async def command(self, payload: dict[str, Any], timeout: float = 60.0) -> Any:
        """Send one command and return its result."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class HAConfig:
    """The home's core configuration (WS ``get_config``); None where HA has no value."""

    latitude: float | None
    longitude: float | None
    elevation: float | None
    time_zone: str | None
    currency: str | None
    unit_system: Mapping[str, str] = field(default_factory=dict)
    version: str | None = None
    location_name: str | None = None
    country: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HAUser:
    """The user a token belongs to (WS ``auth/current_user``)."""

    id: str
    name: str | None
    is_admin: bool
    is_owner: bool


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def parse_config(result: Any) -> HAConfig:
    """Return the HAConfig of a ``get_config`` answer; raise HAUnavailable for another shape."""
    if not isinstance(result, Mapping):
        raise HAUnavailable(f"get_config answered {type(result).__name__}, not an object")
    units = result.get("unit_system")
    units = units if isinstance(units, Mapping) else {}
    return HAConfig(
        latitude=_float(result.get("latitude")),
        longitude=_float(result.get("longitude")),
        elevation=_float(result.get("elevation")),
        time_zone=_text(result.get("time_zone")),
        currency=_text(result.get("currency")),
        unit_system={str(key): str(value) for key, value in units.items()},
        version=_text(result.get("version")),
        location_name=_text(result.get("location_name")),
        country=_text(result.get("country")),
        language=_text(result.get("language")),
    )


def objects(result: Any) -> list[dict[str, Any]]:
    """Return the JSON objects of a list answer (anything else is left out)."""
    if not isinstance(result, list):
        return []
    return [item for item in result if isinstance(item, dict)]


async def get_config(ha: CommandRunner) -> HAConfig:
    """Return the home's core configuration."""
    return parse_config(await ha.command({"type": "get_config"}))


async def get_services(ha: CommandRunner) -> dict[str, dict[str, Any]]:
    """Return the services HA offers: domain -> service -> description."""
    result = await ha.command({"type": "get_services"})
    if not isinstance(result, dict):
        return {}
    return {
        str(domain): services for domain, services in result.items() if isinstance(services, dict)
    }


async def current_user(ha: CommandRunner) -> HAUser:
    """Return the user of the session's token (to check admin rights before a deploy)."""
    result = await ha.command({"type": "auth/current_user"})
    if not isinstance(result, dict) or not isinstance(result.get("id"), str):
        raise HAUnavailable(f"auth/current_user answered {str(result)[:200]}")
    return HAUser(
        id=result["id"],
        name=_text(result.get("name")),
        is_admin=result.get("is_admin") is True,
        is_owner=result.get("is_owner") is True,
    )


async def energy_prefs(ha: CommandRunner) -> dict[str, Any] | None:
    """Return the raw energy dashboard preferences, or None when HA has none.

    HA answers an error when the energy integration is not loaded (unknown command) or
    has no saved preferences (not_found); both mean "none" here.
    """
    try:
        result = await ha.command({"type": "energy/get_prefs"})
    except HACommandFailed:
        return None
    return result if isinstance(result, dict) else None


async def get_states(ha: CommandRunner) -> list[dict[str, Any]]:
    """Return every entity's current state object."""
    return objects(await ha.command({"type": "get_states"}))


async def entity_registry(ha: CommandRunner) -> list[dict[str, Any]]:
    """Return the entity registry entries."""
    return objects(await ha.command({"type": "config/entity_registry/list"}))


async def device_registry(ha: CommandRunner) -> list[dict[str, Any]]:
    """Return the device registry entries."""
    return objects(await ha.command({"type": "config/device_registry/list"}))


async def area_registry(ha: CommandRunner) -> list[dict[str, Any]]:
    """Return the area registry entries."""
    return objects(await ha.command({"type": "config/area_registry/list"}))
