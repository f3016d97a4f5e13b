"""Follows: a light answering a motion sensor is found with its lift; a random pair is not."""

from __future__ import annotations

from datetime import date

import numpy as np

from analytics.follow_pairs import MIN_LIFT, follow_pairs
from tests.analytics.habits import History


def _motion_and_light(history: History, *, answer: float, parent: bool = False) -> None:
    draw = np.random.default_rng(5)
    for day in history.dates():
        for minute in np.sort(draw.uniform(7 * 60, 22 * 60, 12)):
            history.pulse(
                day, float(minute), "binary_sensor.hall_motion", 1.0, device_class="motion"
            )
            if draw.random() < answer:
                delay = float(draw.uniform(3, 25)) / 60
                context = {"parent": "01JMOTION"} if parent else {}
                history.pulse(day, float(minute) + delay, "light.hall", 3.0, **context)


def test_light_following_motion_is_found_with_rate_delay_and_lift() -> None:
    history = History(time_zone="Europe/Amsterdam", first=date(2026, 10, 12), days=21)
    _motion_and_light(history, answer=0.9)
    (pair,) = [p for p in follow_pairs(history.onsets(), n_days=21) if p.state == "on"]
    assert (pair.trigger_entity_id, pair.trigger_state) == ("binary_sensor.hall_motion", "on")
    assert pair.entity_id == "light.hall"
    assert 0.8 < pair.rate <= 1.0
    assert pair.lift > 10 * MIN_LIFT
    assert 3 <= pair.median_delay_s <= 25
    assert pair.chance_rate < 0.05


def test_independent_entities_are_not_a_pair() -> None:
    history = History(time_zone="Europe/Amsterdam", first=date(2026, 10, 12), days=21)
    draw = np.random.default_rng(9)
    for day in history.dates():
        for minute in draw.uniform(7 * 60, 22 * 60, 40):
            history.pulse(
                day, float(minute), "binary_sensor.study_motion", 1.0, device_class="motion"
            )
        for minute in draw.uniform(7 * 60, 22 * 60, 10):
            history.pulse(day, float(minute), "light.study", 5.0)
    assert follow_pairs(history.onsets(), n_days=21) == []


def test_light_switched_by_an_automation_after_motion_is_not_a_pair() -> None:
    history = History(time_zone="Europe/Amsterdam", first=date(2026, 10, 12), days=21)
    _motion_and_light(history, answer=0.95, parent=True)
    assert follow_pairs(history.onsets(), n_days=21) == []


def test_light_that_only_turns_off_after_being_on_briefly_is_not_a_pair() -> None:
    # B is on for 3 minutes at random; "off soon after A" is then likely whenever B is on.
    history = History(time_zone="UTC", first=date(2026, 10, 12), days=21)
    draw = np.random.default_rng(2)
    for day in history.dates():
        for minute in draw.uniform(7 * 60, 22 * 60, 30):
            history.pulse(day, float(minute), "binary_sensor.m", 1.5, device_class="motion")
        for minute in draw.uniform(7 * 60, 22 * 60, 20):
            history.pulse(day, float(minute), "light.r", 3.0)
    assert [p for p in follow_pairs(history.onsets(), n_days=21) if p.entity_id == "light.r"] == []
