"""Costs are shown in the home's currency (HA's or HOMEIQ_CURRENCY), never a fixed euro sign."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.role_resolver import RoleAssignment, RoleMap
from app.pages import ADMIN_PAGES
from app.services.kiosk import TILES, KioskReader
from app.services.money import SYMBOLS, currency_label, money
from app.services.timerange import preset_range
from storage.events import Event, events_to_frame
from storage.factory import open_store
from tests.app.conftest import SIM_END

ENERGY = next(spec.path for spec in ADMIN_PAGES if spec.url_path == "energy")


@pytest.mark.parametrize(
    ("currency", "shown"),
    [("EUR", "€ 1,234.50"), ("USD", "$ 1,234.50"), ("GBP", "£ 1,234.50"), ("CHF", "CHF 1,234.50")],
)
def test_money_shows_a_symbol_for_common_currencies_and_the_code_otherwise(
    currency: str, shown: str
) -> None:
    assert money(1234.5, currency) == shown


def test_money_without_a_known_currency_shows_the_amount_alone() -> None:
    assert money(3.1, None) == "3.10"
    assert currency_label(None) == ""
    assert set(SYMBOLS) == {"EUR", "USD", "GBP"}


def test_energy_page_shows_costs_in_the_homes_currency(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOMEIQ_CURRENCY", "USD")  # the simulated home itself says EUR
    at = AppTest.from_file(str(ENERGY), default_timeout=120)
    at.session_state["homeiq_range"] = preset_range("Last 7 days", SIM_END)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    cost = next(metric.value for metric in at.metric if metric.label == "Cost")
    assert cost.startswith("$ ") and float(cost[2:].replace(",", "")) > 0, cost
    assert "€" not in cost
    assert "cost (USD)" in at.dataframe[0].value.columns


def test_energy_page_of_the_simulated_home_keeps_its_euros(app_env: Path) -> None:
    at = AppTest.from_file(str(ENERGY), default_timeout=120)
    at.session_state["homeiq_range"] = preset_range("Last 7 days", SIM_END)
    at.run()
    cost = next(metric.value for metric in at.metric if metric.label == "Cost")
    assert cost.startswith("€ "), cost


def test_kiosk_energy_tile_prices_today_in_the_homes_currency(tmp_path: Path) -> None:
    now = datetime(2026, 1, 31, 15, tzinfo=UTC)
    midnight = datetime.combine(now.date(), time.min, tzinfo=UTC)
    events = [
        Event(
            time=at,
            entity_id="sensor.grid_meter",
            state=str(kwh),
            value=kwh,
            unit="kWh",
            device_class="energy",
            source="ha",
        )
        for at, kwh in ((midnight, 100.0), (now - timedelta(hours=1), 110.0))
    ]
    store = open_store(backend="embedded", data_dir=tmp_path)
    store.write(events_to_frame(events))
    roles = RoleMap(
        roles={
            "main_energy_meter": RoleAssignment(
                role="main_energy_meter", entity_id="sensor.grid_meter", source="setting"
            ),
            "electricity_price": RoleAssignment(
                role="electricity_price", entity_id=None, source="setting", fixed_value=0.5
            ),
        }
    )
    tile = next(spec for spec in TILES if spec.key == "energy")
    try:
        reader = KioskReader(store, None, "UTC", lambda: roles, currency="USD")
        value = tile.compute(reader, now)
    finally:
        store.close()
    assert (value.value, value.caption) == ("10.0 kWh", "$ 5.00")
