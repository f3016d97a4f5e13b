"""On/off behaviour of the simulated home as intervals (seconds of a local day), pure per day.

Days here are local days of the home's time zone (homeiq.sim.place). The planted clock and
sun habits come from homeiq.sim.habits; the hallway light follows its motion sensor within
25 s; everything else is the background a detector must not mistake for a habit.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from homeiq.sim.habits import HABIT_BY_ENTITY, HABITS_BY_KEY, onset_minute
from homeiq.sim.place import Place, sun_minute, weekday
from homeiq.sim.world import game_on, rng

Intervals = npt.NDArray[np.float64]  # shape (n, 2): start, end in seconds of the day
DAY_S: Final[float] = 86_400.0
FOLLOW_DELAY_S: Final[tuple[float, float]] = (2.0, 25.0)  # the light follows motion this fast
FOLLOW_HOLD_S: Final[float] = 120.0  # motion this close together is one visit
FOLLOW_OFF_AFTER_S: Final[tuple[float, float]] = (60.0, 900.0)  # off a while after the visit
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
    # a person switches it off when done, not a timer: no "off N s after motion" rule hides here
    ends = bursts[:, 1] + draw.uniform(*FOLLOW_OFF_AFTER_S, len(bursts))
    return merge(np.column_stack([starts, ends])[answered & (starts < ends)])


def habit_span(
    seed: int, entity_id: str, day: int, place: Place, length_min: tuple[float, float]
) -> list[list[float]]:
    """Return the day's planted habit onset of ``entity_id`` as one span, or nothing."""
    minute = onset_minute(seed, HABIT_BY_ENTITY[entity_id], day, place)
    if minute is None:
        return []
    length = rng(seed, entity_id + ":habit-length", day).uniform(*length_min) * 60.0
    return [[minute * 60.0, minute * 60.0 + length]]


def morning_light(seed: int, entity_id: str, day: int, place: Place) -> Intervals:
    """Return the bedroom light: the weekday habit; weekend mornings and nights at no set time."""
    draw = rng(seed, entity_id, day)
    # off whenever the person leaves the room: no second habit hides in the off times
    spans = habit_span(seed, entity_id, day, place, (15.0, 180.0))
    if weekday(day) >= 5 and draw.random() < 0.7:
        spans.append(_uniform_span(draw, 8 * 60, 11 * 60, (20.0, 60.0)))
    if draw.random() < 0.8:
        spans.append(_uniform_span(draw, 21 * 60, 23 * 60 + 50, (10.0, 50.0)))
    return merge(np.array(spans, dtype=np.float64).reshape(-1, 2))


def _uniform_span(
    draw: np.random.Generator, lo_min: float, hi_min: float, length_min: tuple[float, float]
) -> list[float]:
    # Background use spread evenly over hours: no clock routine hides in it.
    start = draw.uniform(lo_min, hi_min) * 60.0
    return [start, start + draw.uniform(*length_min) * 60.0]


def sunset_light(seed: int, entity_id: str, day: int, place: Place) -> Intervals:
    """Return the porch light: the sunset habit, and the habit of switching it off at 23:30."""
    spans = habit_span(seed, entity_id, day, place, (0.0, 0.0))
    if not spans:
        return np.empty((0, 2))
    on = spans[0][0]
    off_minute = onset_minute(seed, HABITS_BY_KEY["light.porch", "off"], day, place)
    off = (off_minute if off_minute is not None else 23 * 60 + 30) * 60.0
    return merge(np.array([[on, max(off, on + 600.0)]]))


def evening_light(seed: int, entity_id: str, day: int, place: Place) -> Intervals:
    """Return an ordinary room light: most evenings after dusk, some mornings."""
    draw = rng(seed, entity_id, day)
    spans = []
    dusk = sun_minute(place, day, "sunset")
    if draw.random() < 0.85:
        # spread over hours, so a 1-hour window holds well under half of the days
        on = (dusk + draw.uniform(-30.0, 150.0)) * 60.0
        spans.append([on, max(on + 900.0, draw.uniform(21 * 60, 23 * 60 + 45) * 60.0)])
    if draw.random() < 0.4:
        spans.append(_uniform_span(draw, 6 * 60, 9 * 60, (15.0, 50.0)))
    return merge(np.array(spans, dtype=np.float64).reshape(-1, 2))


def switch(seed: int, entity_id: str, day: int, *, morning: bool, place: Place) -> Intervals:
    """Return a switch's on-times: the coffee habit and an afternoon cup, or a few longer uses."""
    draw = rng(seed, entity_id, day)
    if morning:
        spans = habit_span(seed, entity_id, day, place, (10.0, 240.0))  # kept warm a while
        if draw.random() < 0.4:
            spans.append(_uniform_span(draw, 12 * 60, 17 * 60, (5.0, 15.0)))
        return merge(np.array(spans, dtype=np.float64).reshape(-1, 2))
    count = int(draw.integers(0, 4))
    starts = draw.uniform(8.0, 22.0, count) * 3600.0
    ends = starts + draw.uniform(30.0, 180.0, count) * 60.0
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
        spans.append(_uniform_span(draw, 18 * 60 + 30, 22 * 60 + 30, (60.0, 150.0)))
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
