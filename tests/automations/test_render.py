"""HA automation configs in 2025.4 syntax, plain-words aliases, and what is never suggested."""

from __future__ import annotations

import pytest

from automations.candidate import Candidate, weekday_words
from automations.render import ACTIONS, alias, automation_config, can_render

NAMES = {"light.hallway": "Hallway", "binary_sensor.hall_motion": "Hall motion"}


def test_time_suggestion_on_weekdays() -> None:
    cand = Candidate(
        kind="time",
        entity_id="light.hallway",
        to_state="on",
        local_minute=430,
        weekdays=(0, 1, 2, 3, 4),
    )
    config = automation_config(cand, NAMES, "why")
    assert config == {
        "alias": "Turn on Hallway at 07:10 on weekdays",
        "description": "why",
        "triggers": [{"trigger": "time", "at": "07:10:00"}],
        "conditions": [{"condition": "time", "weekday": ["mon", "tue", "wed", "thu", "fri"]}],
        "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.hallway"}}],
        "mode": "single",
    }


def test_every_day_has_no_weekday_condition() -> None:
    cand = Candidate(kind="time", entity_id="light.hallway", to_state="off", local_minute=5)
    config = automation_config(cand, NAMES, "")
    assert config["conditions"] == []
    assert config["triggers"] == [{"trigger": "time", "at": "00:05:00"}]
    assert config["alias"] == "Turn off Hallway at 00:05 every day"


def test_sun_suggestion_with_negative_offset() -> None:
    cand = Candidate(
        kind="sun", entity_id="light.porch", to_state="on", event="sunset", offset_minutes=-20
    )
    config = automation_config(cand, {}, "")
    assert config["triggers"] == [{"trigger": "sun", "event": "sunset", "offset": "-00:20:00"}]
    assert config["alias"] == "Turn on Porch 20 min before sunset every day"


def test_trigger_suggestion_uses_a_state_trigger() -> None:
    cand = Candidate(
        kind="trigger",
        entity_id="light.hallway",
        to_state="on",
        trigger_entity_id="binary_sensor.hall_motion",
        trigger_to_state="on",
        window_s=120,
    )
    config = automation_config(cand, NAMES, "")
    assert config["triggers"] == [
        {"trigger": "state", "entity_id": "binary_sensor.hall_motion", "to": "on"}
    ]
    assert config["alias"] == "Turn on Hallway when Hall motion turns on"


def test_button_trigger_fires_on_any_press() -> None:
    cand = Candidate(
        kind="trigger",
        entity_id="light.hallway",
        to_state="on",
        trigger_entity_id="button.door",
        trigger_to_state="pressed",
    )
    (trigger,) = automation_config(cand, NAMES, "")["triggers"]
    assert "to" not in trigger and trigger["not_from"] == ["unavailable", "unknown"]


def test_climate_mode_is_set_with_data() -> None:
    cand = Candidate(kind="time", entity_id="climate.living", to_state="heat", local_minute=390)
    (action,) = automation_config(cand, {}, "")["actions"]
    assert action == {
        "action": "climate.set_hvac_mode",
        "target": {"entity_id": "climate.living"},
        "data": {"hvac_mode": "heat"},
    }


@pytest.mark.parametrize(
    ("entity_id", "state", "kind"),
    [
        ("lock.front", "unlocked", "time"),
        ("cover.garage", "open", "time"),
        ("cover.garage", "open", "sun"),
        ("sensor.x", "on", "time"),
    ],
)
def test_unsafe_or_impossible_actions_are_not_suggested(
    entity_id: str, state: str, kind: str
) -> None:
    cand = Candidate(
        kind=kind,
        entity_id=entity_id,
        to_state=state,
        local_minute=0,
        event="sunset",
        offset_minutes=0,
    )  # type: ignore[arg-type]
    assert not can_render(cand)


def test_cover_may_open_after_a_trigger() -> None:
    cand = Candidate(
        kind="trigger",
        entity_id="cover.blind",
        to_state="open",
        trigger_entity_id="button.b",
        trigger_to_state="pressed",
    )
    assert can_render(cand)


def test_every_action_row_renders() -> None:
    for row in ACTIONS:
        cand = Candidate(
            kind="time", entity_id=f"{row.domain}.x", to_state=row.state, local_minute=60
        )
        config = automation_config(cand, {}, "")
        assert config["actions"][0]["action"] == row.action
        assert alias(cand, {}).startswith(row.verb)


@pytest.mark.parametrize(
    ("days", "words"),
    [
        ((0, 1, 2, 3, 4, 5, 6), "every day"),
        ((5, 6), "on weekends"),
        ((0,), "on Mondays"),
        ((0, 4), "on Mondays and Fridays"),
    ],
)
def test_weekday_words(days: tuple[int, ...], words: str) -> None:
    assert weekday_words(days) == words
