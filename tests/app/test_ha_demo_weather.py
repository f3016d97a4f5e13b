"""Weather & sports on data ingested from the real HA 2025.4.4 demo (no simulated home).

The demo's sensors get a short history through HA's REST API (``POST /api/states``); the
worker's HA source stores it, and the page finds the outdoor temperature by its role.
"""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from app.pages import ADMIN_PAGES
from storage.metadata import MetadataStore
from tests.app.conftest import _point_app_at
from tests.ingest.ha_fixtures import running_source
from tests.support.ha_peer import HAPeer

PAGE = next(spec.path for spec in ADMIN_PAGES if spec.url_path == "weather-sports")
OUTSIDE = "sensor.outside_temperature"
POWER = "sensor.power_consumption"
TEMPERATURES = ("-3.5", "-1.0", "2.5", "6.0")
WATTS = ("180", "950", "420", "2300")


def _give_history(peer: HAPeer) -> dict[str, str]:
    """Set the demo sensors to several values (their own attributes kept); return names."""
    current = {s["entity_id"]: s for s in peer.states() if s["entity_id"] in (OUTSIDE, POWER)}
    assert set(current) == {OUTSIDE, POWER}, "the HA demo no longer has its sensors"
    for temperature, watts in zip(TEMPERATURES, WATTS, strict=True):
        peer.set_state(OUTSIDE, temperature, **current[OUTSIDE]["attributes"])
        peer.set_state(POWER, watts, **current[POWER]["attributes"])
    return {eid: state["attributes"]["friendly_name"] for eid, state in current.items()}


async def _ingest_demo(peer: HAPeer, data_dir: Path) -> tuple[dict[str, str], pl.DataFrame]:
    """Run the worker's HA source into ``data_dir/store`` until the new states are stored;
    return the friendly names and every stored outdoor temperature event."""
    await asyncio.to_thread(peer.save_energy_prefs)
    meta = MetadataStore(data_dir / "store" / "homeiq.sqlite")
    try:
        async with running_source(peer.url, peer.token, data_dir, metadata=meta) as h:
            await h.wait_connected()
            names = await asyncio.to_thread(_give_history, peer)
            async with asyncio.timeout(30):
                while True:
                    await h.wait_stored()
                    stored = h.rows([OUTSIDE])["state"].to_list()
                    if set(TEMPERATURES) <= set(stored):
                        break
                    await asyncio.sleep(0.1)
            rows = h.rows([OUTSIDE])
    finally:
        meta.close()
    values = rows.filter(pl.col("state").is_in(TEMPERATURES))["value"]
    assert sorted(values.to_list()) == sorted(float(t) for t in TEMPERATURES)
    return names, rows.select("time", "value")


async def test_weather_page_on_the_ha_demo_uses_its_outdoor_temperature(
    ha_peer: HAPeer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names, stored = await _ingest_demo(ha_peer, tmp_path)
    _point_app_at(monkeypatch, tmp_path / "store")
    at = await asyncio.to_thread(AppTest.from_file(str(PAGE), default_timeout=60).run)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    shown = [box.value for box in at.info] + [c.value for c in at.caption]
    assert not any("add one" in text for text in shown), shown
    assert not any("store is empty" in text for text in shown), shown
    series_a = next(box for box in at.selectbox if box.label == "Series A")
    assert series_a.value == OUTSIDE
    label = f"{names[OUTSIDE]} ({OUTSIDE})"
    assert label in series_a.options
    series_b = next(box for box in at.selectbox if box.label == "Series B")
    assert series_b.value == POWER
    # The heating section names the outdoor entity it would fit against and draws its
    # readings so far: 5-minute means of what HA sent.
    assert any(label in text and "5-minute" in text for text in shown), shown
    drawn = _chart_values(at, "outdoor °C")
    means = stored.sort("time").group_by_dynamic("time", every="5m").agg(pl.col("value").mean())
    assert drawn == pytest.approx(means["value"].to_list())


def _chart_values(at: AppTest, y_title: str) -> list[float]:
    """Return the y values of the one plotly chart whose y axis reads ``y_title``."""
    figures = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    found = [f for f in figures if f["layout"]["yaxis"]["title"]["text"] == y_title]
    assert len(found) == 1, [f["layout"]["yaxis"].get("title") for f in figures]
    y = found[0]["data"][0]["y"]
    if isinstance(y, dict):  # plotly >= 6 sends arrays base64-encoded
        return np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]).tolist()
    return [float(v) for v in y]
