"""Clock and sun routines on synthetic histories: local time, DST, midnight, seasons, noise."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from analytics.daily_routines import daily_routines
from analytics.place import HomePlace, sun_table
from tests.analytics.habits import History, days_of, manual, noise

AMSTERDAM = HomePlace(time_zone="Europe/Amsterdam", latitude=52.37, longitude=4.90)


def _clock(
    history: History, entity: str, minute: float, weekdays: range | tuple[int, ...], sd: float = 3.0
) -> None:
    draw = np.random.default_rng(11)
    history.each_day(
        lambda d: history.pulse(d, minute + float(draw.normal(0, sd)), entity, 40.0),
        weekdays=weekdays,
    )


@pytest.mark.parametrize(
    "zone", ["Europe/Amsterdam", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "UTC"]
)
def test_weekday_routine_is_found_at_its_local_time_in_any_zone(zone: str) -> None:
    # 2026-09-20 .. 2026-11-08 crosses the EU and US autumn changes and Sydney's spring one.
    history = History(time_zone=zone, first=date(2026, 9, 20), days=50)
    _clock(history, "light.hallway", 7 * 60 + 10, range(5))
    (routine,) = daily_routines(manual(history.onsets()).filter(state="on"), days_of(history))
    assert routine.kind == "time"
    assert routine.weekdays == (0, 1, 2, 3, 4)
    assert abs(routine.minute - 430) < 3
    assert routine.days_seen >= routine.days_observed - 1


def test_routine_keeps_its_local_time_across_the_dst_change() -> None:
    history = History(time_zone="Europe/Amsterdam", first=date(2026, 10, 11), days=28)
    _clock(history, "light.hallway", 6 * 60 + 45, range(7), sd=2.0)
    (routine,) = daily_routines(manual(history.onsets()).filter(state="on"), days_of(history))
    marks = [minute for day, minute in routine.marks]
    assert routine.days_seen == 27  # the very first change has no previous state: no onset
    assert max(abs(m - 405) for m in marks) < 10  # a UTC reading would be 60 min off after 25 Oct


def test_routine_around_midnight_is_one_routine() -> None:
    history = History(time_zone="Europe/Amsterdam", first=date(2026, 1, 5), days=28)
    for i, day in enumerate(history.dates()):
        history.at(day, 23 * 60 + 55 if i % 2 else 24 * 60 + 5, "light.porch", "off")
        history.at(day, 20 * 60 + i % 7, "light.porch", "on")
    found = daily_routines(manual(history.onsets()).filter(state="off"), days_of(history))
    assert len(found) == 1
    offset = (found[0].minute + 720) % 1440 - 720
    assert abs(offset) < 6
    assert found[0].weekdays == (0, 1, 2, 3, 4, 5, 6)


def test_single_weekday_routine_keeps_only_that_day() -> None:
    history = History(time_zone="Europe/Berlin", first=date(2026, 2, 2), days=28)
    _clock(history, "vacuum.robot", 10 * 60, (2,))
    for day in history.dates():  # a light used every day keeps the household "active"
        history.pulse(day, 19 * 60 + day.day % 50, "light.kitchen", 60)
    (routine,) = daily_routines(
        manual(history.onsets()).filter(entity_id="vacuum.robot", state="on"), days_of(history)
    )
    assert routine.weekdays == (2,)
    assert routine.days_seen == 3  # the very first change has no previous state: no onset


def test_sun_routine_across_seasons_is_called_sun() -> None:
    history = History(time_zone=AMSTERDAM.time_zone, first=date(2026, 9, 1), days=70)
    sunsets = sun_table(AMSTERDAM, history.dates())["sunset"].to_list()
    draw = np.random.default_rng(3)
    for day, sunset in zip(history.dates(), sunsets, strict=True):
        history.pulse(day, sunset + 10 + float(draw.normal(0, 4)), "light.porch", 120)
    (routine,) = daily_routines(
        manual(history.onsets()).filter(state="on"), days_of(history, AMSTERDAM)
    )
    assert routine.kind == "sun"
    assert routine.event == "sunset"
    assert routine.offset_minutes is not None and abs(routine.offset_minutes - 10) < 3
    assert routine.sun_p_value is not None and routine.sun_p_value < 0.01
    assert routine.spread_minutes < routine.clock_spread_minutes / 3


def test_fixed_clock_routine_in_the_same_season_stays_a_clock_routine() -> None:
    history = History(time_zone=AMSTERDAM.time_zone, first=date(2026, 9, 1), days=70)
    _clock(history, "light.living_room", 19 * 60, range(7))
    (routine,) = daily_routines(
        manual(history.onsets()).filter(state="on"), days_of(history, AMSTERDAM)
    )
    assert routine.kind == "time"


def test_without_location_no_sun_routine_is_looked_for() -> None:
    history = History(time_zone="Europe/Amsterdam", first=date(2026, 9, 1), days=40)
    sunsets = sun_table(AMSTERDAM, history.dates())["sunset"].to_list()
    for day, sunset in zip(history.dates(), sunsets, strict=True):
        history.pulse(day, sunset, "light.porch", 120)
    unset = HomePlace(time_zone="Europe/Amsterdam", latitude=0.0, longitude=0.0)
    found = daily_routines(manual(history.onsets()).filter(state="on"), days_of(history, unset))
    assert all(r.kind == "time" for r in found)


@pytest.mark.parametrize("per_day", [2, 12, 40])
def test_random_toggling_gives_no_significant_routine(per_day: int) -> None:
    history = History(time_zone="Europe/Amsterdam", first=date(2026, 3, 1), days=28)
    noise(history, "switch.noise", per_day=per_day)
    found = daily_routines(manual(history.onsets()), days_of(history))
    assert not [r for r in found if r.significant]


def test_entity_with_thousands_of_changes_a_day_gives_no_routine() -> None:
    history = History(time_zone="UTC", first=date(2026, 3, 1), days=14)
    for day in history.dates():
        for minute in np.arange(0, 1440, 0.1):  # 14,400 changes a day, on the same minutes daily
            history.at(day, float(minute), "switch.relay", "on" if int(minute * 10) % 2 else "off")
    assert daily_routines(manual(history.onsets()), days_of(history)) == []


def test_changes_made_by_an_automation_are_not_evidence() -> None:
    history = History(time_zone="Europe/Amsterdam", first=date(2026, 3, 1), days=28)
    history.each_day(lambda d: history.pulse(d, 7 * 60, "light.garage", 30, parent="01JAUTOMATION"))
    found = history.onsets()
    assert found.filter(state="on")["automated"].all()
    assert daily_routines(manual(found), days_of(history)) == []


def test_changes_made_in_the_ui_count_as_a_person() -> None:
    history = History(time_zone="Europe/Amsterdam", first=date(2026, 3, 1), days=28)
    history.each_day(lambda d: history.pulse(d, 7 * 60, "light.garage", 30, user="a1b2"))
    (routine,) = daily_routines(manual(history.onsets()).filter(state="on"), days_of(history))
    assert routine.minute == pytest.approx(420, abs=1)


def test_weekday_set_leaves_out_days_the_routine_was_never_kept() -> None:
    history = History(time_zone="Europe/Berlin", first=date(2026, 2, 2), days=28)
    _clock(history, "vacuum.robot", 10 * 60 + 30, (5,))
    for day in history.dates():
        history.pulse(day, 19 * 60 + day.day % 50, "light.kitchen", 60)
    found = daily_routines(
        manual(history.onsets()).filter(entity_id="vacuum.robot"), days_of(history)
    )
    assert [r.weekdays for r in found if r.state == "on"] == [(5,)]


def test_sun_routine_the_fitted_days_cannot_tell_from_the_clock_is_offered_beside_it() -> None:
    # 14 October days: sunset moves ~25 min in Amsterdam, but the fit window is short;
    # in Quito (equator) the sun hardly moves at all over two weeks.
    quito = HomePlace(time_zone="America/Guayaquil", latitude=-0.18, longitude=-78.47)
    history = History(time_zone=quito.time_zone, first=date(2026, 10, 1), days=14)
    sunsets = sun_table(quito, history.dates())["sunset"].to_list()
    for day, sunset in zip(history.dates(), sunsets, strict=True):
        history.pulse(day, sunset - 15, "light.porch", 200)
    found = daily_routines(manual(history.onsets()).filter(state="on"), days_of(history, quito))
    assert sorted((r.kind, r.tied_with_clock) for r in found) == [("sun", True), ("time", False)]


def test_changes_of_a_time_triggered_automation_are_known_by_its_run_context() -> None:
    # No parent id (a time trigger has no triggering context); the automation's own state
    # row carries the same context id as the light's change.
    history = History(time_zone="Europe/Amsterdam", first=date(2026, 3, 1), days=28)
    for i, day in enumerate(history.dates()):
        run = f"01JRUN{i:04d}"
        history.at(day, 7 * 60, "automation.garage_light", "on", context=run)
        history.pulse(day, 7 * 60 + 0.01, "light.garage", 30, context=run)
    found = history.onsets()
    assert found.filter(state="on")["automated"].all()
    assert daily_routines(manual(found), days_of(history)) == []
