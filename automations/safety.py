"""Safety rules for an automation config before it goes to Home Assistant (pure, rules as data).

Each rule is a row: an id, a severity, the one-line reason an admin reads and a check that
returns the specific things it found (empty when the config passes). ``validate`` walks the
rows. Configs are read through ``config_walk`` so legacy and nested syntax cannot slip past.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from automations.config_walk import (
    ActionCall,
    AutomationView,
    entity_list,
    read_config,
    referenced_entities,
    trigger_kind,
)
from automations.time_rules import (
    NIGHT_END_MIN,
    NIGHT_START_MIN,
    minutes_apart,
    shortest_pattern_gap_s,
    time_trigger_minutes,
)


class Severity(StrEnum):
    """How a finding affects deploying: blocked never, critical after typed confirmation."""

    BLOCKED = "blocked"
    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


_ORDER = (Severity.BLOCKED, Severity.CRITICAL, Severity.WARNING)


@dataclass(frozen=True, kw_only=True)
class EntityFact:
    """What HA's entity registry (and states) say about one entity."""

    entity_id: str
    disabled: bool = False
    area_id: str | None = None
    device_class: str | None = None
    unit: str | None = None


@dataclass(frozen=True, kw_only=True)
class HomeFacts:
    """What the rules know about the home; None means "not read from HA"."""

    entities: Mapping[str, EntityFact] | None = None
    actions: frozenset[str] | None = None  # "domain.service" from WS get_services
    existing: tuple[Mapping[str, Any], ...] = ()  # other automations' configs in HA
    temperature_unit: str = "°C"
    has_presence: bool = True  # any person / device_tracker / presence sensor


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One rule that matched, with what it matched."""

    rule: str
    severity: Severity
    reason: str
    detail: str

    def to_dict(self) -> dict[str, str]:
        """Return the finding as JSON-ready fields."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "reason": self.reason,
            "detail": self.detail,
        }


@dataclass(frozen=True, kw_only=True)
class Validation:
    """The verdict (blocked / critical / warning / ok) and every finding."""

    verdict: str
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """Return the validation as JSON-ready fields."""
        return {"verdict": self.verdict, "findings": [f.to_dict() for f in self.findings]}


Check = Callable[[AutomationView, HomeFacts], list[str]]


@dataclass(frozen=True, kw_only=True)
class SafetyRule:
    """One safety rule: id, severity, the reason shown to the admin, and its check."""

    id: str
    severity: Severity
    reason: str
    check: Check


# --- checks -----------------------------------------------------------------------------

_SYSTEM_DOMAINS = frozenset({"hassio", "backup", "shell_command", "python_script"})
_SYSTEM_ACTIONS = frozenset(
    {
        "homeassistant.restart",
        "homeassistant.stop",
        "homeassistant.set_location",
        "recorder.purge",
        "recorder.purge_entities",
        "recorder.disable",
        "system_log.clear",
    }
)
_UNSAFE_ACTIONS = frozenset({"lock.unlock", "lock.open", "alarm_control_panel.alarm_disarm"})
_SENSITIVE_DOMAINS = frozenset({"lock", "alarm_control_panel", "siren", "valve", "cover"})
_OPENING = frozenset({"cover.open_cover", "cover.toggle", "valve.open_valve"})
_CLOCK_TRIGGERS = frozenset({"time", "time_pattern", "sun"})
_OPPOSITE = {
    "turn_on": "turn_off",
    "turn_off": "turn_on",
    "open_cover": "close_cover",
    "close_cover": "open_cover",
    "lock": "unlock",
    "unlock": "lock",
}
_NOISY_CLASSES = frozenset({"power", "temperature"})
_MIN_C, _MAX_C = 7.0, 30.0
MAX_AREAS_OFF = 3
MIN_PATTERN_GAP_S = 300
CONFLICT_WINDOW_MIN = 30


def _targets(call: ActionCall) -> tuple[str, ...]:
    return call.entity_ids


def _unknown_entities(view: AutomationView, facts: HomeFacts) -> list[str]:
    if facts.entities is None:
        return []
    return [e for e in referenced_entities(view) if e not in facts.entities]


def _disabled_entities(view: AutomationView, facts: HomeFacts) -> list[str]:
    if facts.entities is None:
        return []
    known = facts.entities
    return [e for e in referenced_entities(view) if e in known and known[e].disabled]


def _unknown_actions(view: AutomationView, facts: HomeFacts) -> list[str]:
    if facts.actions is None:
        return []
    return sorted({c.action for c in view.calls if c.action not in facts.actions})


def _not_checked(view: AutomationView, facts: HomeFacts) -> list[str]:
    missing = []
    if facts.entities is None:
        missing.append("entities were not checked against HA's registry")
    if facts.actions is None:
        missing.append("actions were not checked against HA's services")
    return missing


def _system_actions(view: AutomationView, facts: HomeFacts) -> list[str]:
    return sorted(
        {
            c.action
            for c in view.calls
            if c.action in _SYSTEM_ACTIONS
            or c.domain in _SYSTEM_DOMAINS
            or (c.domain == "homeassistant" and c.service.startswith("reload"))
        }
    )


def _unlock_or_disarm(view: AutomationView, facts: HomeFacts) -> list[str]:
    return sorted({c.action for c in view.calls if c.action in _UNSAFE_ACTIONS})


def _is_opening(call: ActionCall, facts: HomeFacts) -> bool:
    if call.action in _OPENING:
        return True
    if call.action == "cover.set_cover_position":
        return float(call.data.get("position", 0) or 0) > 0
    # A garage door driven by a switch or button is still a garage door.
    garage = any("garage" in e for e in call.entity_ids) or any(
        facts.entities is not None
        and e in facts.entities
        and facts.entities[e].device_class in {"garage", "garage_door", "gate"}
        for e in call.entity_ids
    )
    return garage and call.service in {"turn_on", "toggle", "press", "open_cover"}


def _opens_by_time_alone(view: AutomationView, facts: HomeFacts) -> list[str]:
    clock_only = bool(view.triggers) and all(
        trigger_kind(t) in _CLOCK_TRIGGERS for t in view.triggers
    )
    if not clock_only or view.conditions:
        return []
    return [
        f"{c.action} {', '.join(c.entity_ids)}".strip() for c in view.calls if _is_opening(c, facts)
    ]


def _sensitive_targets(view: AutomationView, facts: HomeFacts) -> list[str]:
    found: dict[str, None] = {}
    for call in view.calls:
        if call.domain in _SENSITIVE_DOMAINS:
            found.setdefault(call.action)
        for entity in _targets(call):
            if entity.partition(".")[0] in _SENSITIVE_DOMAINS:
                found.setdefault(f"{call.action} {entity}")
    return list(found)


def _to_celsius(value: float, unit: str) -> float:
    return (value - 32.0) * 5.0 / 9.0 if unit.upper().endswith("F") else value


def _setpoints_out_of_range(view: AutomationView, facts: HomeFacts) -> list[str]:
    found = []
    for call in view.calls:
        if call.domain not in {"climate", "water_heater"} or "temperature" not in call.service:
            continue
        for key in ("temperature", "target_temp_low", "target_temp_high"):
            raw: Any = call.data.get(key)
            try:
                value = float(raw)
            except (TypeError, ValueError):
                continue
            celsius = _to_celsius(value, facts.temperature_unit)
            if not _MIN_C <= celsius <= _MAX_C:
                found.append(f"{key} {value:g} {facts.temperature_unit} ({celsius:.1f} °C)")
    return found


def _mass_turn_off(view: AutomationView, facts: HomeFacts) -> list[str]:
    found = []
    for call in view.calls:
        if call.service != "turn_off":
            continue
        if "all" in call.entity_ids or "all" in call.area_ids:
            found.append(f"{call.action} all")
            continue
        areas = set(call.area_ids)
        if facts.entities is not None:
            areas |= {
                area
                for e in call.entity_ids
                if e in facts.entities and (area := facts.entities[e].area_id)
            }
        if len(areas) > MAX_AREAS_OFF:
            found.append(f"{call.action} in {len(areas)} areas: {', '.join(sorted(areas))}")
    return found


def _frequent_time_pattern(view: AutomationView, facts: HomeFacts) -> list[str]:
    found = []
    for trigger in view.triggers:
        if trigger_kind(trigger) != "time_pattern":
            continue
        gap = shortest_pattern_gap_s(trigger)
        if gap < MIN_PATTERN_GAP_S:
            found.append(f"time_pattern fires every {gap:g} s")
    return found


def _noisy_trigger_without_for(view: AutomationView, facts: HomeFacts) -> list[str]:
    found = []
    for trigger in view.triggers:
        if "for" in trigger:
            continue
        kind = trigger_kind(trigger)
        entities = entity_list(trigger.get("entity_id"))
        if kind == "numeric_state":
            found.append(f"numeric_state on {', '.join(entities)}")
        elif kind == "state" and facts.entities is not None:
            noisy = [
                e
                for e in entities
                if e in facts.entities and facts.entities[e].device_class in _NOISY_CLASSES
            ]
            found.extend(f"state on {e}" for e in noisy)
    return found


def _conflicts(view: AutomationView, facts: HomeFacts) -> list[str]:
    ours = time_trigger_minutes(view.triggers)
    found = []
    for other_config in facts.existing:
        other = read_config(other_config)
        if view.config_id is not None and other.config_id == view.config_id:
            continue
        theirs = time_trigger_minutes(other.triggers)
        near = any(minutes_apart(a, b) <= CONFLICT_WINDOW_MIN for a in ours for b in theirs)
        if not near:
            continue
        for call in view.calls:
            for their_call in other.calls:
                if _OPPOSITE.get(call.service) != their_call.service:
                    continue
                shared = sorted(set(call.entity_ids) & set(their_call.entity_ids))
                if shared:
                    name = other_config.get("alias") or other.config_id or "an automation"
                    found.append(f"{their_call.action} {', '.join(shared)} in {name!s}")
    return found


def _night_without_condition(view: AutomationView, facts: HomeFacts) -> list[str]:
    if facts.has_presence or view.conditions or not view.calls:
        return []
    night = [
        m for m in time_trigger_minutes(view.triggers) if m >= NIGHT_START_MIN or m < NIGHT_END_MIN
    ]
    return [f"runs at {m // 60:02d}:{m % 60:02d} with no condition" for m in night]


def _legacy_keys(view: AutomationView, facts: HomeFacts) -> list[str]:
    return [f"legacy key {key!r}" for key in view.legacy_keys]


RULES: tuple[SafetyRule, ...] = (
    SafetyRule(
        id="entity_unknown",
        severity=Severity.BLOCKED,
        reason="It names an entity Home Assistant does not have.",
        check=_unknown_entities,
    ),
    SafetyRule(
        id="entity_disabled",
        severity=Severity.BLOCKED,
        reason="It names an entity that is disabled in Home Assistant.",
        check=_disabled_entities,
    ),
    SafetyRule(
        id="action_unknown",
        severity=Severity.BLOCKED,
        reason="It calls an action Home Assistant does not offer.",
        check=_unknown_actions,
    ),
    SafetyRule(
        id="system_action",
        severity=Severity.BLOCKED,
        reason="It restarts, stops, reloads or backs up Home Assistant or runs a system action.",
        check=_system_actions,
    ),
    SafetyRule(
        id="unlock_or_disarm",
        severity=Severity.BLOCKED,
        reason="It unlocks a lock or disarms an alarm.",
        check=_unlock_or_disarm,
    ),
    SafetyRule(
        id="open_by_time",
        severity=Severity.BLOCKED,
        reason="It opens a garage door or cover on a clock alone, with no condition.",
        check=_opens_by_time_alone,
    ),
    SafetyRule(
        id="sensitive_device",
        severity=Severity.CRITICAL,
        reason="It acts on a lock, alarm panel, siren, valve or cover.",
        check=_sensitive_targets,
    ),
    SafetyRule(
        id="climate_setpoint",
        severity=Severity.CRITICAL,
        reason="It sets a temperature outside 7-30 °C.",
        check=_setpoints_out_of_range,
    ),
    SafetyRule(
        id="mass_turn_off",
        severity=Severity.CRITICAL,
        reason="It turns off everything or more than 3 areas at once.",
        check=_mass_turn_off,
    ),
    SafetyRule(
        id="frequent_time_pattern",
        severity=Severity.WARNING,
        reason="Its time pattern fires more often than every 5 minutes.",
        check=_frequent_time_pattern,
    ),
    SafetyRule(
        id="trigger_without_for",
        severity=Severity.WARNING,
        reason="A numeric, power or temperature trigger has no 'for:', so noise will fire it.",
        check=_noisy_trigger_without_for,
    ),
    SafetyRule(
        id="conflict",
        severity=Severity.WARNING,
        reason="Another automation does the opposite to the same target within 30 minutes.",
        check=_conflicts,
    ),
    SafetyRule(
        id="night_without_condition",
        severity=Severity.WARNING,
        reason="It acts at night with no condition, and HA knows nobody's presence.",
        check=_night_without_condition,
    ),
    SafetyRule(
        id="not_checked",
        severity=Severity.INFO,
        reason="Home Assistant could not be asked, so some checks were not made.",
        check=_not_checked,
    ),
    SafetyRule(
        id="legacy_keys",
        severity=Severity.INFO,
        reason="It uses legacy keys; HA accepts them and stores today's spelling.",
        check=_legacy_keys,
    ),
)


def verdict_of(findings: tuple[Finding, ...]) -> str:
    """Return the worst severity among ``findings`` (info does not count), or "ok"."""
    present = {f.severity for f in findings}
    return next((s.value for s in _ORDER if s in present), "ok")


def validate(
    config: Mapping[str, Any], facts: HomeFacts, rules: tuple[SafetyRule, ...] = RULES
) -> Validation:
    """Return the verdict and findings of every rule on ``config``."""
    view = read_config(config)
    findings = tuple(
        Finding(rule=rule.id, severity=rule.severity, reason=rule.reason, detail=detail)
        for rule in rules
        for detail in rule.check(view, facts)
    )
    return Validation(verdict=verdict_of(findings), findings=findings)
