"""Analytics on the simulated home (real embedded store) recover what the simulator planted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from analytics import energy, sports, weather
from homeiq.sim import simulate_home
from storage.embedded import EmbeddedStore

END = datetime(2026, 3, 2, tzinfo=UTC)
DAYS = 42


@pytest.fixture(scope="module")
def home(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[EmbeddedStore, dict[str, Any]]]:
    root = tmp_path_factory.mktemp("simhome")
    store = EmbeddedStore(root / "store")
    simulate_home(
        store, days=DAYS, entities=40, seed=7, end=END, ground_truth_path=root / "gt.json"
    )
    yield store, json.loads((root / "gt.json").read_text())
    store.close()


def _range() -> tuple[datetime, datetime]:
    return END - timedelta(days=DAYS), END


def test_meter_increase_on_raw_reads_equals_the_stores_increase(
    home: tuple[EmbeddedStore, dict[str, Any]],
) -> None:
    store, truth = home
    assert any(r["entity_id"] == "sensor.house_energy" for r in truth["meter_resets"])
    start, end = _range()
    raw = store.read(["sensor.house_energy"], start, end).select("time", "value")
    ours = energy.meter_increase(raw, bucket="1d")
    theirs = store.aggregate(["sensor.house_energy"], start, end, "1d", "increase")
    joined = ours.join(theirs.select("time", "value"), on="time", how="full", coalesce=True)
    assert joined.height >= DAYS - 1
    assert joined["kwh"].fill_null(0.0).to_list() == pytest.approx(
        joined["value"].fill_null(0.0).to_list(), rel=1e-9, abs=1e-9
    )
    assert ours["kwh"].min() >= 0  # type: ignore[operator]


def test_game_windows_match_the_planted_kickoffs(
    home: tuple[EmbeddedStore, dict[str, Any]],
) -> None:
    store, truth = home
    start, end = _range()
    team = store.read(["sensor.home_team"], start, end).select("time", "state")
    games = sports.game_windows(team, end=end).filter(pl.col("phase") == "IN")
    planted = [datetime.fromisoformat(g["kickoff"]) for g in truth["team"]["games"]]
    assert len(planted) >= 4
    assert games["start"].to_list() == planted


def test_hdd_regression_recovers_the_planted_heating_slope(
    home: tuple[EmbeddedStore, dict[str, Any]],
) -> None:
    store, truth = home
    heating = truth["heating"]
    start, end = _range()
    raw = store.read([heating["energy_entity_id"]], start, end).select("time", "value")
    daily_kwh = energy.meter_increase(raw, bucket="1d").select(
        pl.col("time").dt.date().alias("day"), "kwh"
    )
    temp = store.aggregate([heating["temperature_entity_id"]], start, end, "1d", "mean")
    temp_daily = temp.select(pl.col("time").dt.date().alias("day"), "value")
    # leave out the first and last day: partial days bend the fit
    daily_kwh = daily_kwh.slice(1, daily_kwh.height - 2)
    fit = weather.hdd_regression(daily_kwh, temp_daily, base_c=heating["base_c"])
    assert fit.n >= DAYS - 3
    assert fit.slope == pytest.approx(heating["kwh_per_hdd"], rel=0.10)
    assert fit.r2 > 0.8
