"""Seasonal forecasts on planted series with a known rhythm."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from analytics import forecast
from analytics.errors import InsufficientData

T0 = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
NOISE_W = 40.0


def _daily_load(hours: int) -> np.ndarray:
    """Return the noiseless load in W: 1000 W plus a 300 W daily swing peaking at 18:00."""
    h = np.arange(hours)
    return 1000.0 + 300.0 * np.cos(2 * np.pi * (h % 24 - 18) / 24)


def _hourly(values: np.ndarray, start: datetime = T0) -> pl.DataFrame:
    times = [start + timedelta(hours=i) for i in range(values.size)]
    return pl.DataFrame({"time": times, "value": values}).with_columns(
        pl.col("time").cast(pl.Datetime("us", "UTC"))
    )


def _noisy(hours: int, seed: int = 5) -> np.ndarray:
    return _daily_load(hours) + np.random.default_rng(seed).normal(0, NOISE_W, hours)


def test_next_day_follows_the_daily_rhythm() -> None:
    result = forecast.seasonal_forecast(_hourly(_noisy(21 * 24)), bucket="1h", horizon=24)
    truth = _daily_load(22 * 24)[-24:]
    assert result.season == 24
    assert result.seasons_used == 4
    assert np.abs(result.frame["value"].to_numpy() - truth).mean() < 0.1 * 300


def test_forecast_rows_are_the_buckets_after_the_last_sample() -> None:
    result = forecast.seasonal_forecast(_hourly(_noisy(7 * 24)), bucket="1h", horizon=6)
    last = T0 + timedelta(hours=7 * 24 - 1)
    assert result.frame["time"].to_list() == [last + timedelta(hours=i) for i in range(1, 7)]
    assert result.frame.columns == ["time", "value", "low", "high"]


def test_band_holds_most_of_the_next_day() -> None:
    hours = 22 * 24
    series = _noisy(hours, seed=9)
    result = forecast.seasonal_forecast(_hourly(series[:-24]), bucket="1h", horizon=24)
    frame = result.frame
    actual = series[-24:]
    inside = (actual >= frame["low"].to_numpy()) & (actual <= frame["high"].to_numpy())
    assert inside.mean() >= 0.75
    assert (frame["high"] > frame["value"]).all() and (frame["low"] < frame["value"]).all()


def test_backtest_beats_repeating_yesterday_on_noisy_data() -> None:
    result = forecast.seasonal_forecast(_hourly(_noisy(28 * 24)), bucket="1h", horizon=24)
    assert result.backtest_mae is not None and result.naive_mae is not None
    assert result.backtest_mae < result.naive_mae
    assert result.backtest_mae == pytest.approx(NOISE_W * 0.8 * np.sqrt(1.2), rel=0.35)


def test_missing_hours_are_interpolated_and_counted() -> None:
    frame = _hourly(_noisy(7 * 24))
    holed = frame.filter(
        ~pl.col("time").is_between(T0 + timedelta(hours=50), T0 + timedelta(hours=52))
    )
    result = forecast.seasonal_forecast(holed, bucket="1h", horizon=24)
    assert result.filled == 3
    assert result.frame["value"].null_count() == 0


def test_local_and_naive_times_give_the_same_forecast_as_utc() -> None:
    utc = _hourly(_noisy(7 * 24))
    local = utc.with_columns(pl.col("time").dt.convert_time_zone("Europe/Amsterdam"))
    naive = utc.with_columns(pl.col("time").dt.replace_time_zone(None))
    expected = forecast.seasonal_forecast(utc, bucket="1h").frame
    assert forecast.seasonal_forecast(local, bucket="1h").frame.equals(expected)
    assert forecast.seasonal_forecast(naive, bucket="1h").frame.equals(expected)


def test_daily_buckets_use_a_weekly_season() -> None:
    days = np.arange(35)
    kwh = np.where(days % 7 >= 5, 14.0, 9.0)  # weekends use more
    times = [T0 + timedelta(days=int(d)) for d in days]
    series = pl.DataFrame({"time": times, "value": kwh}).with_columns(
        pl.col("time").cast(pl.Datetime("us", "UTC"))
    )
    result = forecast.seasonal_forecast(series, bucket="1d", horizon=7)
    assert result.season == 7
    assert result.frame["value"].to_list() == pytest.approx([9.0] * 5 + [14.0] * 2)


def test_less_than_two_seasons_is_insufficient_data() -> None:
    with pytest.raises(InsufficientData, match="two seasons"):
        forecast.seasonal_forecast(_hourly(_noisy(30)), bucket="1h")


def test_empty_series_is_insufficient_data() -> None:
    empty = pl.DataFrame(schema={"time": pl.Datetime("us", "UTC"), "value": pl.Float64})
    with pytest.raises(InsufficientData, match="no numeric values"):
        forecast.seasonal_forecast(empty, bucket="1h")


def test_mostly_empty_range_is_insufficient_data() -> None:
    sparse = _hourly(_noisy(7 * 24)).gather_every(3)
    with pytest.raises(InsufficientData, match="buckets of 1h are empty"):
        forecast.seasonal_forecast(sparse, bucket="1h")
