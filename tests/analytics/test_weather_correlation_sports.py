"""Weather fits, lagged correlation and game uplift recover what was planted."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from analytics import correlation, sports, weather
from analytics.errors import InsufficientData

T0 = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)  # a Monday


def _hourly(values: np.ndarray) -> pl.DataFrame:
    times = [T0 + timedelta(hours=i) for i in range(len(values))]
    return pl.DataFrame({"time": times, "value": values.astype(float)}).with_columns(
        pl.col("time").cast(pl.Datetime("us", "UTC"))
    )


def test_hdd_regression_recovers_planted_slope() -> None:
    rng = np.random.default_rng(1)
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(60)]
    temps = rng.uniform(-5, 14, len(days))
    kwh = 0.8 * (15.5 - temps) + 2.0 + rng.normal(0, 0.3, len(days))
    fit = weather.hdd_regression(
        pl.DataFrame({"day": days, "kwh": kwh}), pl.DataFrame({"day": days, "value": temps})
    )
    assert fit.slope == pytest.approx(0.8, rel=0.03)
    assert fit.intercept == pytest.approx(2.0, abs=0.5)
    assert fit.r2 > 0.9
    assert fit.n == 60


def test_heating_degree_days_are_never_negative() -> None:
    frame = pl.DataFrame({"day": [date(2026, 1, 1), date(2026, 1, 2)], "value": [20.0, 10.5]})
    assert weather.heating_degree_days(frame)["hdd"].to_list() == [0.0, 5.0]


def test_fit_line_needs_three_points() -> None:
    with pytest.raises(InsufficientData, match="at least 3"):
        weather.fit_line(pl.Series([1.0, 2.0]), pl.Series([1.0, 2.0]))


def test_lagged_correlation_finds_a_three_bucket_lag() -> None:
    rng = np.random.default_rng(2)
    a = rng.normal(0, 1, 500)
    b = np.roll(a, 3) + rng.normal(0, 0.2, 500)  # b follows a by 3 hours
    result = correlation.lagged_correlation(_hourly(a), _hourly(b), bucket="1h", max_lag=12)
    assert result.best_lag == 3
    assert result.best_r > 0.9
    assert result.by_lag.height == 25
    assert result.n == 497


def test_lagged_correlation_without_overlap_says_so() -> None:
    with pytest.raises(InsufficientData):
        correlation.lagged_correlation(_hourly(np.ones(10)), _hourly(np.ones(10)), max_lag=2)


def _team_states(kickoffs: list[datetime]) -> pl.DataFrame:
    rows = []
    for kickoff in kickoffs:
        rows += [
            (kickoff - timedelta(hours=2), "PRE"),
            (kickoff, "IN"),
            (kickoff + timedelta(hours=2), "POST"),
            (kickoff + timedelta(hours=4), "NOT_FOUND"),
        ]
    return pl.DataFrame(
        rows, schema={"time": pl.Datetime("us", "UTC"), "state": pl.String}, orient="row"
    )


def test_game_windows_follow_the_team_states() -> None:
    kickoff = T0 + timedelta(days=5, hours=15)
    windows = sports.game_windows(_team_states([kickoff]), end=T0 + timedelta(days=30))
    assert windows["phase"].to_list() == ["PRE", "IN", "POST"]
    game = windows.filter(pl.col("phase") == "IN").row(0, named=True)
    assert game["start"] == kickoff
    assert game["end"] == kickoff + timedelta(hours=2)


def test_game_uplift_recovers_planted_40_percent() -> None:
    rng = np.random.default_rng(3)
    hours = 24 * 7 * 12
    values = rng.normal(1000, 80, hours)
    kickoffs = [T0 + timedelta(days=5 + 7 * week, hours=15) for week in range(0, 12, 2)]
    series = _hourly(values)
    in_game = (
        series["time"].is_in([k + timedelta(hours=h) for k in kickoffs for h in (0, 1)]).to_numpy()
    )
    series = series.with_columns(pl.Series("value", np.where(in_game, values * 1.4, values)))
    windows = sports.game_windows(_team_states(kickoffs), end=T0 + timedelta(days=90))
    up = sports.game_uplift(series, windows, bucket="1h", tz="UTC")
    assert up.n_game == 12
    assert up.n_baseline == 12  # the same Saturday hours in the six weeks without a game
    assert up.ci_low < 0.4 < up.ci_high
    assert up.uplift == pytest.approx(0.4, abs=0.08)
    again = sports.game_uplift(series, windows, bucket="1h", tz="UTC")
    assert (again.ci_low, again.ci_high) == (up.ci_low, up.ci_high)  # seeded, repeatable
