"""Routines planted in the simulated home are found again from what the real store returns."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from analytics import patterns
from homeiq.sim import simulate_home
from storage.embedded import EmbeddedStore

# Starts on a Sunday; one week of the four nobody is home (the planted away week).
END = datetime(2026, 3, 29, tzinfo=UTC)
DAYS = 28


@dataclass(frozen=True)
class SimHome:
    events: pl.DataFrame
    truth: dict[str, Any]


@pytest.fixture(scope="module")
def sim_home(tmp_path_factory: pytest.TempPathFactory) -> SimHome:
    root: Path = tmp_path_factory.mktemp("sim_patterns")
    store = EmbeddedStore(root)
    try:
        truth_path = root / "sim_ground_truth.json"
        simulate_home(store, days=DAYS, entities=40, seed=42, end=END, ground_truth_path=truth_path)
        ids = ["light.bedroom", "light.hallway", "binary_sensor.hallway_motion"]
        events = store.read(ids, END - timedelta(days=DAYS), END)
    finally:
        store.close()
    truth = json.loads(truth_path.read_text())
    return SimHome(
        events=events,
        truth={"timezone": truth["timezone"]} | {r["id"]: r for r in truth["routines"]},
    )


def test_planted_morning_light_routine_is_found(sim_home: SimHome) -> None:
    planted = sim_home.truth["bedroom_weekday_morning"]
    bedroom = sim_home.events.filter(pl.col("entity_id") == planted["entity_id"])
    tz = sim_home.truth["timezone"]
    found = patterns.time_of_day_routines(bedroom, tz=tz, tolerance_minutes=10)[0]
    hour, minute = map(int, planted["local_time"].split(":"))
    assert abs(found.minute - (hour * 60 + minute)) <= planted["tolerance_minutes"]
    assert list(found.weekdays) == planted["weekdays"]
    assert found.share >= 0.7  # the away week costs one weekday of each four


def test_planted_light_following_motion_is_found(sim_home: SimHome) -> None:
    planted = sim_home.truth["hallway_light_follows_motion"]
    events = sim_home.events
    result = patterns.follows(
        events.filter(pl.col("entity_id") == planted["trigger_entity_id"]),
        events.filter(pl.col("entity_id") == planted["entity_id"]),
        within_s=30,
    )
    assert result.rate == pytest.approx(planted["answer_rate"], abs=0.04)
    assert result.p90_delay_s is not None and result.p90_delay_s <= planted["max_delay_s"]
    assert result.lift > 10
