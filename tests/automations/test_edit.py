"""The admin's edits change only what they name, in today's and the legacy spelling."""

from __future__ import annotations

import pytest

from automations.edit import EditError, Edits, apply_edits

TIME = {
    "alias": "Bedroom light",
    "triggers": [{"trigger": "time", "at": "06:45:00"}],
    "conditions": [{"condition": "time", "weekday": ["mon", "tue"]}],
    "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.bedroom"}}],
}
SUN = {
    "alias": "Porch",
    "trigger": [{"platform": "sun", "event": "sunset", "offset": "00:15:00"}],
    "action": [{"service": "light.turn_on", "entity_id": "light.porch"}],
}
FOLLOW = {
    "alias": "Hall follows motion",
    "triggers": [{"trigger": "state", "entity_id": "binary_sensor.hall", "to": "on"}],
    "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.hall"}}],
}


def test_time_and_weekdays_replace_the_old_ones() -> None:
    edited = apply_edits(TIME, Edits(time="07:10", weekdays=[0, 1, 2, 3, 4]))
    assert edited["triggers"][0]["at"] == "07:10:00"
    assert edited["conditions"] == [
        {"condition": "time", "weekday": ["mon", "tue", "wed", "thu", "fri"]}
    ]
    assert TIME["triggers"][0]["at"] == "06:45:00"  # the original is untouched


def test_weekdays_add_a_condition_when_none_exists() -> None:
    edited = apply_edits(FOLLOW, Edits(weekdays=[5, 6]))
    assert edited["conditions"] == [{"condition": "time", "weekday": ["sat", "sun"]}]


def test_sun_offset_and_target_in_legacy_spelling() -> None:
    edited = apply_edits(SUN, Edits(offset_minutes=-20, target="light.garden"))
    assert edited["trigger"][0]["offset"] == "-00:20:00"
    assert edited["action"][0]["entity_id"] == "light.garden"
    assert "triggers" not in edited and "actions" not in edited


def test_delay_goes_on_the_state_trigger() -> None:
    edited = apply_edits(FOLLOW, Edits(delay_s=90))
    assert edited["triggers"][0]["for"] == "00:01:30"


def test_delay_changes_an_existing_delay_step() -> None:
    config = {**FOLLOW, "actions": [{"delay": "00:00:05"}, *FOLLOW["actions"]]}
    edited = apply_edits(config, Edits(delay_s=30))
    assert edited["actions"][0] == {"delay": "00:00:30"}
    assert "for" not in edited["triggers"][0]


@pytest.mark.parametrize(
    "edits",
    [
        Edits(time="7h10"),
        Edits(time="24:00"),
        Edits(weekdays=[7]),
        Edits(weekdays=[]),
        Edits(offset_minutes=400),
        Edits(delay_s=-1),
        Edits(target="kitchen"),
    ],
)
def test_bad_values_are_refused_with_the_value(edits: Edits) -> None:
    with pytest.raises(EditError) as caught:
        apply_edits(TIME, edits)
    shown = next(str(v) for v in edits.to_dict().values())
    assert shown.strip("[]") in str(caught.value)
