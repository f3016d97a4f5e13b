"""Robust z-scores find planted anomalies in hourly aggregates, and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pytest

from analytics.anomalies import anomalies, robust_zscores
from analytics.errors import InsufficientData

AMS = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 3, 16, tzinfo=AMS)  # three weeks across the spring DST change
HOURS = 21 * 24 - 1  # one wall-clock hour is skipped on 2026-03-29


def _hourly(seed: int = 11, entity: str | None = None, level: float = 1.0) -> pl.DataFrame:
    """Evening peak at 19:00 local (3x the night), 2 % noise; hours are real UTC hours."""
    draw = np.random.default_rng(seed)
    times = [START.astimezone(UTC) + timedelta(hours=h) for h in range(HOURS)]
    local_hours = np.array([t.astimezone(AMS).hour for t in times])
    shape = 1.0 + 2.0 * np.exp(-(((local_hours - 19) / 2.0) ** 2))
    values = level * shape * (1 + draw.normal(0, 0.02, len(times)))
    frame = pl.DataFrame(
        {"time": times, "value": values},
        schema={"time": pl.Datetime("us", "UTC"), "value": pl.Float64},
    )
    return frame.with_columns(pl.lit(entity).alias("entity_id")) if entity else frame


def _spike(frame: pl.DataFrame, at: datetime, factor: float) -> pl.DataFrame:
    return frame.with_columns(
        pl.when(pl.col("time") == at).then(pl.col("value") * factor).otherwise(pl.col("value"))
    )


SPIKE = datetime(2026, 3, 24, 3, tzinfo=AMS).astimezone(UTC)  # a night hour, 3x normal


def test_planted_night_spike_is_the_most_extreme_anomaly_with_a_local_hour_profile() -> None:
    found = anomalies(_spike(_hourly(), SPIKE, 3.0), tz="Europe/Amsterdam")
    assert found["time"][0] == SPIKE
    assert found["z"][0] > 20
    assert found["expected"][0] == pytest.approx(1.0, rel=0.03)
    assert found["z"].abs()[1:].max() < 6  # type: ignore[operator]  # the rest is noise


def test_the_daily_evening_peak_is_normal_for_its_hour_across_dst() -> None:
    scored = robust_zscores(_hourly(), tz="Europe/Amsterdam")
    assert scored.height == HOURS
    # 2 % Gaussian noise, 21 values per hour: a handful just past 3.5, none far out
    assert scored["anomaly"].sum() < HOURS * 0.02
    assert scored["z"].abs().max() < 6  # type: ignore[operator]


def test_a_utc_profile_misreads_the_dst_shifted_peak() -> None:
    # after the change the 19:00 local peak sits in another UTC hour: a UTC profile flags it
    scored = robust_zscores(_hourly(), tz="UTC")
    assert scored["anomaly"].sum() > HOURS * 0.05
    assert scored["z"].abs().max() > 10  # type: ignore[operator]


def test_a_flat_profile_flags_what_the_hour_profile_calls_normal() -> None:
    scored = robust_zscores(_hourly(), tz="Europe/Amsterdam", profile="flat")
    assert scored["anomaly"].sum() > 0


def test_entities_are_scored_against_their_own_history() -> None:
    frame = pl.concat([_hourly(1, "sensor.small", 1.0), _hourly(2, "sensor.big", 50.0)])
    frame = _spike(frame, SPIKE, 1.0).with_columns(
        pl.when((pl.col("entity_id") == "sensor.small") & (pl.col("time") == SPIKE))
        .then(pl.col("value") * 4)
        .otherwise(pl.col("value"))
    )
    found = anomalies(frame, tz="Europe/Amsterdam")
    # 4x the small sensor is far out; the big sensor's 50x level is normal for itself
    assert found.select("entity_id", "time").row(0) == ("sensor.small", SPIKE)
    assert found["z"][0] > 50
    assert found["z"].abs()[1:].max() < 6  # type: ignore[operator]


def test_a_constant_group_scores_zero_and_one_other_value_uses_mean_deviation() -> None:
    times = [datetime(2026, 1, 5, tzinfo=UTC) + timedelta(days=d) for d in range(8)]
    frame = pl.DataFrame({"time": times, "value": [0.0] * 7 + [5.0]})
    scored = robust_zscores(frame, tz="UTC")
    assert scored["z"].to_list()[:7] == [0.0] * 7
    # MAD is 0; mean |x - 0| is 5 / 8, so z = 5 * 0.7979 / 0.625
    assert scored["z"][7] == pytest.approx(5 * 0.7979 / 0.625, rel=1e-6)
    assert scored["anomaly"].to_list() == [False] * 7 + [True]
    flat = robust_zscores(frame.head(7), tz="UTC")
    assert flat["z"].to_list() == [0.0] * 7


def test_mostly_constant_group_falls_back_to_mean_absolute_deviation() -> None:
    times = [datetime(2026, 1, 5, tzinfo=UTC) + timedelta(days=d) for d in range(10)]
    frame = pl.DataFrame({"time": times, "value": [0.0] * 8 + [1.0, 1.0]})
    scored = robust_zscores(frame, tz="UTC")
    # MAD is 0, mean |x - 0| is 0.2, scale 0.2 / 0.7979, so z of 1.0 is 3.99
    assert scored["z"][9] == pytest.approx(0.7979 / 0.2, rel=1e-6)


def test_groups_too_small_give_null_z_and_all_too_small_is_insufficient() -> None:
    few = _hourly().head(24 * 3)
    with pytest.raises(InsufficientData, match="fewer than 5 hourly values"):
        robust_zscores(few, tz="Europe/Amsterdam")
    scored = robust_zscores(few, tz="Europe/Amsterdam", min_group=3)
    assert scored["z"].null_count() == 0


def test_empty_input_says_what_is_missing() -> None:
    empty = pl.DataFrame(schema={"time": pl.Datetime("us", "UTC"), "value": pl.Float64})
    with pytest.raises(InsufficientData, match="no numeric hourly values"):
        robust_zscores(empty, tz="UTC")


def test_scoring_does_not_mutate_the_input() -> None:
    frame = _spike(_hourly(), SPIKE, 3.0)
    before = frame.clone()
    anomalies(frame, tz="Europe/Amsterdam", profile="hour_weekday", min_group=3)
    assert frame.equals(before)
