"""Backtested forecasts: the naive baseline is always there, and the best model is drawn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from analytics.backtest import BAND
from analytics.errors import InsufficientData
from analytics.forecast import forecast
from analytics.forecast_models import BASELINE, MODELS
from analytics.series import prepare

T0 = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
HOUR = timedelta(hours=1)
DAYS = 35


def _frame(values: np.ndarray, start: datetime = T0) -> pl.DataFrame:
    return pl.DataFrame(
        {"time": [start + HOUR * i for i in range(values.size)], "value": values}
    ).with_columns(pl.col("time").cast(pl.Datetime("us", "UTC")))


def _rhythm(hours: int, seed: int = 3, noise: float = 0.15) -> np.ndarray:
    h = np.arange(hours)
    base = 1.0 + 0.5 * np.cos(2 * np.pi * (h % 24 - 18) / 24)
    return base + np.random.default_rng(seed).normal(0, noise, hours)


def _run(values: np.ndarray, **kw: object) -> object:
    prepared = prepare(_frame(values), step=HOUR)
    return forecast(prepared, horizon=24, tz="Europe/Amsterdam", **kw)  # type: ignore[arg-type]


def test_every_model_is_scored_and_the_baseline_has_mase_one() -> None:
    result = _run(_rhythm(DAYS * 24))
    keys = [s.key for s in result.scores]  # type: ignore[attr-defined]
    assert keys == [m.key for m in MODELS]
    assert result.baseline.key == BASELINE.key  # type: ignore[attr-defined]
    assert result.baseline.mase == pytest.approx(1.0)  # type: ignore[attr-defined]
    assert all(s.error is None and s.origins == 14 for s in result.scores)  # type: ignore[attr-defined]


def test_smoothing_models_beat_naive_on_a_noisy_daily_rhythm() -> None:
    # repeating yesterday copies yesterday's noise; a model that averages days does not
    result = _run(_rhythm(DAYS * 24))
    assert result.beats_baseline  # type: ignore[attr-defined]
    drawn = next(s for s in result.scores if s.key == result.model)  # type: ignore[attr-defined]
    assert drawn.mase < 0.85


def test_naive_is_drawn_when_nothing_beats_it() -> None:
    # a random walk: yesterday's same hour is as good as anything, so naive must be drawn
    walk = np.cumsum(np.random.default_rng(1).normal(0, 1, DAYS * 24)) + 100
    season = np.tile(np.r_[np.zeros(12), np.full(12, 50.0)], DAYS)
    result = _run(walk + season, models=[MODELS[0], MODELS[1]])
    assert result.model == BASELINE.key  # type: ignore[attr-defined]
    assert not result.beats_baseline  # type: ignore[attr-defined]
    assert any("No model beat" in n for n in result.notes)  # type: ignore[attr-defined]


def test_forecast_rows_follow_the_last_bucket_with_a_band() -> None:
    values = _rhythm(DAYS * 24)
    result = _run(values)
    frame = result.forecast  # type: ignore[attr-defined]
    assert frame.height == 24
    assert frame["time"][0] == T0 + HOUR * values.size
    assert (frame["low"] <= frame["value"]).all() and (frame["value"] <= frame["high"]).all()


def test_coverage_of_the_band_is_near_its_nominal_share() -> None:
    result = _run(_rhythm(DAYS * 24, noise=0.3))
    for score in result.scores:  # type: ignore[attr-defined]
        assert score.coverage is not None
        assert abs(score.coverage - BAND) < 0.15, score


def test_regression_reports_the_temperature_effect_per_degree() -> None:
    # use = 2 kWh/day per degree below 16 degC; weather lasts (today is much like yesterday)
    hours = DAYS * 24
    shocks = np.random.default_rng(4).normal(0, 2, DAYS)
    daily = np.zeros(DAYS)
    for d in range(1, DAYS):
        daily[d] = 0.9 * daily[d - 1] + shocks[d]
    days = np.repeat(6 + daily, 24)
    temperature = days + np.random.default_rng(5).normal(0, 0.2, hours)
    load = _rhythm(hours, noise=0.05) + np.clip(16 - days, 0, None) * 2 / 24
    prepared = prepare(_frame(load), step=HOUR)
    result = forecast(prepared, horizon=24, tz="UTC", temperature=_frame(temperature))
    effect = next(d for d in result.drivers if "temperature" in d.name)
    assert -4.0 < effect.effect < -0.5  # colder yesterday, more use today


def test_constant_series_gives_the_constant_without_fitting() -> None:
    result = _run(np.full(DAYS * 24, 7.0))
    assert result.forecast["value"].to_list() == [7.0] * 24  # type: ignore[attr-defined]
    assert "constant" in result.notes[-1]  # type: ignore[attr-defined]


def test_short_history_backtests_fewer_days_and_says_so() -> None:
    result = _run(_rhythm(5 * 24))
    assert result.baseline.origins == 4  # type: ignore[attr-defined]
    assert any("covers 4 origin" in n for n in result.notes)  # type: ignore[attr-defined]


def test_horizon_must_be_positive() -> None:
    with pytest.raises(InsufficientData, match="horizon"):
        forecast(prepare(_frame(_rhythm(DAYS * 24)), step=HOUR), horizon=0, tz="UTC")


def test_daily_buckets_forecast_a_week() -> None:
    days = 120
    start = datetime(2025, 9, 1, tzinfo=UTC)
    values = 10 + 3 * (np.arange(days) % 7 >= 5) + np.random.default_rng(2).normal(0, 1, days)
    frame = pl.DataFrame(
        {"time": [start + timedelta(days=i) for i in range(days)], "value": values}
    ).with_columns(pl.col("time").cast(pl.Datetime("us", "UTC")))
    result = forecast(prepare(frame, step=timedelta(days=1)), horizon=7, tz="UTC")
    assert result.forecast.height == 7
    assert result.baseline.mae is not None and result.baseline.mae > 0
