"""Explore stays light in the browser; pages say which sensor is missing."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from app.pages import ADMIN_PAGES
from app.services.context import build_services
from app.services.explore import series
from app.services.timerange import MAX_POINTS, preset_range
from homeiq.settings import load_settings
from storage.factory import open_store
from tests.app.conftest import SIM_END, _point_app_at

PAGES = {spec.url_path: spec.path for spec in ADMIN_PAGES}
RANGE = preset_range("Last 30 days", SIM_END)


def _light(sim_dir: Path) -> str:
    store = open_store(backend="embedded", data_dir=sim_dir)
    try:
        lights = store.entities().filter(pl.col("domain") == "light")["entity_id"]
    finally:
        store.close()
    return str(lights.sort()[0])


def test_explore_keeps_each_series_within_5000_points(app_env: Path) -> None:
    svc = build_services(load_settings())
    try:
        data = series(svc, RANGE, ("sensor.house_power", "sensor.outdoor_temperature"))
    finally:
        svc.store.close()
    per_entity = data.lines.group_by("entity_id").len()
    assert set(per_entity["entity_id"]) == {"sensor.house_power", "sensor.outdoor_temperature"}
    assert per_entity["len"].max() <= MAX_POINTS
    assert data.bucket != "1m"  # 30 days of minutes would be 43,200 points


def test_explore_draws_non_numeric_states_as_runs(app_env: Path) -> None:
    light = _light(app_env)
    svc = build_services(load_settings())
    try:
        data = series(svc, RANGE, (light,))
        raw = svc.store.read([light], RANGE.start, RANGE.end)
    finally:
        svc.store.close()
    runs = data.runs
    assert data.lines.height == 0
    assert set(runs["state"]) <= set(raw["state"])
    # consecutive runs differ in state, and together they cover from the first event to the end
    assert (runs["state"].head(-1) != runs["state"].tail(-1)).all()
    assert runs["start"][0] == raw["time"].min()
    assert runs["end"][-1] == RANGE.end


@pytest.fixture
def bare_home(sim_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a store holding only the house meter and power sensor (no price, no weather)."""
    source = open_store(backend="embedded", data_dir=sim_dir)
    target = open_store(backend="embedded", data_dir=tmp_path)
    try:
        events = source.read(["sensor.house_energy", "sensor.house_power"], RANGE.start, SIM_END)
        target.write(events)
    finally:
        source.close()
        target.close()
    _point_app_at(monkeypatch, tmp_path)
    return tmp_path


def _run(page: str) -> AppTest:
    at = AppTest.from_file(str(PAGES[page]), default_timeout=60)
    at.session_state["homeiq_range"] = RANGE
    return at.run()


def test_energy_without_price_sensor_says_so_and_still_totals(bare_home: Path) -> None:
    at = _run("energy")
    assert not at.exception, [e.value for e in at.exception]
    assert any("No electricity price" in box.value for box in at.info)
    labels = {metric.label: metric.value for metric in at.metric}
    assert labels["Cost"] == "—"
    assert float(labels["Consumption"].split()[0].replace(",", "")) > 0


def test_weather_without_outdoor_sensor_says_what_is_missing(bare_home: Path) -> None:
    at = _run("weather-sports")
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    shown = " ".join(box.value for box in at.info).lower()
    assert "outdoor" in shown or "temperature" in shown, shown
