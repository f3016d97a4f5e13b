"""Routine and follow detection on planted state histories with known answers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pytest

from analytics import patterns
from analytics.errors import InsufficientData

AMS = ZoneInfo("Europe/Amsterdam")
FIRST_DAY = date(2026, 10, 5)  # a Monday; the clocks go back on Sunday 2026-10-25
DAYS = 42


def _history(switches: list[tuple[datetime, str]]) -> pl.DataFrame:
    ordered = sorted(switches)
    return pl.DataFrame(
        {"time": [t.astimezone(UTC) for t, _ in ordered], "state": [s for _, s in ordered]}
    ).with_columns(pl.col("time").cast(pl.Datetime("us", "UTC")))


def _on_for(start: datetime, minutes: float) -> list[tuple[datetime, str]]:
    return [(start, "on"), (start + timedelta(minutes=minutes), "off")]


def _local(day: date, minute: float) -> datetime:
    midnight = datetime(day.year, day.month, day.day, tzinfo=AMS)
    return (midnight + timedelta(minutes=minute)).astimezone(UTC)


def _bedroom_light(*, keep_every: int = 1, seed: int = 7) -> pl.DataFrame:
    """06:45 local ± 3 min on weekdays (only every Nth day when keep_every > 1), noise else."""
    draw = np.random.default_rng(seed)
    switches: list[tuple[datetime, str]] = [(_local(FIRST_DAY, 0.0), "off")]
    for i in range(DAYS):
        day = FIRST_DAY + timedelta(days=i)
        if day.weekday() < 5 and i % keep_every == 0:
            switches += _on_for(_local(day, 405 + draw.uniform(-3, 3)), 20)
        else:
            switches += _on_for(_local(day, draw.uniform(480, 720)), 20)
        switches += _on_for(_local(day, draw.uniform(1020, 1380)), 30)
    return _history(switches)


def test_repeated_on_reports_are_one_onset_and_the_first_row_is_none() -> None:
    t0 = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
    states = ["on", "off", "on", "on", "on", "off", "on"]
    history = _history([(t0 + timedelta(minutes=i), s) for i, s in enumerate(states)])
    onsets = patterns.state_onsets(history, state="on")
    assert onsets["time"].to_list() == [t0 + timedelta(minutes=2), t0 + timedelta(minutes=6)]


def test_weekday_routine_at_0645_local_is_found_across_the_dst_change() -> None:
    history = _bedroom_light()
    routines = patterns.time_of_day_routines(history, tz="Europe/Amsterdam", tolerance_minutes=10)
    first = routines[0]
    assert first.weekdays == (0, 1, 2, 3, 4)
    assert first.weekday_names == "Mon, Tue, Wed, Thu, Fri"
    assert first.clock == "06:45"
    assert abs(first.minute - 405) < 2
    # In UTC the habit jumps an hour at the DST change; in local time it stays tight.
    assert first.spread_minutes < 3
    assert first.share == 1.0
    assert first.occurrences == first.days_observed == 30


def test_routine_read_in_utc_is_broken_by_the_dst_change() -> None:
    history = _bedroom_light()
    routines = patterns.time_of_day_routines(history, tz="UTC", tolerance_minutes=10, min_share=0.3)
    # 04:45 UTC for three weeks, then 05:45 UTC: each clock time holds only half the days.
    assert {r.clock for r in routines[:2]} == {"04:45", "05:45"}
    assert all(r.share == pytest.approx(0.5) for r in routines[:2])


def test_routine_kept_on_some_days_reports_its_share() -> None:
    history = _bedroom_light(keep_every=2)  # every other calendar day: about half the weekdays
    routines = patterns.time_of_day_routines(
        history, tz="Europe/Amsterdam", tolerance_minutes=10, min_share=0.3
    )
    weekday_routine = next(r for r in routines if r.clock == "06:45")
    assert weekday_routine.share == pytest.approx(0.5, abs=0.15)


def test_random_switching_has_no_routine() -> None:
    draw = np.random.default_rng(3)
    switches: list[tuple[datetime, str]] = [(_local(FIRST_DAY, 0.0), "off")]
    for i in range(DAYS):
        day = FIRST_DAY + timedelta(days=i)
        switches += _on_for(_local(day, draw.uniform(0, 1380)), 30)
    history = _history(switches)
    assert patterns.time_of_day_routines(history, tz="Europe/Amsterdam") == []


def test_routine_without_any_switch_on_is_insufficient_data() -> None:
    history = _history([(_local(FIRST_DAY, 60.0), "off"), (_local(FIRST_DAY, 90.0), "off")])
    with pytest.raises(InsufficientData, match="no switch into state 'on'"):
        patterns.time_of_day_routines(history, tz="Europe/Amsterdam")


def _motion_and_light(*, answer_every: int, seed: int = 11) -> tuple[pl.DataFrame, pl.DataFrame]:
    """500 motion bursts 10–70 min apart; the light answers after 2–25 s except every Nth."""
    draw = np.random.default_rng(seed)
    t0 = datetime(2026, 3, 2, tzinfo=UTC)
    starts = [t0 + timedelta(seconds=float(s)) for s in np.cumsum(draw.uniform(600, 4200, 500))]
    motion: list[tuple[datetime, str]] = [(t0, "off")]
    light: list[tuple[datetime, str]] = [(t0, "off")]
    for i, start in enumerate(starts):
        motion += [(start, "on"), (start + timedelta(seconds=60), "off")]
        if i % answer_every != answer_every - 1:
            light += _on_for(start + timedelta(seconds=float(draw.uniform(2, 25))), 2)
    return _history(motion), _history(light)


def test_light_following_motion_within_30_s_is_found_with_its_rate() -> None:
    motion, light = _motion_and_light(answer_every=20)
    result = patterns.follows(motion, light, within_s=30)
    assert result.triggers == 500
    assert result.followed == 475
    assert result.rate == pytest.approx(0.95)
    assert result.median_delay_s is not None and 10 < result.median_delay_s < 17
    assert result.p90_delay_s is not None and result.p90_delay_s <= 25
    assert result.lift > 50


def test_unrelated_switching_follows_at_about_chance() -> None:
    motion, _ = _motion_and_light(answer_every=20, seed=1)
    _, light = _motion_and_light(answer_every=20, seed=2)
    result = patterns.follows(motion, light, within_s=30)
    assert result.rate < 0.05
    assert result.lift < 5


def test_triggers_while_the_follower_is_on_already_are_left_out() -> None:
    t0 = datetime(2026, 3, 2, tzinfo=UTC)
    motion = _history(
        [(t0, "off")]
        + [(t0 + timedelta(minutes=m), s) for m, s in [(10, "on"), (11, "off"), (12, "on")]]
        + [(t0 + timedelta(minutes=13), "off")]
    )
    light = _history([(t0, "off"), *_on_for(t0 + timedelta(minutes=10, seconds=5), 5)])
    result = patterns.follows(motion, light, within_s=30)
    assert (result.triggers, result.already_in_state, result.followed) == (1, 1, 1)
    assert result.rate == 1.0
    assert result.median_delay_s == pytest.approx(5.0)


def test_follow_without_trigger_onsets_is_insufficient_data() -> None:
    t0 = datetime(2026, 3, 2, tzinfo=UTC)
    quiet = _history([(t0, "off"), (t0 + timedelta(hours=1), "off")])
    with pytest.raises(InsufficientData, match="trigger never switches"):
        patterns.follows(quiet, quiet)
