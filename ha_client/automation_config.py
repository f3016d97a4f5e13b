"""HA's automation config API (``/api/config/automation/config/<id>``) and the lookups around it.

What HA really does (homeassistant/components/config/view.py, automation.py): POST validates,
writes ``automations.yaml`` atomically and answers 200 *before* the reload has made the entity;
GET answers 404 and DELETE 400 for an unknown id; all three need an admin token (401 else).
The entity id comes from the alias, so the entity is found through the entity registry's
``unique_id`` (equal to the config id), never guessed. Imports nothing of ours.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ha_client.client import HAClient, call
from ha_client.errors import HABadRequest, HAError, HANotFound, HARequestFailed
from ha_client.rest import HARest

__all__ = ["AutomationConfigClient", "HAAnswer", "HAError", "HARejected"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class HAAnswer:
    """HA's HTTP answer: status code and body (parsed JSON, or the text when not JSON)."""

    status: int
    body: Any

    @property
    def message(self) -> str:
        """Return HA's own message ("Message malformed: ...") or the body as text."""
        if isinstance(self.body, Mapping) and "message" in self.body:
            return str(self.body["message"])
        return self.body if isinstance(self.body, str) else json.dumps(self.body)

    def to_dict(self) -> dict[str, Any]:
        """Return the answer as JSON-ready fields."""
        return {"status": self.status, "body": self.body}


class HARejected(HAError):
    """Home Assistant answered with an error status; ``answer`` holds it verbatim."""

    def __init__(self, message: str, answer: HAAnswer) -> None:
        super().__init__(message)
        self.answer = answer


def _answer_of(err: HARequestFailed) -> HAAnswer:
    try:
        body: Any = json.loads(err.text)
    except ValueError:
        body = err.text
    return HAAnswer(status=err.status, body=body)


class AutomationConfigClient:
    """Blocking client for HA's automation config API, states and registry lookups.

    Errors: ``HAUnavailable`` (names HOMEIQ_HA_URL), ``HAPermissionDenied`` / ``HAAuthFailed``
    (the token is not an administrator's, or invalid), ``HARejected`` (HA's answer kept).
    """

    def __init__(self, *, base_url: str, token: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._timeout = timeout

    def __repr__(self) -> str:
        # Never show the token.
        return f"AutomationConfigClient(base_url={self.base_url!r})"

    # --- HTTP ---------------------------------------------------------------------------
    def _rest(self) -> HARest:
        return HARest(self.base_url, self._token, timeout=self._timeout)

    def _config_path(self, config_id: str) -> str:
        return f"/api/config/automation/config/{quote(config_id, safe='')}"

    def post_config(self, config_id: str, config: Mapping[str, Any]) -> HAAnswer:
        """POST ``config`` under ``config_id``; return HA's 200 answer or raise HARejected."""
        try:
            with self._rest() as rest:
                body = rest.post(self._config_path(config_id), dict(config))
        except HARequestFailed as err:
            answer = _answer_of(err)
            raise HARejected(
                f"Home Assistant rejected automation {config_id} ({answer.status}): "
                f"{answer.message}",
                answer,
            ) from err
        return HAAnswer(status=200, body=body)

    def get_config(self, config_id: str) -> dict[str, Any] | None:
        """Return the stored config of ``config_id``, or None when HA has none (404)."""
        try:
            with self._rest() as rest:
                body = rest.get(self._config_path(config_id))
        except HANotFound:
            return None
        if not isinstance(body, dict):
            raise HARejected(
                f"Home Assistant answered automation {config_id} with no config",
                HAAnswer(status=200, body=body),
            )
        return body

    def delete_config(self, config_id: str) -> HAAnswer:
        """DELETE ``config_id``; return HA's answer (400 "Resource not found" when missing)."""
        try:
            with self._rest() as rest:
                body = rest.delete(self._config_path(config_id))
        except HABadRequest as err:
            return _answer_of(err)
        return HAAnswer(status=200, body=body)

    def state(self, entity_id: str) -> dict[str, Any] | None:
        """Return the state object of ``entity_id``, or None when HA has no such state."""
        try:
            with self._rest() as rest:
                body = rest.get(f"/api/states/{quote(entity_id, safe='')}")
        except HANotFound:
            return None
        return body if isinstance(body, dict) else None

    def states(self) -> list[dict[str, Any]]:
        """Return every state object."""
        with self._rest() as rest:
            body = rest.get("/api/states")
        return list(body) if isinstance(body, list) else []

    def temperature_unit(self) -> str:
        """Return the home's temperature unit ("°C" or "°F") from /api/config."""
        with self._rest() as rest:
            body = rest.get("/api/config")
        units = body.get("unit_system", {}) if isinstance(body, dict) else {}
        return str(units.get("temperature", "°C"))

    # --- WebSocket ------------------------------------------------------------------------
    def ws_commands(self, commands: Sequence[Mapping[str, Any]]) -> list[Any]:
        """Send WS commands in one session; return their results (ha_client errors else)."""

        async def run(ha: HAClient) -> list[Any]:
            return [await ha.command(dict(command), self._timeout * 3) for command in commands]

        return call(self.base_url, self._token, run)

    def entity_registry(self) -> list[dict[str, Any]]:
        """Return HA's entity registry entries (config/entity_registry/list)."""
        (entries,) = self.ws_commands([{"type": "config/entity_registry/list"}])
        return list(entries or [])

    def services(self) -> frozenset[str]:
        """Return every action HA offers as "domain.service" (WS get_services)."""
        (services,) = self.ws_commands([{"type": "get_services"}])
        return frozenset(
            f"{domain}.{name}" for domain, names in (services or {}).items() for name in names
        )

    def find_automation_entity(self, config_id: str) -> str | None:
        """Return the entity id of automation ``config_id`` (registry unique_id), or None."""
        for entry in self.entity_registry():
            if entry.get("platform") == "automation" and entry.get("unique_id") == config_id:
                return str(entry["entity_id"])
        # An automation without a registry entry still carries its id as a state attribute.
        for state in self.states():
            entity_id = str(state.get("entity_id", ""))
            if entity_id.startswith("automation.") and (
                state.get("attributes", {}).get("id") == config_id
            ):
                return entity_id
        return None
