"""Simulated homes in embedded stores, built once per session, for forecasts and anomalies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from homeiq.sim import MIN_ENTITIES, simulate_home
from storage.events import conform
from storage.factory import open_store
from storage.protocol import TimeSeriesStore

SIM_END = datetime(2026, 1, 31, tzinfo=UTC)
SEEDS = (1, 2, 3)


def build_home(path: Path, *, seed: int, days: int) -> Path:
    """Fill an embedded store under ``path`` with the simulated home's core entities."""
    store = open_store(backend="embedded", data_dir=path)
    try:
        simulate_home(store, days=days, entities=MIN_ENTITIES, seed=seed, end=SIM_END)
    finally:
        store.close()
    return path


@pytest.fixture(scope="session", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def sim_home(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the data dir of a 45-day simulated home (three seeds)."""
    seed = int(request.param)
    return build_home(tmp_path_factory.mktemp(f"home{seed}"), seed=seed, days=45)


@pytest.fixture(scope="session")
def one_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the data dir of one 45-day simulated home with planted anomalies."""
    path = build_home(tmp_path_factory.mktemp("planted"), seed=4, days=45)
    store = open_store(backend="embedded", data_dir=path)
    try:
        plant_anomalies(store, days=45, heater_day=42)
    finally:
        store.close()
    return path


def sensor_events(
    entity_id: str, times: list[datetime], values: np.ndarray, **kw: str
) -> pl.DataFrame:
    """Return event rows of a numeric sensor, as Home Assistant would send them."""
    return conform(
        pl.DataFrame(
            {
                "time": times,
                "entity_id": [entity_id] * len(times),
                "state": [f"{v:.2f}" for v in values],
                "source": ["ha"] * len(times),
                **{key: [value] * len(times) for key, value in kw.items()},
            }
        )
    )


def plant_anomalies(store: TimeSeriesStore, *, days: int, heater_day: int) -> None:
    """Add a space heater (left on all of day ``heater_day``) and a sensor that stops."""
    start = SIM_END - timedelta(days=days)
    times = [start + timedelta(minutes=5 * i) for i in range(days * 288)]
    hours = np.array([(t.hour + 1) % 24 for t in times])  # local Amsterdam hour in winter
    rng = np.random.default_rng(5)
    watts = np.where((hours >= 18) & (hours < 20), 900.0, 1.5) + rng.normal(0, 0.5, len(times))
    on = slice(heater_day * 288, heater_day * 288 + 288)
    watts[on] = 2000.0 + rng.normal(0, 5, 288)
    store.write(
        sensor_events(
            "sensor.space_heater_power", times, watts, unit="W", device_class="power", area="Office"
        )
    )
    stop = len(times) - 2 * 288  # stops two days before the end
    attic = 12 + rng.normal(0, 0.3, stop)
    store.write(
        sensor_events(
            "sensor.attic_temperature",
            times[:stop],
            attic,
            unit="°C",
            device_class="temperature",
            area="Attic",
        )
    )
