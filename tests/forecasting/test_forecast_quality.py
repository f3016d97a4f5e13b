"""On the simulated home (heating follows outdoor temperature) the drawn model beats naive."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.role_resolver import resolve_roles
from homeiq.forecasting import forecast_entity
from homeiq.roles import entity_facts
from storage.factory import open_store
from tests.forecasting.conftest import SIM_END

# README ("Forecasts"): per-seed day-ahead MASE of the drawn model; the issue asks < 0.85.
MAX_MASE = 0.85


def test_drawn_day_ahead_model_beats_naive_on_house_energy(sim_home: Path) -> None:
    store = open_store(backend="embedded", data_dir=sim_home)
    try:
        roles = resolve_roles(entity_facts(store, None))  # the series the page opens with
        meter = roles.entity("main_energy_meter")
        assert meter == "sensor.house_energy"
        found = forecast_entity(
            store,
            meter,
            bucket="1h",
            horizon="24h",
            tz="Europe/Amsterdam",
            now=SIM_END,
            temperature_entity=roles.entity("outdoor_temperature"),
        )
    finally:
        store.close()
    result = found.result
    drawn = next(s for s in result.scores if s.key == result.model)
    assert found.temperature_entity == "sensor.outdoor_temperature"
    assert result.beats_baseline
    assert drawn.mase is not None and drawn.mase < MAX_MASE, [
        (s.key, s.mase) for s in result.scores
    ]
    assert result.forecast.height == 24


def test_meter_resets_in_the_range_do_not_spike_the_series(sim_home: Path) -> None:
    # the simulated meters reset to zero now and then; the store's increase survives it
    store = open_store(backend="embedded", data_dir=sim_home)
    try:
        found = forecast_entity(
            store, "sensor.heating_energy", bucket="1h", horizon="24h", tz="UTC", now=SIM_END
        )
    finally:
        store.close()
    history = found.result.history["value"]
    assert history.min() >= 0
    assert history.max() < 4.0  # the heating draws at most ~2.5 kW


@pytest.mark.parametrize(("bucket", "horizon"), [("15m", "24h"), ("1h", "48h"), ("1d", "7d")])
def test_other_buckets_and_horizons_forecast(one_home: Path, bucket: str, horizon: str) -> None:
    store = open_store(backend="embedded", data_dir=one_home)
    try:
        found = forecast_entity(
            store,
            "sensor.house_energy",
            bucket=bucket,
            horizon=horizon,
            tz="Europe/Amsterdam",
            now=SIM_END,
        )
    finally:
        store.close()
    steps = {"24h": 24, "48h": 48, "7d": 7}[horizon] * (4 if bucket == "15m" else 1)
    assert found.result.forecast.height == steps
    assert found.result.baseline.mae is not None
