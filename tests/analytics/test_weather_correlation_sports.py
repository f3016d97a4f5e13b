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


def test_fit_line_refuses_a_vertical_line() -> None:
    with pytest.raises(InsufficientData, match="every x value is the same"):
        weather.fit_line(pl.Series([2.0, 2.0, 2.0]), pl.Series([1.0, 2.0, 3.0]))


def test_fit_line_skips_pairs_with_a_missing_value() -> None:
    fit = weather.fit_line(
        pl.Series([0.0, 1.0, None, 2.0, 3.0]), pl.Series([1.0, 3.0, 100.0, 5.0, float("nan")])
    )
    assert (fit.n, fit.slope, fit.intercept) == (3, pytest.approx(2.0), pytest.approx(1.0))
    assert fit.r2 == pytest.approx(1.0)


def test_hdd_regression_uses_the_given_base_and_only_shared_days() -> None:
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(10)]
    temps = pl.DataFrame({"day": days, "value": [float(i) for i in range(10)]})
    kwh = pl.DataFrame({"day": days[:8], "kwh": [1.5 * (18.0 - i) for i in range(8)]})
    before = (temps.clone(), kwh.clone())
    fit = weather.hdd_regression(kwh, temps, base_c=18.0)
    assert (fit.base_c, fit.n) == (18.0, 8)
    assert fit.slope == pytest.approx(1.5)
    assert temps.equals(before[0]) and kwh.equals(before[1])


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


def _slot_levels(weeks: int) -> np.ndarray:
    """Hourly 1000 W, but Saturdays 15-17 h at 2000 W and Wednesdays 20-22 h at 500 W."""
    times = [T0 + timedelta(hours=i) for i in range(24 * 7 * weeks)]
    levels = np.full(len(times), 1000.0)
    for i, t in enumerate(times):
        if t.weekday() == 5 and t.hour in (15, 16):
            levels[i] = 2000.0
        if t.weekday() == 2 and t.hour in (20, 21):
            levels[i] = 500.0
    return levels


def test_game_uplift_weights_the_baseline_like_the_games() -> None:
    # 2 Saturday games (2000 W slot) and 8 Wednesday games (500 W slot) over 12 weeks; the
    # Saturday slot has 10 quiet weeks, the Wednesday one 4: unweighted, the baseline would be
    # dominated by Saturdays and a 40 % uplift would look like a drop
    rng = np.random.default_rng(5)
    levels = _slot_levels(12)
    kickoffs = [T0 + timedelta(days=5 + 7 * w, hours=15) for w in range(2)]
    kickoffs += [T0 + timedelta(days=2 + 7 * w, hours=20) for w in range(8)]
    series = _hourly(levels)
    in_game = series["time"].is_in([k + timedelta(hours=h) for k in kickoffs for h in (0, 1)])
    values = levels * np.where(in_game.to_numpy(), 1.4, 1.0) * rng.normal(1, 0.02, len(levels))
    windows = sports.game_windows(_team_states(kickoffs), end=T0 + timedelta(weeks=12))
    up = sports.game_uplift(_hourly(values), windows, bucket="1h", tz="UTC")
    assert (up.n_game, up.n_baseline) == (20, 2 * 10 + 2 * 4)
    assert up.mean_baseline == pytest.approx((4 * 2000 + 16 * 500) / 20, rel=0.02)
    assert up.uplift == pytest.approx(0.4, abs=0.03)
    assert up.ci_low < 0.4 < up.ci_high


def test_game_uplift_keeps_buckets_partly_in_a_game_out_of_the_baseline() -> None:
    # Saturday games at 16:00 (week 0) and 16:45 (week 2), no PRE/POST windows; 1400 W in a
    # game, 1000 W otherwise, so the 16:00 bucket of week 2 (15 game minutes) reads 1100 W
    sat = [T0 + timedelta(days=5 + 7 * w) for w in range(4)]
    starts = [sat[0] + timedelta(hours=16), sat[2] + timedelta(hours=16, minutes=45)]
    windows = pl.DataFrame(
        {"start": starts, "end": [k + timedelta(hours=2) for k in starts], "phase": ["IN", "IN"]},
        schema={
            "start": pl.Datetime("us", "UTC"),
            "end": pl.Datetime("us", "UTC"),
            "phase": pl.String,
        },
    )
    series = _hourly(np.full(24 * 7 * 4, 1000.0))
    game_hours = [starts[0] + timedelta(hours=h) for h in (0, 1)]
    game_hours += [sat[2] + timedelta(hours=h) for h in (17, 18)]
    series = series.with_columns(
        pl.when(pl.col("time").is_in(game_hours))
        .then(1400.0)
        .when(pl.col("time") == sat[2] + timedelta(hours=16))
        .then(1100.0)
        .otherwise(pl.col("value"))
        .alias("value")
    )
    up = sports.game_uplift(series, windows, tz="UTC")
    assert up.n_game == 4  # 16:00 and 17:00 of week 0, 17:00 and 18:00 (45 game min) of week 2
    assert up.mean_baseline == pytest.approx(1000.0)  # the 1100 W bucket is not a twin
    assert up.uplift == pytest.approx(0.4)


def test_game_uplift_leaves_out_game_hours_without_a_non_game_twin() -> None:
    # every Saturday of the range has a game: those hours have no twin to compare with
    kickoffs = [T0 + timedelta(days=5 + 7 * w, hours=15) for w in range(4)]
    windows = sports.game_windows(_team_states(kickoffs), end=T0 + timedelta(weeks=4))
    with pytest.raises(InsufficientData, match="same weekday and hour"):
        sports.game_uplift(_hourly(_slot_levels(4)), windows, tz="UTC")


def test_lagged_correlation_lag_is_negative_when_a_follows_b() -> None:
    rng = np.random.default_rng(4)
    b = rng.normal(0, 1, 300)
    a = np.roll(b, 2) + rng.normal(0, 0.2, 300)  # a follows b by 2 hours
    result = correlation.lagged_correlation(_hourly(a), _hourly(b), max_lag=6)
    assert result.best_lag == -2
    assert result.by_lag.filter(pl.col("lag") == -2)["n"][0] == 298


def test_empty_inputs_raise_insufficient_data_naming_what_is_missing() -> None:
    empty = _hourly(np.array([]))
    with pytest.raises(InsufficientData, match="no numeric values"):
        correlation.lagged_correlation(empty, _hourly(np.ones(5)))
    with pytest.raises(InsufficientData, match="no values"):
        sports.game_uplift(empty, sports.game_windows(_team_states([]), end=T0), tz="UTC")
    no_days = pl.DataFrame(schema={"day": pl.Date, "kwh": pl.Float64})
    with pytest.raises(InsufficientData, match="no whole days"):
        weather.hdd_regression(no_days, no_days.rename({"kwh": "value"}))


def test_weather_and_sports_functions_do_not_mutate_inputs() -> None:
    rng = np.random.default_rng(6)
    a, b = _hourly(rng.normal(0, 1, 24 * 21)), _hourly(rng.normal(0, 1, 24 * 21))
    team = _team_states([T0 + timedelta(days=5, hours=15)])
    copies = [f.clone() for f in (a, b, team)]
    correlation.lagged_correlation(a, b, max_lag=3)
    windows = sports.game_windows(team, end=T0 + timedelta(days=8))
    sports.game_uplift(a.with_columns(pl.col("value") + 10), windows, tz="UTC")
    assert all(f.equals(c) for f, c in zip((a, b, team), copies, strict=True))
