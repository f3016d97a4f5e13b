"""Scoring suggestions against the ground truth: each rule of a match can fail on its own."""

from __future__ import annotations

from typing import Any

from homeiq.sim.scoring import finds, score_suggestions

BEDROOM = {
    "id": "bed", "kind": "time", "entity_id": "light.bedroom", "to_state": "on",
    "local_time": "06:45", "weekdays": [0, 1, 2, 3, 4], "tolerance_minutes": 6.0,
}  # fmt: skip
PORCH = {
    "id": "porch", "kind": "sun", "entity_id": "light.porch", "to_state": "on",
    "event": "sunset", "offset_minutes": -15.0, "weekdays": [0, 1, 2, 3, 4, 5, 6],
    "tolerance_minutes": 9.0, "local_time": "17:30", "local_time_range_minutes": 90.0,
    "clock_equivalent": False,
}  # fmt: skip
HALL = {
    "id": "hall", "kind": "trigger", "entity_id": "light.hallway", "to_state": "on",
    "trigger_entity_id": "binary_sensor.hallway_motion", "trigger_to_state": "on",
}  # fmt: skip
TRUTH: dict[str, Any] = {"routines": [BEDROOM, PORCH, HALL]}


def _time(local_time: str, weekdays: list[int]) -> dict[str, Any]:
    return {"kind": "time", "entity_id": "light.bedroom", "to_state": "on",
            "local_time": local_time, "weekdays": weekdays}  # fmt: skip


def test_time_suggestion_within_tolerance_on_the_same_weekdays_finds_the_routine() -> None:
    assert finds(_time("06:50", [0, 1, 2, 3, 4]), BEDROOM)
    assert not finds(_time("06:55", [0, 1, 2, 3, 4]), BEDROOM)
    assert not finds(_time("06:45", [0, 1, 2, 3, 4, 5, 6]), BEDROOM)


def test_time_tolerance_wraps_around_midnight() -> None:
    late = {**BEDROOM, "local_time": "23:58"}
    assert finds(_time("00:02", [0, 1, 2, 3, 4]), late)


def test_sun_suggestion_needs_the_event_and_offset() -> None:
    sun = {"kind": "sun", "entity_id": "light.porch", "to_state": "on", "event": "sunset",
           "offset_minutes": -10, "weekdays": [0, 1, 2, 3, 4, 5, 6]}  # fmt: skip
    assert finds(sun, PORCH)
    assert not finds({**sun, "event": "sunrise"}, PORCH)
    assert not finds({**sun, "offset_minutes": 5}, PORCH)


def test_clock_suggestion_finds_a_sun_routine_only_when_the_sun_hardly_moved() -> None:
    clock = {"kind": "time", "entity_id": "light.porch", "to_state": "on",
             "local_time": "17:35", "weekdays": [0, 1, 2, 3, 4, 5, 6]}  # fmt: skip
    assert not finds(clock, PORCH)
    assert finds(clock, {**PORCH, "clock_equivalent": True, "local_time_range_minutes": 8.0})


def test_trigger_suggestion_needs_the_trigger_entity_and_state() -> None:
    pair = {
        "kind": "trigger", "entity_id": "light.hallway", "to_state": "on",
        "trigger_entity_id": "binary_sensor.hallway_motion", "trigger_to_state": "on",
    }  # fmt: skip
    assert finds(pair, HALL)
    assert not finds({**pair, "trigger_entity_id": "binary_sensor.front_door"}, HALL)


def test_score_counts_recall_and_precision() -> None:
    noise = {"kind": "time", "entity_id": "switch.flaky_plug", "to_state": "on",
             "local_time": "03:00", "weekdays": [0]}  # fmt: skip
    score = score_suggestions(TRUTH, [_time("06:44", [0, 1, 2, 3, 4]), noise])
    assert score.matched == ("bed",)
    assert score.missed == ("porch", "hall")
    assert score.false == (noise,)
    assert (round(score.recall, 3), score.precision) == (0.333, 0.5)


def test_unfindable_routine_counts_neither_as_missed_nor_its_suggestion_as_false() -> None:
    rare = {**BEDROOM, "id": "rare", "entity_id": "vacuum.robot", "to_state": "cleaning",
            "weekdays": [5], "findable": False}  # fmt: skip
    found = {**_time("06:45", [5]), "entity_id": "vacuum.robot", "to_state": "cleaning"}
    score = score_suggestions({"routines": [rare]}, [found])
    assert (score.matched, score.missed, score.false) == ((), (), ())
