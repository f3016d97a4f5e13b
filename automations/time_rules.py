"""Clock arithmetic the safety rules need: time triggers, time patterns, night (pure)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from automations.config_walk import as_list, trigger_kind

NIGHT_START_MIN = 22 * 60
NIGHT_END_MIN = 6 * 60
_DAY_MIN = 24 * 60


def parse_clock(value: Any) -> int | None:
    """Return minutes after midnight of "HH:MM[:SS]", or None (an entity, a template...)."""
    if not isinstance(value, str):
        return None
    parts = value.strip().split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        return None
    hours, minutes = int(parts[0]), int(parts[1])
    if hours > 23 or minutes > 59:
        return None
    return hours * 60 + minutes


def time_trigger_minutes(triggers: Iterable[Mapping[str, Any]]) -> list[int]:
    """Return the fixed clock times (minutes after midnight) of the ``time`` triggers."""
    found = []
    for trigger in triggers:
        if trigger_kind(trigger) != "time":
            continue
        for at in as_list(trigger.get("at")):
            minute = parse_clock(at)
            if minute is not None:
                found.append(minute)
    return found


def minutes_apart(a: int, b: int) -> int:
    """Return the distance between two clock times, across midnight too."""
    gap = abs(a - b) % _DAY_MIN
    return min(gap, _DAY_MIN - gap)


def _field_count(value: Any, span: int) -> tuple[int, int]:
    """Return (times per unit, smallest step) of one time-pattern field."""
    if value is None or str(value).strip() == "*":
        return span, 1
    text = str(value).strip()
    if text.startswith("/"):
        step = int(text[1:]) if text[1:].isdigit() and int(text[1:]) > 0 else 1
        return math.ceil(span / step), step
    return 1, span


def shortest_pattern_gap_s(trigger: Mapping[str, Any]) -> float:
    """Return the shortest time between two firings of a ``time_pattern`` trigger, seconds.

    HA treats a missing smaller unit as 0 when a larger one is given and a missing larger
    unit as "every", so ``minutes: "/2"`` fires every 2 minutes at second 0.
    """
    hours, minutes, seconds = (trigger.get(k) for k in ("hours", "minutes", "seconds"))
    if minutes is None and hours is not None:
        minutes = 0
    if seconds is None and minutes is not None:
        seconds = 0
    per_minute, second_step = _field_count(seconds, 60)
    if per_minute > 1:
        return float(second_step)
    per_hour, minute_step = _field_count(minutes, 60)
    if per_hour > 1:
        return float(minute_step * 60)
    per_day, hour_step = _field_count(hours, 24)
    return float(hour_step * 3600) if per_day > 1 else float(_DAY_MIN * 60)
