"""A home whose only outdoor reading is a weather entity's temperature attribute gets heating
fits, and every page finds its entities by role (no simulated-home id in app/ or pages/)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.pages import ROOT
from app.services.context import build_services
from app.services.timerange import TimeRange
from app.services.weather_sports import heating_report, outdoor_hourly
from homeiq.settings import load_settings
from homeiq.sim.catalog import MIN_ENTITIES, build_catalog
from storage.events import Event, events_to_frame
from storage.factory import open_store
from tests.app.conftest import _point_app_at

START = datetime(2026, 1, 1, tzinfo=UTC)
DAYS = 20


def _home(data_dir: Path) -> None:
    """A weather entity (°C in an attribute) and a heating meter that follows it."""
    events = []
    meter = 0.0
    for hour in range(DAYS * 24):
        at = START + timedelta(hours=hour)
        day = hour // 24
        temp = -2.0 + day * 0.8 + (hour % 24) * 0.05
        meter += max(0.0, 16.0 - temp) * 0.12
        events.append(
            Event(
                time=at,
                entity_id="weather.forecast_home",
                state="cloudy",
                source="ha",
                attributes={"temperature": temp, "temperature_unit": "°C", "humidity": 80},
            )
        )
        events.append(
            Event(
                time=at,
                entity_id="sensor.heat_pump_energy",
                state=f"{meter:.3f}",
                value=round(meter, 3),
                unit="kWh",
                device_class="energy",
                source="ha",
                attributes={"state_class": "total_increasing", "friendly_name": "Heat pump"},
            )
        )
    store = open_store(backend="embedded", data_dir=data_dir)
    try:
        store.write(events_to_frame(events))
    finally:
        store.close()


@pytest.fixture
def weather_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    _home(tmp_path)
    _point_app_at(monkeypatch, tmp_path)
    return tmp_path


RANGE = TimeRange(start=START, end=START + timedelta(days=DAYS), label="test")


def test_weather_attribute_gives_hourly_outdoor_temperature(weather_home: Path) -> None:
    svc = build_services(load_settings())
    try:
        hourly = outdoor_hourly(svc, "weather.forecast_home", RANGE)
    finally:
        svc.store.close()
    assert hourly.height == DAYS * 24
    assert hourly["value"][0] == pytest.approx(-2.0)
    assert hourly["value"][25] == pytest.approx(-2.0 + 0.8 + 0.05)


def test_heating_fit_uses_the_weather_entity_when_no_outdoor_sensor_exists(
    weather_home: Path,
) -> None:
    svc = build_services(load_settings())
    try:
        report = heating_report(svc, RANGE)
    finally:
        svc.store.close()
    assert not isinstance(report, str), report
    assert report.outdoor_entity == "weather.forecast_home"
    assert report.energy_entity == "sensor.heat_pump_energy"
    assert report.line.slope < 0  # colder days, more heating
    assert report.hdd.n >= DAYS - 2


def test_no_simulated_home_entity_id_in_app_or_pages() -> None:
    # The pages find entities by role; naming the simulated home's ids would break real homes.
    sim_ids = {spec.entity_id for spec in build_catalog(MIN_ENTITIES + 20)}
    found = [
        f"{path.relative_to(ROOT)}: {entity_id}"
        for folder in ("app", "pages")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for entity_id in sim_ids
        if re.search(rf"\b{re.escape(entity_id)}\b", path.read_text(encoding="utf-8"))
    ]
    assert len(sim_ids) > MIN_ENTITIES
    assert found == []
