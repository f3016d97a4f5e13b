"""When two suggestions are the same one: kind, entities and parameters within tolerance."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

# A routine that moved by less than this is the same routine seen again (a person's habit
# drifts by minutes between runs); more is a different habit worth a fresh look.
TIME_TOLERANCE_MINUTES: Final[int] = 30
SUN_TOLERANCE_MINUTES: Final[int] = 20


def identity_key(kind: str, entity_id: str, to_state: str, params: Mapping[str, Any]) -> str:
    """Return the part of a suggestion's identity that must match exactly."""
    if kind == "trigger":
        return f"trigger|{entity_id}|{to_state}|{params.get('trigger_entity_id')}|" + str(
            params.get("trigger_to_state")
        )
    if kind == "sun":
        return f"sun|{entity_id}|{to_state}|{params.get('event')}"
    return f"time|{entity_id}|{to_state}"


def _minute(text: Any) -> int | None:
    if not isinstance(text, str) or ":" not in text:
        return None
    hours, minutes = text.split(":", 1)
    return int(hours) * 60 + int(minutes[:2])


def same_parameters(kind: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Return True when ``new`` is within tolerance of ``old`` (same key assumed)."""
    if kind == "trigger":
        return True
    if sorted(old.get("weekdays") or []) != sorted(new.get("weekdays") or []):
        return False
    if kind == "sun":
        a, b = old.get("offset_minutes"), new.get("offset_minutes")
        return a is not None and b is not None and abs(int(a) - int(b)) <= SUN_TOLERANCE_MINUTES
    a_min, b_min = _minute(old.get("local_time")), _minute(new.get("local_time"))
    if a_min is None or b_min is None:
        return False
    gap = abs(a_min - b_min) % 1440
    return min(gap, 1440 - gap) <= TIME_TOLERANCE_MINUTES
