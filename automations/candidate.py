"""A candidate automation: what the analysis found, in the terms of the HA config it becomes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

SuggestionKind = Literal["time", "sun", "trigger"]
SunEvent = Literal["sunrise", "sunset"]
WEEKDAY_KEYS: Final[tuple[str, ...]] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EVERY_DAY: Final[tuple[int, ...]] = (0, 1, 2, 3, 4, 5, 6)


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    """One automation the history suggests, with the evidence it was fitted on."""

    kind: SuggestionKind
    entity_id: str
    to_state: str
    local_minute: int | None = None  # time: minute of the local day (430 = 07:10)
    weekdays: tuple[int, ...] = EVERY_DAY  # time and sun: 0 = Monday
    event: SunEvent | None = None  # sun
    offset_minutes: int | None = None  # sun: minutes after (negative: before) the event
    trigger_entity_id: str | None = None  # trigger
    trigger_to_state: str | None = None  # trigger
    window_s: float | None = None  # trigger: the follower answers within this many seconds
    fit: Mapping[str, Any] = field(default_factory=dict)  # evidence from the fitted days

    @property
    def local_time(self) -> str | None:
        """Return the trigger time as ``HH:MM`` (time suggestions), else None."""
        if self.local_minute is None:
            return None
        whole = self.local_minute % 1440
        return f"{whole // 60:02d}:{whole % 60:02d}"

    @property
    def domain(self) -> str:
        """Return the target entity's domain."""
        return self.entity_id.split(".", 1)[0]

    def parameters(self) -> dict[str, Any]:
        """Return the kind's parameters as plain JSON values (stored and compared across runs)."""
        if self.kind == "time":
            return {"local_time": self.local_time, "weekdays": list(self.weekdays)}
        if self.kind == "sun":
            return {
                "event": self.event,
                "offset_minutes": self.offset_minutes,
                "weekdays": list(self.weekdays),
            }
        return {
            "trigger_entity_id": self.trigger_entity_id,
            "trigger_to_state": self.trigger_to_state,
            "window_s": self.window_s,
        }


def weekday_words(weekdays: tuple[int, ...]) -> str:
    """Return the weekday set in plain words: every day, on weekdays, on Mondays and Fridays."""
    days = tuple(sorted(set(weekdays)))
    if days == EVERY_DAY:
        return "every day"
    if days == (0, 1, 2, 3, 4):
        return "on weekdays"
    if days == (5, 6):
        return "on weekends"
    names = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
    words = [names[d] for d in days]
    if len(words) == 1:
        return f"on {words[0]}"
    return "on " + ", ".join(words[:-1]) + f" and {words[-1]}"
