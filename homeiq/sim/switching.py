"""On/off behaviour of the simulated home as intervals (seconds of a day), pure per day.

The planted routines live here: the bedroom light near 06:45 on weekdays, the hallway light
following its motion sensor within 30 s, the porch light at sunset and the TV during games.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from homeiq.sim.world import (
    game_on,
    morning_light_minute,
    porch_light_minute,
    rng,
    sunset_minute,
)

Intervals = npt.NDArray[np.float64]  # shape (n, 2): start, end in seconds of the day
DAY_S: Final[float] = 86_400.0
FOLLOW_DELAY_S: Final[tuple[float, float]] = (2.0, 25.0)  # the light follows motion this fast
FOLLOW_HOLD_S: Final[float] = 120.0  # and stays on this long after the last motion
FOLLOW_RATE: Final[float] = 0.97  # share of motion bursts the light answers


def merge(intervals: Intervals, gap: float = 0.0) -> Intervals:
    """Return intervals sorted, clipped to the day, with overlaps (closer than ``gap``) merged."""
    if intervals.size == 0:
        return np.empty((0, 2))
    ordered = intervals[np.argsort(intervals[:, 0])]
    ordered = np.clip(ordered, 0.0, DAY_S - 1.0)
    merged = [list(ordered[0])]
    for start, end in ordered[1:]:
        if start <= merged[-1][1] + gap:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out = np.array(merged, dtype=np.float64)
    return out[out[:, 1] > out[:, 0]]


def _around(
    draw: np.random.Generator, minute: float, sd_min: float, length_min: float
) -> list[float]:
    start = (minute + draw.normal(0.0, sd_min)) * 60.0
    return [start, start + length_min * 60.0]


def motion(seed: int, entity_id: str, day: int, rate_per_hour: float) -> Intervals:
    """Return motion detections: Poisson arrivals, busier while people are up, ~1 min each."""
    draw = rng(seed, entity_id, day)
    rates = np.where((np.arange(24) >= 7) & (np.arange(24) < 23), rate_per_hour, 0.15)
    counts = draw.poisson(rates)
    hours = np.repeat(np.arange(24), counts)
    starts = (hours + draw.random(hours.size)) * 3600.0
    ends = starts + draw.uniform(40.0, 90.0, starts.size)
    return merge(np.column_stack([starts, ends]))


def follow_light(seed: int, entity_id: str, day: int, trigger: Intervals) -> Intervals:
    """Return a light that answers motion bursts within FOLLOW_DELAY_S and holds a while."""
    draw = rng(seed, entity_id, day)
    bursts = merge(trigger, gap=FOLLOW_HOLD_S)
    delays = draw.uniform(*FOLLOW_DELAY_S, len(bursts))
    answered = draw.random(len(bursts)) < FOLLOW_RATE
    starts = bursts[:, 0] + delays
    ends = bursts[:, 1] + FOLLOW_HOLD_S
    return merge(np.column_stack([starts, ends])[answered & (starts < ends)])


def morning_light(seed: int, entity_id: str, day: int) -> Intervals:
    """Return the bedroom light: on near 06:45 on weekdays (later at weekends), and at night."""
    draw = rng(seed, entity_id, day)
    spans = []
    minute = morning_light_minute(seed, day)
    if minute is not None:
        spans.append([minute * 60.0, minute * 60.0 + draw.uniform(35.0, 60.0) * 60.0])
    if draw.random() < 0.8:
        spans.append(_around(draw, 22 * 60 + 15, 25.0, draw.uniform(20.0, 60.0)))
    return merge(np.array(spans, dtype=np.float64).reshape(-1, 2))


def sunset_light(seed: int, entity_id: str, day: int) -> Intervals:
    """Return the porch light: on at sunset (a few minutes either way), off near 23:30."""
    draw = rng(seed, entity_id, day)
    on = porch_light_minute(seed, day) * 60.0
    off = (23 * 60 + 30 + draw.normal(0.0, 8.0)) * 60.0
    return merge(np.array([[on, max(off, on + 600.0)]]))


def evening_light(seed: int, entity_id: str, day: int) -> Intervals:
    """Return an ordinary room light: most evenings after dusk, some mornings."""
    draw = rng(seed, entity_id, day)
    spans = []
    dusk = sunset_minute(day)
    if draw.random() < 0.85:
        on = (dusk + draw.uniform(-30.0, 90.0)) * 60.0
        spans.append([on, max(on + 900.0, (22 * 60 + 30 + draw.normal(0, 40)) * 60.0)])
    if draw.random() < 0.4:
        spans.append(_around(draw, 7 * 60, 30.0, draw.uniform(15.0, 50.0)))
    return merge(np.array(spans, dtype=np.float64).reshape(-1, 2))


def switch(seed: int, entity_id: str, day: int, *, morning: bool) -> Intervals:
    """Return a switch's on-times: a short morning run (coffee) or a few longer uses."""
    draw = rng(seed, entity_id, day)
    if morning:
        count, lo, hi, length = int(draw.integers(1, 3)), 6.5, 9.5, (5.0, 15.0)
    else:
        count, lo, hi, length = int(draw.integers(0, 4)), 8.0, 22.0, (30.0, 180.0)
    starts = draw.uniform(lo, hi, count) * 3600.0
    ends = starts + draw.uniform(*length, count) * 60.0
    return merge(np.column_stack([starts, ends]))


def openings(seed: int, entity_id: str, day: int, *, window: bool) -> Intervals:
    """Return when a door (a few seconds, often) or window (an hour or so, rarely) is open."""
    draw = rng(seed, entity_id, day)
    if window:
        count, lo, hi, length = int(draw.integers(1, 3)), 8.0, 20.0, (10.0 * 60, 120.0 * 60)
    else:
        count, lo, hi, length = int(draw.integers(3, 9)), 7.0, 22.0, (8.0, 60.0)
    starts = draw.uniform(lo, hi, count) * 3600.0
    return merge(np.column_stack([starts, starts + draw.uniform(*length, count)]))


def tv(seed: int, entity_id: str, day: int) -> Intervals:
    """Return when the TV is on: some evenings, and nearly every home-team game."""
    draw = rng(seed, entity_id, day)
    spans = []
    if draw.random() < 0.55:
        spans.append(_around(draw, 20 * 60, 30.0, draw.uniform(60.0, 150.0)))
    game = game_on(seed, day)
    if game is not None and draw.random() < 0.92:
        kickoff = game.kickoff.hour * 3600.0 + game.kickoff.minute * 60.0
        end = game.end.hour * 3600.0 + game.end.minute * 60.0
        spans.append([kickoff - draw.uniform(0, 900), end + draw.uniform(0, 1200)])
    return merge(np.array(spans, dtype=np.float64).reshape(-1, 2))


def on_minutes(intervals: Intervals) -> npt.NDArray[np.bool_]:
    """Return, per minute of the day, whether any interval covers it."""
    grid = np.zeros(1440, dtype=np.bool_)
    for start, end in intervals:
        grid[int(start // 60) : int(end // 60) + 1] = True
    return grid
