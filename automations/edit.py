"""The admin's edits of a suggested automation before it is deployed (pure).

Time, weekdays, sun offset, delay and target are changed in place of what the config holds,
in today's or the legacy key spelling; anything else stays exactly as it was.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from automations.config_walk import as_list, trigger_kind, walk_steps
from automations.time_rules import parse_clock

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class EditError(ValueError):
    """An edit value is not usable; the message names the value and what is allowed."""


@dataclass(frozen=True, kw_only=True)
class Edits:
    """What the admin changed; None leaves that part as it is."""

    time: str | None = None  # "HH:MM" or "HH:MM:SS"
    weekdays: Sequence[int] | None = None  # 0 = Monday
    offset_minutes: int | None = None  # sun trigger offset
    delay_s: int | None = None  # wait before acting
    target: str | None = None  # entity id the actions act on

    def to_dict(self) -> dict[str, Any]:
        """Return the edits that are set, JSON-ready."""
        fields = {
            "time": self.time,
            "weekdays": list(self.weekdays) if self.weekdays is not None else None,
            "offset_minutes": self.offset_minutes,
            "delay_s": self.delay_s,
            "target": self.target,
        }
        return {k: v for k, v in fields.items() if v is not None}


def _key(config: Mapping[str, Any], new: str, old: str) -> str:
    return old if old in config and new not in config else new


def _hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _check(edits: Edits) -> None:
    if edits.time is not None and parse_clock(edits.time) is None:
        raise EditError(f"time {edits.time!r} is not a clock time; use HH:MM, e.g. 06:45")
    if edits.weekdays is not None:
        bad = [d for d in edits.weekdays if not 0 <= d <= 6]
        if bad or not edits.weekdays:
            raise EditError(f"weekdays {list(edits.weekdays)!r}: give 0 (Monday) to 6 (Sunday)")
    if edits.offset_minutes is not None and abs(edits.offset_minutes) > 360:
        raise EditError(f"offset {edits.offset_minutes} min is over 6 hours from the sun event")
    if edits.delay_s is not None and not 0 <= edits.delay_s <= 86_400:
        raise EditError(f"delay {edits.delay_s} s must be between 0 and 86400 seconds")
    if edits.target is not None and "." not in edits.target:
        raise EditError(f"target {edits.target!r} is not an entity id like light.kitchen")


def _edit_triggers(triggers: list[Any], edits: Edits) -> None:
    for trigger in triggers:
        if not isinstance(trigger, dict):
            continue
        kind = trigger_kind(trigger)
        if kind == "time" and edits.time is not None:
            trigger["at"] = edits.time if edits.time.count(":") == 2 else edits.time + ":00"
        if kind == "sun" and edits.offset_minutes is not None:
            sign = "-" if edits.offset_minutes < 0 else ""
            trigger["offset"] = sign + _hms(abs(edits.offset_minutes) * 60)


def _edit_weekdays(config: dict[str, Any], weekdays: Sequence[int]) -> None:
    key = _key(config, "conditions", "condition")
    conditions = [c for c in as_list(config.get(key)) if isinstance(c, dict)]
    names = [WEEKDAYS[d] for d in sorted(set(weekdays))]
    for condition in conditions:
        if condition.get("condition") == "time" and "weekday" in condition:
            condition["weekday"] = names
            break
    else:
        conditions.append({"condition": "time", "weekday": names})
    config[key] = conditions


def _edit_delay(config: dict[str, Any], triggers: list[Any], delay_s: int) -> None:
    steps = [s for s in walk_steps(config.get(_key(config, "actions", "action"))) if "delay" in s]
    for step in steps:
        assert isinstance(step, dict)
        step["delay"] = _hms(delay_s)
    if not steps:
        # A trigger-kind suggestion waits through the trigger's ``for:``.
        for trigger in triggers:
            if isinstance(trigger, dict) and trigger_kind(trigger) == "state":
                trigger["for"] = _hms(delay_s)


def _edit_target(config: dict[str, Any], target: str) -> None:
    for step in walk_steps(config.get(_key(config, "actions", "action"))):
        if not isinstance(step, dict) or ("action" not in step and "service" not in step):
            continue
        for holder in (step.get("target"), step.get("data"), step):
            if isinstance(holder, dict) and "entity_id" in holder:
                holder["entity_id"] = target


def apply_edits(config: Mapping[str, Any], edits: Edits) -> dict[str, Any]:
    """Return a copy of ``config`` with ``edits`` applied; raise EditError on a bad value."""
    _check(edits)
    edited: dict[str, Any] = copy.deepcopy(dict(config))
    trigger_key = _key(edited, "triggers", "trigger")
    triggers = as_list(edited.get(trigger_key))
    _edit_triggers(triggers, edits)
    if trigger_key in edited:
        edited[trigger_key] = triggers
    if edits.weekdays is not None:
        _edit_weekdays(edited, edits.weekdays)
    if edits.delay_s is not None:
        _edit_delay(edited, triggers, edits.delay_s)
    if edits.target is not None:
        _edit_target(edited, edits.target)
    return edited
