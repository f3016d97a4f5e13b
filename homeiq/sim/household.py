"""The robot vacuum the household starts from the app, and the person whose presence it tracks."""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from homeiq.sim.contexts import SIM_USER_ID, Strings, context_id, nones
from homeiq.sim.habits import HABIT_BY_ENTITY, made_in_ui, onset_minute
from homeiq.sim.place import Place, is_away
from homeiq.sim.world import rng

VACUUM: Final[str] = "vacuum.robot"
PERSON: Final[str] = "person.alex"
HEARTBEAT_S: Final[float] = 3 * 3600.0 + 7.0  # a daily attribute update (battery, GPS)
LEAVE_S: Final[float] = 6 * 3600.0  # the away week starts early on its first day
RETURN_S: Final[float] = 5 * 3600.0 + 30 * 60.0  # ... and ends early the day after


def vacuum_rows(
    seed: int, day: int, place: Place
) -> tuple[npt.NDArray[np.int64], Strings, Strings, Strings]:
    """Return the vacuum's offsets, states, context and user ids: docked, and the weekly clean."""
    offsets = [HEARTBEAT_S]
    states = ["docked"]
    habit = HABIT_BY_ENTITY[VACUUM]
    minute = onset_minute(seed, habit, day, place)
    ui = minute is not None and made_in_ui(seed, habit, day)
    if minute is not None:
        clean = rng(seed, VACUUM, day).uniform(45.0, 70.0) * 60.0
        start = minute * 60.0
        offsets += [start, start + clean, start + clean + 120.0]
        states += ["cleaning", "returning", "docked"]
    stamps = (np.array(offsets) * 1e6).astype(np.int64)
    ctx, users = nones(stamps.size), nones(stamps.size)
    if ui:
        ctx[1] = context_id(VACUUM, day, int(stamps[1]))
        users[1] = SIM_USER_ID
    return stamps, np.array(states, dtype=object), ctx, users


def person_rows(seed: int, day: int) -> tuple[npt.NDArray[np.int64], Strings]:
    """Return the person's offsets and states: home, except during the away week."""
    away, was_away = is_away(seed, day), is_away(seed, day - 1)
    offsets = [HEARTBEAT_S]
    states = ["not_home" if was_away else "home"]
    if away and not was_away:
        offsets.append(LEAVE_S)
        states.append("not_home")
    if was_away and not away:
        offsets.append(RETURN_S)
        states.append("home")
    order = np.argsort(offsets)
    stamps = (np.array(offsets)[order] * 1e6).astype(np.int64)
    return stamps, np.array(states, dtype=object)[order]
