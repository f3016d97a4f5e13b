"""Score suggestions (the ``homeiq analyze --json`` shape) against a simulated home's ground truth.

A suggestion finds planted routine R when kind, entity and target state agree and:
time: its local time is within R's tolerance on the 24 h circle and its weekday set is R's;
sun: same event and its offset within R's tolerance; trigger: same trigger entity and state.
A sun routine whose planted times hardly moved over the window (``clock_equivalent``) is also
found by a time suggestion near its mean local time: the history cannot tell them apart.
Recall counts the routines the truth marks ``findable`` (kept often enough before and inside
the replay days to be confirmed); a suggestion of an unfindable one is not false either.
Every suggestion that finds no routine is a false one, including any for the noise entities
or for what an automation already does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MINUTES_PER_DAY = 1440


@dataclass(frozen=True, slots=True, kw_only=True)
class Score:
    """Which planted routines were found, which were missed, and the suggestions that are wrong."""

    matched: tuple[str, ...]
    missed: tuple[str, ...]
    false: tuple[Mapping[str, Any], ...]
    suggestions: int

    @property
    def recall(self) -> float:
        """Return the share of planted routines that some suggestion found."""
        total = len(self.matched) + len(self.missed)
        return len(self.matched) / total if total else 1.0

    @property
    def precision(self) -> float:
        """Return the share of suggestions that found a planted routine."""
        return (self.suggestions - len(self.false)) / self.suggestions if self.suggestions else 1.0


def _minute(text: str | None) -> float | None:
    if not text:
        return None
    hour, minute = text.split(":")
    return int(hour) * 60 + int(minute)


def _circular_gap(a: float, b: float) -> float:
    gap = abs(a - b) % MINUTES_PER_DAY
    return min(gap, MINUTES_PER_DAY - gap)


def _same_weekdays(suggestion: Mapping[str, Any], routine: Mapping[str, Any]) -> bool:
    found = suggestion.get("weekdays") or list(range(7))
    return sorted(found) == sorted(routine["weekdays"])


def finds(suggestion: Mapping[str, Any], routine: Mapping[str, Any]) -> bool:
    """Return whether ``suggestion`` is the planted ``routine``."""
    if (suggestion.get("entity_id"), suggestion.get("to_state")) != (
        routine["entity_id"],
        routine["to_state"],
    ):
        return False
    kind = suggestion.get("kind")
    tolerance = float(routine.get("tolerance_minutes", 0.0))
    if routine["kind"] == "trigger":
        return kind == "trigger" and (
            suggestion.get("trigger_entity_id"),
            suggestion.get("trigger_to_state"),
        ) == (routine["trigger_entity_id"], routine["trigger_to_state"])
    if routine["kind"] == "sun" and kind == "sun":
        offset = suggestion.get("offset_minutes")
        return (
            suggestion.get("event") == routine["event"]
            and offset is not None
            and abs(float(offset) - float(routine["offset_minutes"])) <= tolerance
            and _same_weekdays(suggestion, routine)
        )
    if kind != "time" or not _same_weekdays(suggestion, routine):
        return False
    if routine["kind"] == "sun" and not routine.get("clock_equivalent"):
        return False
    found, planted = _minute(suggestion.get("local_time")), _minute(routine.get("local_time"))
    if found is None or planted is None:
        return False
    slack = tolerance + float(routine.get("local_time_range_minutes", 0.0)) / 2
    return _circular_gap(found, planted) <= slack


def score_suggestions(truth: Mapping[str, Any], suggestions: Sequence[Mapping[str, Any]]) -> Score:
    """Return how ``suggestions`` compare with the routines planted in ``truth``."""
    routines = list(truth["routines"])
    expected = [r for r in routines if r.get("findable", True)]
    matched = [r["id"] for r in expected if any(finds(s, r) for s in suggestions)]
    false = tuple(s for s in suggestions if not any(finds(s, r) for r in routines))
    return Score(
        matched=tuple(matched),
        missed=tuple(r["id"] for r in expected if r["id"] not in matched),
        false=false,
        suggestions=len(suggestions),
    )
