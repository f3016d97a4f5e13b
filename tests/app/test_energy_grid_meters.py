"""A home with two grid import meters in HA's energy dashboard (peak and off-peak tariffs):
the Energy page adds up both, each at its own price, in the home's currency."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from analytics.role_resolver import GridImport, grid_imports
from app.pages import ADMIN_PAGES
from app.services.context import build_services
from app.services.energy import energy_report
from app.services.kiosk import TILES, KioskReader
from app.services.roles import role_map
from app.services.timerange import TimeRange
from homeiq.roles import resolve_home_roles
from homeiq.settings import load_settings
from storage.events import Event, events_to_frame
from storage.factory import open_store
from storage.metadata import MetadataStore
from storage.metadata.home import HomeFacts
from tests.app.conftest import _point_app_at

ENERGY = next(spec.path for spec in ADMIN_PAGES if spec.url_path == "energy")
START = datetime(2026, 3, 2, tzinfo=UTC)
DAYS = 3
PEAK, OFF_PEAK = "sensor.grid_import_peak", "sensor.grid_import_off_peak"
PRICES = {PEAK: 0.40, OFF_PEAK: 0.20}
RANGE = TimeRange(start=START, end=START + timedelta(days=DAYS), label="test")


def _prefs() -> dict[str, Any]:
    """HA's energy prefs with one grid source and two import meters, each with its price."""
    flows = [
        {
            "stat_energy_from": meter,
            "stat_cost": None,
            "entity_energy_price": None,
            "number_energy_price": price,
        }
        for meter, price in PRICES.items()
    ]
    grid = {"type": "grid", "flow_from": flows, "flow_to": [], "cost_adjustment_day": 0.0}
    return {"energy_sources": [grid], "device_consumption": []}


def _is_peak(at: datetime) -> bool:
    return 7 <= at.hour < 23


def _home(data_dir: Path) -> dict[str, float]:
    """Write both meters hourly (peak counts 07-23, off-peak the rest); return their kWh."""
    events, counted = [], dict.fromkeys(PRICES, 0.0)
    readings = dict.fromkeys(PRICES, 1000.0)
    for hour in range(DAYS * 24 + 1):
        at = START + timedelta(hours=hour)
        if hour:
            used = 0.5 + (hour % 5) * 0.1
            meter = PEAK if _is_peak(at - timedelta(hours=1)) else OFF_PEAK
            readings[meter] += used
            if at < RANGE.end:  # the store counts an increase in the hour it is read
                counted[meter] += used
        for meter, reading in readings.items():
            events.append(
                Event(
                    time=at,
                    entity_id=meter,
                    state=f"{reading:.3f}",
                    value=round(reading, 3),
                    unit="kWh",
                    device_class="energy",
                    source="ha",
                    attributes={"state_class": "total_increasing"},
                )
            )
    store = open_store(backend="embedded", data_dir=data_dir)
    metadata = MetadataStore(data_dir / "homeiq.sqlite")
    try:
        store.write(events_to_frame(events))
        metadata.home.save(HomeFacts(source="ha", time_zone="UTC", currency="USD"))
        metadata.home.save_energy_prefs(_prefs())
    finally:
        store.close()
        metadata.close()
    return counted


@pytest.fixture
def tariff_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, float]:
    counted = _home(tmp_path)
    _point_app_at(monkeypatch, tmp_path)
    monkeypatch.delenv("HOMEIQ_TIMEZONE")  # the home's own facts say UTC and USD
    return counted


def test_grid_imports_lists_every_flow_from_with_its_price() -> None:
    assert grid_imports(_prefs()) == [
        GridImport(entity_id=PEAK, fixed_price=0.40),
        GridImport(entity_id=OFF_PEAK, fixed_price=0.20),
    ]
    assert grid_imports(None) == []


def test_energy_adds_up_every_grid_import_meter_at_its_own_price(
    tariff_home: dict[str, float],
) -> None:
    svc = build_services(load_settings())
    try:
        report = energy_report(svc, RANGE)
        main = role_map(svc).roles["main_energy_meter"]
    finally:
        svc.store.close()
    assert (main.entity_id, main.source) == (PEAK, "energy_prefs")  # the role keeps the first
    assert report is not None
    assert report.sources == (PEAK, OFF_PEAK)
    assert tariff_home[PEAK] > 0 and tariff_home[OFF_PEAK] > 0
    assert report.total_kwh == pytest.approx(tariff_home[PEAK] + tariff_home[OFF_PEAK])
    expected_cost = sum(tariff_home[meter] * price for meter, price in PRICES.items())
    assert report.total_cost == pytest.approx(expected_cost)
    assert report.fixed_price is None  # two prices: no single one to name
    assert report.daily["kwh"].sum() == pytest.approx(report.total_kwh)


def test_energy_page_shows_both_meters_and_the_cost_in_us_dollars(
    tariff_home: dict[str, float],
) -> None:
    at = AppTest.from_file(str(ENERGY), default_timeout=120)
    at.session_state["homeiq_range"] = RANGE
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {metric.label: metric.value for metric in at.metric}
    total = tariff_home[PEAK] + tariff_home[OFF_PEAK]
    assert metrics["Consumption"] == f"{total:,.1f} kWh"
    expected_cost = sum(tariff_home[meter] * price for meter, price in PRICES.items())
    assert metrics["Cost"] == f"$ {expected_cost:,.2f}"
    captions = " ".join(caption.value for caption in at.caption)
    assert PEAK in captions and OFF_PEAK in captions, captions
    assert "€" not in " ".join(str(v) for v in metrics.values())


def test_kiosk_energy_tile_adds_up_both_meters_as_the_energy_page_does(
    tariff_home: dict[str, float],
) -> None:
    now = START + timedelta(days=2, hours=15, minutes=30)
    today = TimeRange(start=START + timedelta(days=2), end=now + timedelta(seconds=1), label="")
    svc = build_services(load_settings())
    tile = next(spec for spec in TILES if spec.key == "energy")
    try:
        page = energy_report(svc, today)
        reader = KioskReader(
            svc.store,
            svc.metadata,
            svc.timezone,
            lambda: resolve_home_roles(svc.store, svc.metadata, svc.settings),
            currency=svc.currency,
        )
        kwh, cost = reader.today_energy(now)
        shown = tile.compute(reader, now)
        peak_only = svc.store.aggregate([PEAK], today.start, today.end, "1h", "increase")
    finally:
        svc.store.close()
    assert page is not None and kwh is not None and cost is not None
    assert kwh == pytest.approx(page.total_kwh)
    assert kwh > float(peak_only["value"].sum()) > 0  # the off-peak night hours count too
    assert cost == pytest.approx(page.total_cost)
    assert (shown.value, shown.caption) == (f"{kwh:,.1f} kWh", f"$ {cost:,.2f}")


def test_a_range_without_meter_readings_gives_no_report_and_no_error(
    tariff_home: dict[str, float],
) -> None:
    # A meter priced by a sensor, in a range after the data: no empty hour table is priced.
    prefs = _prefs()
    prefs["energy_sources"][0]["flow_from"][0]["entity_energy_price"] = "sensor.tariff"
    metadata = MetadataStore(Path(os.environ["HOMEIQ_DATA_DIR"]) / "homeiq.sqlite")
    try:
        metadata.home.save_energy_prefs(prefs)
    finally:
        metadata.close()
    later = TimeRange(
        start=RANGE.end + timedelta(days=30), end=RANGE.end + timedelta(days=31), label="later"
    )
    svc = build_services(load_settings())
    try:
        assert energy_report(svc, later) is None
    finally:
        svc.store.close()
