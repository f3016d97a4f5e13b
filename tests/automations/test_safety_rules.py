"""Every safety rule has a config it passes and one it flags; the test iterates the rows."""

from __future__ import annotations

from typing import Any

import pytest

from automations.safety import RULES, EntityFact, HomeFacts, validate

ENTITIES = {
    e.entity_id: e
    for e in (
        EntityFact(entity_id="light.hall", area_id="hall"),
        EntityFact(entity_id="light.kitchen", area_id="kitchen"),
        EntityFact(entity_id="light.bed", area_id="bedroom"),
        EntityFact(entity_id="light.office", area_id="office"),
        EntityFact(entity_id="light.old", area_id="hall", disabled=True),
        EntityFact(entity_id="binary_sensor.hall_motion", area_id="hall"),
        EntityFact(entity_id="sensor.power", device_class="power", unit="W"),
        EntityFact(entity_id="lock.front"),
        EntityFact(entity_id="cover.garage", device_class="garage"),
        EntityFact(entity_id="climate.living"),
    )
}
ACTIONS = frozenset(
    {
        "light.turn_on",
        "light.turn_off",
        "lock.lock",
        "lock.unlock",
        "cover.open_cover",
        "cover.close_cover",
        "climate.set_temperature",
        "homeassistant.restart",
        "homeassistant.reload_all",
        "alarm_control_panel.alarm_disarm",
    }
)
FACTS = HomeFacts(entities=ENTITIES, actions=ACTIONS)


def _auto(trigger: Any, *actions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"alias": "t", "triggers": [trigger], "actions": list(actions), **extra}


MOTION = {"trigger": "state", "entity_id": "binary_sensor.hall_motion", "to": "on"}
AT_7 = {"trigger": "time", "at": "07:00:00"}
HALL_ON = {"action": "light.turn_on", "target": {"entity_id": "light.hall"}}
HALL_OFF = {"action": "light.turn_off", "target": {"entity_id": "light.hall"}}
OTHER_OFF_AT_7_15 = {
    "id": "other",
    "alias": "Hall off",
    "triggers": [{"trigger": "time", "at": "07:15"}],
    "actions": [HALL_OFF],
}
OK = _auto(MOTION, HALL_ON)

# rule id -> (facts, a config the rule passes, a config the rule flags)
EXAMPLES: dict[str, tuple[HomeFacts, dict[str, Any], dict[str, Any]]] = {
    "entity_unknown": (
        FACTS,
        OK,
        _auto(MOTION, {"action": "light.turn_on", "entity_id": "light.nope"}),
    ),
    "entity_disabled": (
        FACTS,
        OK,
        _auto(MOTION, {"action": "light.turn_on", "target": {"entity_id": "light.old"}}),
    ),
    "action_unknown": (
        FACTS,
        OK,
        _auto(MOTION, {"action": "light.blink", "target": {"entity_id": "light.hall"}}),
    ),
    "system_action": (
        FACTS,
        OK,
        _auto(MOTION, {"if": [], "then": [{"service": "homeassistant.reload_all"}]}),
    ),
    "unlock_or_disarm": (
        FACTS,
        _auto(MOTION, {"action": "lock.lock", "target": {"entity_id": "lock.front"}}),
        _auto(MOTION, {"action": "lock.unlock", "target": {"entity_id": "lock.front"}}),
    ),
    "open_by_time": (
        FACTS,
        _auto(
            AT_7,
            {"action": "cover.open_cover", "target": {"entity_id": "cover.garage"}},
            conditions=[
                {"condition": "state", "entity_id": "binary_sensor.hall_motion", "state": "on"}
            ],
        ),
        _auto(AT_7, {"action": "cover.open_cover", "target": {"entity_id": "cover.garage"}}),
    ),
    "sensitive_device": (
        FACTS,
        OK,
        _auto(MOTION, {"action": "lock.lock", "target": {"entity_id": "lock.front"}}),
    ),
    "climate_setpoint": (
        FACTS,
        _auto(
            MOTION,
            {
                "action": "climate.set_temperature",
                "target": {"entity_id": "climate.living"},
                "data": {"temperature": 21},
            },
        ),
        _auto(
            MOTION,
            {
                "action": "climate.set_temperature",
                "target": {"entity_id": "climate.living"},
                "data": {"temperature": 32},
            },
        ),
    ),
    "mass_turn_off": (
        FACTS,
        _auto(
            MOTION,
            {
                "action": "light.turn_off",
                "target": {"entity_id": ["light.hall", "light.kitchen", "light.bed"]},
            },
        ),
        _auto(
            MOTION,
            {
                "action": "light.turn_off",
                "target": {
                    "entity_id": ["light.hall", "light.kitchen", "light.bed", "light.office"]
                },
            },
        ),
    ),
    "frequent_time_pattern": (
        FACTS,
        _auto({"trigger": "time_pattern", "minutes": "/5"}, HALL_ON),
        _auto({"trigger": "time_pattern", "minutes": "/2"}, HALL_ON),
    ),
    "trigger_without_for": (
        FACTS,
        _auto(
            {
                "trigger": "numeric_state",
                "entity_id": "sensor.power",
                "above": 500,
                "for": {"minutes": 2},
            },
            HALL_ON,
        ),
        _auto({"trigger": "state", "entity_id": "sensor.power"}, HALL_ON),
    ),
    "conflict": (
        HomeFacts(entities=ENTITIES, actions=ACTIONS, existing=(OTHER_OFF_AT_7_15,)),
        _auto({"trigger": "time", "at": "08:00"}, HALL_ON),
        _auto(AT_7, HALL_ON),
    ),
    "night_without_condition": (
        HomeFacts(entities=ENTITIES, actions=ACTIONS, has_presence=False),
        _auto(
            {"trigger": "time", "at": "23:30"},
            HALL_OFF,
            conditions=[
                {"condition": "state", "entity_id": "binary_sensor.hall_motion", "state": "off"}
            ],
        ),
        _auto({"trigger": "time", "at": "23:30"}, HALL_OFF),
    ),
    "not_checked": (FACTS, OK, OK),
    "legacy_keys": (
        FACTS,
        OK,
        {
            "trigger": [{"platform": "state", "entity_id": "binary_sensor.hall_motion"}],
            "action": [{"service": "light.turn_on", "entity_id": "light.hall"}],
        },
    ),
}
FACTS_FOR_FAILING = {"not_checked": HomeFacts()}


def _ids(config: dict[str, Any], facts: HomeFacts) -> set[str]:
    return {f.rule for f in validate(config, facts).findings}


def test_every_rule_has_examples() -> None:
    assert {rule.id for rule in RULES} == set(EXAMPLES)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_passes_its_good_example(rule: Any) -> None:
    facts, good, _ = EXAMPLES[rule.id]
    assert rule.id not in _ids(good, facts)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_flags_its_bad_example(rule: Any) -> None:
    facts, _, bad = EXAMPLES[rule.id]
    facts = FACTS_FOR_FAILING.get(rule.id, facts)
    findings = [f for f in validate(bad, facts).findings if f.rule == rule.id]
    assert findings, f"{rule.id} did not flag its example"
    assert all(f.severity is rule.severity and f.reason == rule.reason for f in findings)
    assert all(f.detail for f in findings)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_reason_is_one_line(rule: Any) -> None:
    assert rule.reason and "\n" not in rule.reason and len(rule.reason) <= 100


def test_readme_lists_every_rule_with_its_reason() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert f"| `{rule.id}` | {rule.severity.value} | {rule.reason} |" in readme, rule.id
