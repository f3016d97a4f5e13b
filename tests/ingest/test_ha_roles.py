"""Entity roles on the real HA demo home: HA's Energy dashboard first, then the heuristics."""

from __future__ import annotations

import asyncio
from pathlib import Path

from homeiq.roles import resolve_home_roles
from homeiq.settings import load_settings
from storage.metadata import MetadataStore
from tests.ingest.ha_fixtures import running_source
from tests.support.ha_peer import HAPeer


async def test_roles_on_the_demo_home_follow_the_energy_prefs_and_find_outdoor_temperature(
    ha_peer: HAPeer, tmp_path: Path
) -> None:
    await asyncio.to_thread(ha_peer.save_energy_prefs)
    meta = MetadataStore(tmp_path / "homeiq.sqlite")
    try:
        async with running_source(ha_peer.url, ha_peer.token, tmp_path, metadata=meta) as h:
            await h.wait_connected()
            for _ in range(100):  # the writer stores the snapshot shortly after the connect
                if h.store.stats().entities >= 50:
                    break
                await asyncio.sleep(0.1)
            settings = load_settings(data_dir=tmp_path)
            roles = resolve_home_roles(h.store, meta, settings).roles
            bad = load_settings(data_dir=tmp_path, role_outdoor_temperature="sensor.garden_temp")
            with_bad = resolve_home_roles(h.store, meta, bad).roles
    finally:
        meta.close()
    meter = roles["main_energy_meter"]
    assert (meter.entity_id, meter.source) == ("sensor.total_energy_kwh", "energy_prefs")
    assert (roles["gas_meter"].entity_id, roles["gas_meter"].source) == (
        "sensor.total_gas_m3",
        "energy_prefs",
    )
    price = roles["electricity_price"]
    assert (price.entity_id, price.fixed_value, price.source) == (None, 0.3, "energy_prefs")
    outdoor = roles["outdoor_temperature"]
    assert (outdoor.entity_id, outdoor.source) == ("sensor.outside_temperature", "heuristic")
    assert any(c.startswith("weather.") for c in outdoor.candidates)
    assert roles["house_power"].entity_id == "sensor.power_consumption"
    assert roles["media_player"].entity_id is not None
    assert roles["media_player"].entity_id.startswith("media_player.")
    problem = with_bad["outdoor_temperature"].problems[0]
    assert "HOMEIQ_ROLE_OUTDOOR_TEMPERATURE=sensor.garden_temp" in problem
    assert with_bad["outdoor_temperature"].entity_id == "sensor.outside_temperature"
