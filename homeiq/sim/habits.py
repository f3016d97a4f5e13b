"""The habits planted in the simulated home, as rows: the generators and the ground truth walk them.

Each clock or sun habit says when, by the local wall clock, a person switches an entity into
a state; ``onset_minute`` is the one place that draws the day's moment, so the events and the
ground truth cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from homeiq.sim.place import Place, is_away, sun_minute, weekday
from homeiq.sim.world import rng

EVERY_DAY: Final[tuple[int, ...]] = (0, 1, 2, 3, 4, 5, 6)
WEEKDAYS: Final[tuple[int, ...]] = (0, 1, 2, 3, 4)


@dataclass(frozen=True, slots=True, kw_only=True)
class Habit:
    """A person switching ``entity_id`` into ``to_state`` at a local time or at a sun event."""

    id: str
    entity_id: str
    to_state: str
    weekdays: tuple[int, ...] = EVERY_DAY
    minute: float | None = None  # local minute of the day (clock habit)
    event: str | None = None  # "sunrise" / "sunset" (sun habit)
    offset_minutes: float = 0.0  # minutes after the sun event (negative: before)
    sd_minutes: float = 2.0  # a person, not a timer: a couple of minutes either way
    clip_minutes: float = 6.0  # ... but never further off than this
    keep_share: float = 1.0  # of the days it applies, the share a person keeps it
    ui_share: float = 0.0  # of the onsets, the share made in HA's UI (carry a user context)

    @property
    def kind(self) -> str:
        """Return ``time`` or ``sun``, the suggestion kind that should find this habit."""
        return "sun" if self.event else "time"


HABITS: Final[tuple[Habit, ...]] = (
    Habit(id="bedroom_weekday_morning", entity_id="light.bedroom", to_state="on",
          weekdays=WEEKDAYS, minute=6 * 60 + 45, ui_share=0.3),
    Habit(id="coffee_every_morning", entity_id="switch.coffee_maker", to_state="on",
          minute=7 * 60 + 30, sd_minutes=2.5, keep_share=0.95),
    Habit(id="porch_before_sunset", entity_id="light.porch", to_state="on",
          event="sunset", offset_minutes=-15.0, sd_minutes=3.0, clip_minutes=9.0, ui_share=0.2),
    Habit(id="porch_off_at_night", entity_id="light.porch", to_state="off",
          minute=23 * 60 + 30, sd_minutes=4.0, clip_minutes=10.0),
    Habit(id="vacuum_saturday", entity_id="vacuum.robot", to_state="cleaning",
          weekdays=(5,), minute=10 * 60 + 30, sd_minutes=2.0, ui_share=1.0),
)  # fmt: skip
HABITS_BY_KEY: Final[dict[tuple[str, str], Habit]] = {
    (habit.entity_id, habit.to_state): habit for habit in HABITS
}
# The habit that switches each entity on (or starts it): the one a UI change may make.
HABIT_BY_ENTITY: Final[dict[str, Habit]] = {
    habit.entity_id: habit for habit in HABITS if habit.to_state != "off"
}


def onset_minute(seed: int, habit: Habit, day: int, place: Place) -> float | None:
    """Return the local minute ``habit`` is kept on local ``day``, or None when it is not."""
    if weekday(day) not in habit.weekdays or is_away(seed, day):
        return None
    draw = rng(seed, "habit:" + habit.id, day)
    jitter = float(np.clip(draw.normal(0.0, habit.sd_minutes), -habit.clip_minutes,
                           habit.clip_minutes))  # fmt: skip
    if draw.random() >= habit.keep_share:
        return None
    if habit.event is not None:
        return sun_minute(place, day, habit.event) + habit.offset_minutes + jitter
    assert habit.minute is not None  # a clock habit by construction
    return habit.minute + jitter


def made_in_ui(seed: int, habit: Habit, day: int) -> bool:
    """Return whether the day's onset of ``habit`` was made in HA's UI (a user context)."""
    return bool(rng(seed, "habit-ui:" + habit.id, day).random() < habit.ui_share)
