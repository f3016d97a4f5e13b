"""The replay gates of the pipeline on synthetic onsets: loose habits, sun/clock ties."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from analytics.place import HomePlace, sun_table
from homeiq.analysis.pipeline import analyse
from homeiq.analysis.window import analysis_window
from tests.analytics.habits import History

AMSTERDAM = HomePlace(time_zone="Europe/Amsterdam", latitude=52.37, longitude=4.90)
LOS_ANGELES = HomePlace(time_zone="America/Los_Angeles", latitude=34.05, longitude=-118.24)


def _home(now: datetime, days: int, place: HomePlace = AMSTERDAM) -> History:
    window = analysis_window(now, days, place.time_zone)
    history = History(time_zone=place.time_zone, first=window.dates[0], days=len(window.dates))
    for day in history.dates():  # an everyday light keeps every day "active"
        history.pulse(day, 12 * 60 + day.day % 40, "light.kitchen", 30)
    return history


def test_loose_habit_is_a_pattern_but_no_suggestion() -> None:
    now = datetime(2026, 3, 20, 12, tzinfo=UTC)
    history = _home(now, 28)
    draw = np.random.default_rng(4)
    for day in history.dates():
        history.pulse(day, 20 * 60 + float(draw.normal(0, 22)), "light.den", 60)
    findings, _ = analyse(
        history.onsets(), analysis_window(now, 28, AMSTERDAM.time_zone), AMSTERDAM
    )
    den = [
        f for f in findings if f.candidate.entity_id == "light.den" and f.candidate.to_state == "on"
    ]
    assert den and not any(f.suggested for f in den)
    assert "too loose" in den[0].reason


def test_dst_change_in_the_held_out_days_settles_a_sun_clock_tie_for_the_sun() -> None:
    # Fit on 2026-10-18..31 in Los Angeles: sunset moves only ~13 min, so sun and clock tie;
    # the held-out days cross the change of 2026-11-01, where a clock firing misses by an hour.
    now = datetime(2026, 11, 15, 20, tzinfo=UTC)
    history = _home(now, 28, LOS_ANGELES)
    sunsets = sun_table(LOS_ANGELES, history.dates())["sunset"].to_list()
    draw = np.random.default_rng(8)
    for day, sunset in zip(history.dates(), sunsets, strict=True):
        history.pulse(day, sunset - 15 + float(draw.normal(0, 2)), "light.porch", 200)
    window = analysis_window(now, 28, LOS_ANGELES.time_zone)
    findings, _ = analyse(history.onsets(), window, LOS_ANGELES)
    porch = [f for f in findings if f.candidate.entity_id == "light.porch"]
    assert any(f.candidate.fit.get("tied_with_clock") for f in porch)
    suggested = [f.candidate for f in porch if f.suggested and f.candidate.to_state == "on"]
    assert [(c.kind, c.event) for c in suggested] == [("sun", "sunset")]
