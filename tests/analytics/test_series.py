"""Series preparation: gaps filled only where short, cut where long, with the reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from analytics.errors import InsufficientData
from analytics.series import local_days, prepare, season_of

T0 = datetime(2026, 3, 2, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _hourly(values: list[float] | np.ndarray, start: datetime = T0) -> pl.DataFrame:
    return pl.DataFrame(
        {"time": [start + HOUR * i for i in range(len(values))], "value": list(values)}
    ).with_columns(pl.col("time").cast(pl.Datetime("us", "UTC")))


def test_short_gap_in_a_mean_is_interpolated() -> None:
    frame = _hourly(np.arange(72, dtype=float)).filter(~pl.col("value").is_in([10.0, 11.0]))
    prepared = prepare(frame, step=HOUR)
    assert prepared.filled == 2
    assert prepared.values[10:12].tolist() == [10.0, 11.0]


def test_short_gap_in_a_meter_increase_is_spread_over_the_gap() -> None:
    values = [1.0] * 72
    values[12] = 3.0  # the store credits the two missing hours to the bucket after them
    frame = _hourly(values).filter(~pl.col("time").is_in([T0 + HOUR * 10, T0 + HOUR * 11]))
    prepared = prepare(frame, step=HOUR, kind="increase")
    assert prepared.values[10:13].tolist() == [1.0, 1.0, 1.0]
    assert prepared.values.sum() == pytest.approx(72.0)


def test_long_gap_cuts_the_series_and_says_why() -> None:
    frame = _hourly(np.ones(24 * 6)).filter(
        (pl.col("time") < T0 + HOUR * 24) | (pl.col("time") >= T0 + HOUR * 36)
    )
    prepared = prepare(frame, step=HOUR)
    assert prepared.frame["time"][0] == T0 + HOUR * 36
    assert "only the" in prepared.notes[0] and "12:00:00" in prepared.notes[0]


def test_three_points_raise_a_clear_message() -> None:
    with pytest.raises(InsufficientData, match="at least 48 buckets"):
        prepare(_hourly([1.0, 2.0, 3.0]), step=HOUR)


def test_all_unavailable_raises_a_clear_message() -> None:
    frame = _hourly([None] * 100)  # type: ignore[list-item]
    with pytest.raises(InsufficientData, match="no numeric values"):
        prepare(frame, step=HOUR)


def test_dst_spring_day_has_23_hours_of_use() -> None:
    # 2026-03-29: Amsterdam skips 02:00; 1 kWh every hour gives a 23 kWh local day
    start = datetime(2026, 3, 27, 23, tzinfo=UTC)
    days = local_days(_hourly(np.ones(24 * 4), start), tz="Europe/Amsterdam", kind="increase")
    totals = dict(
        zip(
            days["time"].dt.convert_time_zone("Europe/Amsterdam").dt.date(),
            days["value"],
            strict=True,
        )
    )
    assert totals[datetime(2026, 3, 29).date()] == 23.0
    assert totals[datetime(2026, 3, 28).date()] == 24.0


def test_dst_autumn_day_has_25_hours_of_use() -> None:
    start = datetime(2026, 10, 23, 22, tzinfo=UTC)
    days = local_days(_hourly(np.ones(24 * 4), start), tz="Europe/Amsterdam", kind="increase")
    local = days["time"].dt.convert_time_zone("Europe/Amsterdam").dt.date().to_list()
    assert days["value"][local.index(datetime(2026, 10, 25).date())] == 25.0


def test_bucket_that_does_not_divide_a_day_is_refused() -> None:
    with pytest.raises(InsufficientData, match="does not divide a day"):
        season_of(timedelta(minutes=7))
