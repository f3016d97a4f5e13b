"""Entities a detector must ignore: random toggles, a sensor that flips every minute, and
``unavailable`` runs on switched devices. None of them hides a habit.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from homeiq.sim.place import is_away
from homeiq.sim.switching import Intervals, merge
from homeiq.sim.world import rng, tag_of

FLAKY_TOGGLES_PER_DAY: Final[float] = 8.0  # a smart plug with a loose relay
GUEST_MODE_PER_DAY: Final[float] = 1.0  # a helper someone flips in the UI now and then
UNAVAILABLE_CHANCE: Final[float] = 0.04  # per flaky device and day: drops off the network


def random_toggles(seed: int, entity_id: str, day: int) -> Intervals:
    """Return on-spans at uniformly random moments of the whole day, even when nobody is home."""
    draw = rng(seed, entity_id, day)
    count = int(draw.poisson(FLAKY_TOGGLES_PER_DAY))
    starts = draw.uniform(0.0, 86_400.0, count)
    return merge(np.column_stack([starts, starts + draw.uniform(60.0, 2400.0, count)]))


def guest_mode(seed: int, entity_id: str, day: int) -> Intervals:
    """Return when the guest-mode helper is on: switched at random while someone is home."""
    if is_away(seed, day):
        return np.empty((0, 2))
    draw = rng(seed, entity_id, day)
    count = int(draw.poisson(GUEST_MODE_PER_DAY))
    starts = draw.uniform(8 * 3600.0, 23 * 3600.0, count)
    return merge(np.column_stack([starts, starts + draw.uniform(600.0, 14_400.0, count)]))


def minute_flips(
    seed: int, entity_id: str, day: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.object_]]:
    """Return a vibration sensor's rows: a coin flip each minute, recorded when it changes."""
    draw = rng(seed, entity_id, day)
    on = draw.random(1440) < 0.5
    changed = np.concatenate([[True], on[1:] != on[:-1]])
    seconds = np.arange(1440, dtype=np.float64)[changed] * 60.0 + 7.0
    states = np.where(on[changed], "on", "off").astype(object)
    return (seconds * 1e6).astype(np.int64), states


def with_unavailable(
    seed: int,
    entity_id: str,
    day: int,
    offsets: npt.NDArray[np.int64],
    states: npt.NDArray[np.object_],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.object_]]:
    """Return the rows with, on some days, an ``unavailable`` run that ends in the prior state."""
    # a cheap hash decides first: a generator per entity-day costs more than the rows
    if tag_of(f"{seed}:{entity_id}:unavailable:{day}") / 2**32 >= UNAVAILABLE_CHANCE:
        return offsets, states
    draw = rng(seed, entity_id + ":unavailable", day)
    start = int(draw.uniform(0.0, 86_000.0) * 1e6)
    end = min(start + int(draw.uniform(600.0, 3600.0) * 1e6), 86_399_000_000)
    before = states[offsets < start]
    prior = str(before[-1]) if before.size else "off"
    inside = (offsets >= start) & (offsets < end)
    after_run = str(states[offsets < end][-1]) if (offsets < end).any() else prior
    keep = ~inside
    new_offsets = np.concatenate([offsets[keep], [start, end]])
    new_states = np.concatenate([states[keep], np.array(["unavailable", after_run], dtype=object)])
    order = np.argsort(new_offsets, kind="stable")
    return new_offsets[order], new_states[order]
