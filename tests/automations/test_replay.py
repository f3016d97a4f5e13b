"""Replay on held-out days: firings, matches within 10 minutes, recall, chance precision."""

from __future__ import annotations

from datetime import date

from automations.candidate import Candidate
from automations.replay import replay
from tests.analytics.habits import History, days_of


def _history() -> History:
    history = History(time_zone="Europe/Amsterdam", first=date(2026, 10, 19), days=14)
    for i, day in enumerate(history.dates()):
        history.at(day, 6 * 60, "light.hall", "off")
        if day.weekday() < 5:
            # 07:10 +- a few minutes; one Friday at 07:30, outside the 10 minutes
            minute = 7 * 60 + 30 if i == 4 else 7 * 60 + 10 + (i % 5) - 2
            history.pulse(day, minute, "light.hall", 30)
        history.pulse(day, 20 * 60, "light.hall", 60)
    return history


def test_time_candidate_replays_precision_and_recall() -> None:
    history = _history()
    cand = Candidate(
        kind="time",
        entity_id="light.hall",
        to_state="on",
        local_minute=430,
        weekdays=(0, 1, 2, 3, 4),
    )
    result = replay(cand, history.onsets(), days_of(history), time_zone=history.time_zone)
    assert result.fired == 10
    assert result.matched == 9
    assert result.actions == 10 + 14  # mornings and evenings
    assert result.covered == 9
    assert result.precision == 0.9
    assert result.chance_precision < 0.05
    assert result.p_value < 1e-9


def test_replay_fires_at_local_time_across_the_dst_change() -> None:
    history = _history()  # 2026-10-25 is inside: a UTC 07:10 firing would miss after it
    cand = Candidate(kind="time", entity_id="light.hall", to_state="on", local_minute=1200)
    result = replay(cand, history.onsets(), days_of(history), time_zone=history.time_zone)
    assert result.matched == result.fired == 14


def test_firing_when_the_person_never_acts_has_zero_precision() -> None:
    history = _history()
    cand = Candidate(kind="time", entity_id="light.hall", to_state="on", local_minute=14 * 60)
    result = replay(cand, history.onsets(), days_of(history), time_zone=history.time_zone)
    assert (result.fired, result.matched, result.precision) == (14, 0, 0.0)


def test_follows_candidate_skips_firings_while_the_target_is_on() -> None:
    history = History(time_zone="UTC", first=date(2026, 10, 19), days=3)
    history.at(history.first, 0, "binary_sensor.m", "off", device_class="motion")
    history.at(history.first, 0, "light.hall", "off")
    for day in history.dates():
        history.pulse(day, 600, "binary_sensor.m", 1, device_class="motion")
        history.pulse(day, 600.2, "light.hall", 5)
        history.pulse(day, 602, "binary_sensor.m", 1, device_class="motion")  # light is on
        history.pulse(day, 900, "binary_sensor.m", 1, device_class="motion")  # nobody answers
    cand = Candidate(
        kind="trigger",
        entity_id="light.hall",
        to_state="on",
        trigger_entity_id="binary_sensor.m",
        trigger_to_state="on",
        window_s=120,
    )
    result = replay(cand, history.onsets(), days_of(history), time_zone="UTC")
    assert result.noop == 3
    assert result.fired == 6
    assert result.matched == 3
    assert result.recall == 1.0
