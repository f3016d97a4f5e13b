"""One-shot WebSocket sessions and typed commands against a real Home Assistant."""

from __future__ import annotations

import asyncio

import pytest

from ha_client.client import HAClient, call, run_command
from ha_client.commands import (
    area_registry,
    current_user,
    device_registry,
    entity_registry,
    get_config,
    get_services,
    get_states,
)
from ha_client.errors import HAAuthFailed, HACommandFailed, HAUnavailable
from tests.support.ha_peer import HAPeer, free_port


async def test_get_config_reads_the_configured_home(ha_peer: HAPeer) -> None:
    async with HAClient(ha_peer.url, ha_peer.token) as ha:
        config = await get_config(ha)
    # Values of tests/support/ha_config/configuration.yaml.
    assert (config.latitude, config.longitude, config.elevation) == (52.37, 4.89, 0.0)
    assert (config.currency, config.location_name, config.country) == (
        "EUR",
        "HomeIQ Test Home",
        "NL",
    )
    assert config.unit_system["temperature"] == "°C"
    assert config.version is not None and config.version.startswith("2025.4")


async def test_owner_token_belongs_to_an_admin(ha_peer: HAPeer) -> None:
    async with HAClient(ha_peer.url, ha_peer.token) as ha:
        user = await current_user(ha)
    assert user.is_admin and user.is_owner and user.name == "HomeIQ Test"


async def test_services_include_the_configured_helpers(ha_peer: HAPeer) -> None:
    async with HAClient(ha_peer.url, ha_peer.token) as ha:
        services = await get_services(ha)
    assert {"toggle", "turn_on", "turn_off"} <= set(services["input_boolean"])


async def test_registries_link_entities_devices_and_areas(ha_peer: HAPeer) -> None:
    async with HAClient(ha_peer.url, ha_peer.token) as ha:
        area = await ha.command({"type": "config/area_registry/create", "name": "Client Lab"})
        device = next(d for d in await device_registry(ha) if d.get("area_id") is None)
        await ha.command(
            {
                "type": "config/device_registry/update",
                "device_id": device["id"],
                "area_id": area["area_id"],
            }
        )
        entities, devices, areas = await asyncio.gather(
            entity_registry(ha), device_registry(ha), area_registry(ha)
        )
        states = {state["entity_id"] for state in await get_states(ha)}
    assert {"area_id": area["area_id"], "name": "Client Lab"}.items() <= next(
        a for a in areas if a["area_id"] == area["area_id"]
    ).items()
    assert next(d for d in devices if d["id"] == device["id"])["area_id"] == area["area_id"]
    of_device = [e["entity_id"] for e in entities if e.get("device_id") == device["id"]]
    assert of_device and set(of_device) & states


async def test_refused_command_carries_has_code(ha_peer: HAPeer) -> None:
    async with HAClient(ha_peer.url, ha_peer.token) as ha:
        with pytest.raises(HACommandFailed) as caught:
            await ha.command({"type": "homeiq/no_such_command"})
    assert caught.value.code == "unknown_command"
    assert "homeiq/no_such_command" in str(caught.value)


async def test_wrong_token_is_auth_failed(ha_peer: HAPeer) -> None:
    with pytest.raises(HAAuthFailed, match="rejected the access token") as caught:
        async with HAClient(ha_peer.url, "not-a-valid-token"):
            pass
    assert "not-a-valid-token" not in str(caught.value)


def test_blocking_call_returns_the_result(ha_peer: HAPeer) -> None:
    assert run_command(ha_peer.url, ha_peer.token, {"type": "get_config"})["currency"] == "EUR"
    assert call(ha_peer.url, ha_peer.token, get_config).location_name == "HomeIQ Test Home"


async def test_unreachable_home_assistant_names_the_setting() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(HAUnavailable, match="HOMEIQ_HA_URL") as caught:
        async with HAClient(url, "token"):
            pass
    assert url.replace("http", "ws") in str(caught.value)
