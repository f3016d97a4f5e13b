"""The validator reads legacy keys, nested steps and unit conversions like today's syntax."""

from __future__ import annotations

from automations.safety import EntityFact, HomeFacts, validate
from automations.time_rules import shortest_pattern_gap_s

FACTS = HomeFacts(
    entities={
        e: EntityFact(entity_id=e) for e in ("lock.front", "binary_sensor.door", "climate.x")
    },
    actions=frozenset({"lock.unlock", "climate.set_temperature"}),
)
UNLOCK = {"service": "lock.unlock", "data": {"entity_id": "lock.front"}}


def _verdict(config: dict) -> str:  # type: ignore[type-arg]
    return validate(config, FACTS).verdict


def test_legacy_singular_keys_are_read() -> None:
    config = {
        "trigger": {"platform": "state", "entity_id": "binary_sensor.door"},
        "action": [UNLOCK],
    }
    assert _verdict(config) == "blocked"


def test_unlock_nested_in_choose_is_found() -> None:
    step = {"choose": [{"conditions": [], "sequence": [{"parallel": [UNLOCK]}]}]}
    assert _verdict({"triggers": [], "actions": [step]}) == "blocked"


def test_unlock_nested_in_repeat_and_else_is_found() -> None:
    step = {"repeat": {"count": 2, "sequence": [{"if": [], "then": [], "else": [UNLOCK]}]}}
    assert _verdict({"triggers": [], "actions": [step]}) == "blocked"


def test_fahrenheit_setpoint_is_converted() -> None:
    call = {
        "action": "climate.set_temperature",
        "target": {"entity_id": "climate.x"},
        "data": {"temperature": 70},
    }
    config = {"triggers": [], "actions": [call]}
    fahrenheit = HomeFacts(entities=FACTS.entities, actions=FACTS.actions, temperature_unit="°F")
    assert validate(config, fahrenheit).verdict == "ok"  # 70 °F is 21 °C
    assert validate(config, FACTS).verdict == "critical"  # 70 °C


def test_entity_in_nested_condition_must_exist() -> None:
    cond = {
        "condition": "or",
        "conditions": [{"condition": "state", "entity_id": "sensor.ghost", "state": "on"}],
    }
    findings = validate({"triggers": [], "conditions": [cond], "actions": []}, FACTS).findings
    assert [f.detail for f in findings if f.rule == "entity_unknown"] == ["sensor.ghost"]


def test_turning_off_all_is_critical() -> None:
    facts = HomeFacts(entities={}, actions=frozenset({"light.turn_off"}))
    config = {
        "triggers": [],
        "actions": [{"action": "light.turn_off", "target": {"entity_id": "all"}}],
    }
    assert validate(config, facts).verdict == "critical"


def test_time_pattern_gaps_follow_ha_defaults() -> None:
    assert shortest_pattern_gap_s({"minutes": "/2"}) == 120
    assert shortest_pattern_gap_s({"seconds": "/30"}) == 30
    assert shortest_pattern_gap_s({"hours": "*"}) == 3600
    assert shortest_pattern_gap_s({"minutes": 5}) == 3600
    assert shortest_pattern_gap_s({"minutes": "*"}) == 60


def test_time_trigger_entity_must_exist_and_templates_are_skipped() -> None:
    config = {
        "triggers": [{"trigger": "time", "at": ["input_datetime.wake", "07:00:00"]}],
        "actions": [{"action": "climate.set_temperature", "entity_id": "{{ target }}"}],
    }
    findings = validate(config, FACTS).findings
    assert [f.detail for f in findings if f.rule == "entity_unknown"] == ["input_datetime.wake"]
