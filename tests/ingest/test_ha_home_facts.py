"""On connect the worker stores HA's home facts, energy preferences and entity registry."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from homeiq.home import home_facts
from homeiq.settings import Settings
from storage.metadata import MetadataStore
from tests.ingest.ha_fixtures import running_source
from tests.support.ha_peer import HAPeer


@pytest.fixture
def meta(tmp_path: Path) -> Iterator[MetadataStore]:
    store = MetadataStore(tmp_path / "homeiq.sqlite")
    yield store
    store.close()


def _has_areas(peer: HAPeer) -> dict[str, str | None]:
    """Return entity id -> area name as HA's registries define it (entity, else device)."""
    names = {a["area_id"]: a["name"] for a in peer.ws_command("config/area_registry/list")}
    devices = {d["id"]: d.get("area_id") for d in peer.ws_command("config/device_registry/list")}
    areas: dict[str, str | None] = {}
    for entry in peer.ws_command("config/entity_registry/list"):
        area_id = entry.get("area_id") or devices.get(entry.get("device_id"))
        areas[entry["entity_id"]] = names.get(area_id) if area_id else None
    return areas


async def test_connect_stores_has_time_zone_and_location(
    ha_peer: HAPeer, meta: MetadataStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another zone than the configured UTC, so the stored value can only come from HA.
    await asyncio.to_thread(ha_peer.ws_command, "config/core/update", time_zone="Asia/Tokyo")
    try:
        async with running_source(ha_peer.url, ha_peer.token, tmp_path, metadata=meta) as h:
            await h.wait_connected()
    finally:
        await asyncio.to_thread(ha_peer.ws_command, "config/core/update", time_zone="UTC")
    stored = meta.home.all()["ha"]
    assert (stored.time_zone, stored.latitude, stored.longitude, stored.currency) == (
        "Asia/Tokyo",
        52.37,
        4.89,
        "EUR",
    )
    assert stored.location_name == "HomeIQ Test Home" and stored.version == "2025.4.4"
    for name in ("TIMEZONE", "LATITUDE", "LONGITUDE", "CURRENCY"):
        monkeypatch.delenv(f"HOMEIQ_{name}", raising=False)
    used = home_facts(Settings(_env_file=None), meta.home)  # type: ignore[call-arg]
    assert (used.source, used.time_zone) == ("ha", "Asia/Tokyo")


async def test_registry_friendly_names_and_areas_equal_has(
    ha_peer: HAPeer, meta: MetadataStore, tmp_path: Path
) -> None:
    area = await asyncio.to_thread(ha_peer.ws_command, "config/area_registry/create", name="Den")
    devices = await asyncio.to_thread(ha_peer.ws_command, "config/device_registry/list")
    device = next(d for d in devices if d.get("area_id") is None)
    await asyncio.to_thread(
        ha_peer.ws_command,
        "config/device_registry/update",
        device_id=device["id"],
        area_id=area["area_id"],
    )
    async with running_source(ha_peer.url, ha_peer.token, tmp_path, metadata=meta) as h:
        await h.wait_connected()
    states = await asyncio.to_thread(ha_peer.states)
    expected_areas = await asyncio.to_thread(_has_areas, ha_peer)
    registry = {row.entity_id: row for row in meta.list_entities()}
    assert len(states) >= 50
    for state in states:
        row = registry[state["entity_id"]]
        assert row.friendly_name == state["attributes"].get("friendly_name"), row.entity_id
        assert row.area == expected_areas.get(state["entity_id"]), row.entity_id
        assert row.source == "ha" and row.last_seen is not None
    in_den = [row for row in registry.values() if row.area == "Den"]
    assert in_den and all(row.device_id == device["id"] for row in in_den)
    assert {row.device_name for row in in_den} == {device.get("name_by_user") or device["name"]}


async def test_connect_stores_energy_preferences(
    ha_peer: HAPeer, meta: MetadataStore, tmp_path: Path
) -> None:
    await asyncio.to_thread(ha_peer.save_energy_prefs)
    expected = await asyncio.to_thread(ha_peer.ws_command, "energy/get_prefs")
    async with running_source(ha_peer.url, ha_peer.token, tmp_path, metadata=meta) as h:
        await h.wait_connected()
    stored = meta.home.energy_prefs()
    assert stored is not None and stored.prefs == expected
    grid = next(s for s in stored.prefs["energy_sources"] if s["type"] == "grid")
    assert grid["flow_from"][0]["stat_energy_from"] == "sensor.total_energy_kwh"
