"""Existing HA automations cover candidates (new and legacy syntax); identity across runs."""

from __future__ import annotations

from automations.candidate import Candidate
from automations.coverage import covered_by, parse_automations
from automations.identity import identity_key, same_parameters

TIME = Candidate(kind="time", entity_id="light.garage", to_state="on", local_minute=420)


def test_todays_syntax_with_nested_choose_covers_the_target() -> None:
    config = {
        "id": "1",
        "alias": "Garage",
        "triggers": [{"trigger": "time", "at": "07:00:00"}],
        "actions": [
            {
                "choose": [
                    {
                        "sequence": [
                            {"action": "light.turn_on", "target": {"entity_id": ["light.garage"]}}
                        ]
                    }
                ]
            }
        ],
    }
    found = covered_by(TIME, parse_automations([config]))
    assert found is not None and found.alias == "Garage"


def test_legacy_syntax_covers_the_target() -> None:
    config = {
        "alias": "old",
        "trigger": [{"platform": "time", "at": "07:00"}],
        "action": [{"service": "light.turn_on", "entity_id": "light.garage"}],
    }
    assert covered_by(TIME, parse_automations([config])) is not None


def test_other_trigger_kind_or_target_does_not_cover() -> None:
    sun = {
        "triggers": [{"trigger": "sun", "event": "sunset"}],
        "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.garage"}}],
    }
    other = {
        "triggers": [{"trigger": "time", "at": "07:00"}],
        "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.porch"}}],
    }
    assert covered_by(TIME, parse_automations([sun, other])) is None


def test_identity_tolerates_small_moves_only() -> None:
    key = identity_key("time", "light.a", "on", {"local_time": "07:10"})
    assert key == identity_key("time", "light.a", "on", {"local_time": "08:00"})
    old = {"local_time": "23:50", "weekdays": [0, 1, 2, 3, 4]}
    assert same_parameters("time", old, {"local_time": "00:10", "weekdays": [4, 3, 2, 1, 0]})
    assert not same_parameters("time", old, {"local_time": "00:30", "weekdays": [0, 1, 2, 3, 4]})
    assert not same_parameters(
        "time", old, {"local_time": "23:50", "weekdays": [0, 1, 2, 3, 4, 5, 6]}
    )
    assert same_parameters(
        "sun", {"offset_minutes": -5, "weekdays": [0]}, {"offset_minutes": 10, "weekdays": [0]}
    )
    assert not same_parameters(
        "sun", {"offset_minutes": -15, "weekdays": [0]}, {"offset_minutes": 10, "weekdays": [0]}
    )


def test_turning_on_does_not_cover_turning_off_but_toggle_covers_both() -> None:
    on = {
        "triggers": [{"trigger": "time", "at": "07:00"}],
        "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.garage"}}],
    }
    toggle = {
        "triggers": [{"trigger": "time", "at": "07:00"}],
        "actions": [{"action": "light.toggle", "entity_id": "light.garage"}],
    }
    off = Candidate(kind="time", entity_id="light.garage", to_state="off", local_minute=1380)
    assert covered_by(off, parse_automations([on])) is None
    assert covered_by(off, parse_automations([toggle])) is not None
