"""Clock and sun routines: a person enters a state at about one local time, or sun time, daily.

Each (entity, state) is searched on three axes: the local minute of the day (clock), and the
minutes after sunrise and after sunset (sun). On each axis the window of +/- WINDOW_MINUTES
that the most days hit is found; the weekday set is chosen by a binomial test against the
chance that the entity's own onsets, spread at random over the day, hit the window. When a
sun and a clock candidate explain the same onsets, the sun wins only if its spread is
significantly smaller (Pitman-Morgan test for paired variances) and the sun time moved enough
over the history for the two to differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from analytics.chance import (
    MINUTES_PER_DAY,
    binomial_tail,
    circular_mean,
    circular_offset,
    circular_spread,
    paired_variance_p,
    window_chance,
)

RoutineKind = Literal["time", "sun"]
Axis = Literal["clock", "sunrise", "sunset"]

# A habit varies by a quarter of an hour or so; 30 min either side still catches it, and an
# onset further away than that is not "the same thing at the same time".
WINDOW_MINUTES: Final[int] = 30
# A person does not switch one entity into one state more often than this on a typical day;
# above it the entity is machine-driven (a sensor-like switch), and it is skipped outright.
MAX_DAILY_ONSETS: Final[float] = 48.0
# A routine must have been kept on at least this many days and on this share of its days.
MIN_DAYS_SEEN: Final[int] = 2
MIN_SHARE: Final[float] = 0.5
# ... and each weekday of its set on at least a third of that weekday's days (1 of 3).
MIN_DAY_SHARE: Final[float] = 1 / 3
# Screening level of the binomial test (after the weekday-set penalty). Replay on held-out
# days is the confirmation, so the screen may be lenient: a routine kept on its 2 days of
# the fitted weeks must still reach replay.
SCREEN_ALPHA: Final[float] = 0.01
# The best of a day's windows was picked, about 1440 / 61 independent ones: a routine shown
# as a pattern on its own (without a replay that confirmed it) must pass the screen after
# paying for that choice too.
WINDOWS_PER_DAY: Final[float] = 1440 / (2 * WINDOW_MINUTES + 1)
# Sun routines need the sun time to have moved this much over the observed days; with less,
# clock and sun explain the onsets equally well and the simpler clock routine is kept.
MIN_SUN_SWING_MINUTES: Final[float] = 20.0
# One-sided Pitman-Morgan level for "the sun offset's spread is smaller than the clock's".
SUN_ALPHA: Final[float] = 0.01
MAX_ROUTINES_PER_STATE: Final[int] = 3

EVERY_DAY: Final[tuple[int, ...]] = (0, 1, 2, 3, 4, 5, 6)
WEEKDAYS: Final[tuple[int, ...]] = (0, 1, 2, 3, 4)
WEEKENDS: Final[tuple[int, ...]] = (5, 6)

DAYS_SCHEMA: Final[dict[str, pl.DataType]] = {
    "local_date": pl.Date(),
    "weekday": pl.Int8(),
    "sunrise": pl.Float64(),
    "sunset": pl.Float64(),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class DailyRoutine:
    """A state entered near one clock or sun time on a set of weekdays."""

    kind: RoutineKind
    entity_id: str
    state: str
    weekdays: tuple[int, ...]  # 0 = Monday
    minute: float  # clock: local minute of the day; sun: mean local minute (for display)
    event: Literal["sunrise", "sunset"] | None  # sun routines only
    offset_minutes: float | None  # sun routines only: minutes after (negative: before) event
    spread_minutes: float  # sd of the kept onsets around the routine (on its own axis)
    clock_spread_minutes: float  # sd of the same onsets around their clock time
    days_seen: int
    days_observed: int
    chance_share: float  # share of days expected to hit the window by luck
    p_value: float  # binomial tail, weekday-set penalty applied
    significant: bool  # p_value * WINDOWS_PER_DAY <= SCREEN_ALPHA: a pattern even unreplayed
    sun_p_value: float | None  # Pitman-Morgan p when sun and clock competed
    # A sun routine the fitted days cannot tell from its clock twin (the sun hardly moved):
    # both go to replay, where a DST change or the season may settle it; if both pass, the
    # clock routine is kept.
    tied_with_clock: bool = False
    marks: tuple[tuple[date, float], ...]  # (local day, local minute) of each kept onset


@dataclass(frozen=True, slots=True)
class _Candidate:
    axis: Axis
    centre: float
    weekdays: tuple[int, ...]
    p_value: float
    chance: float
    hits: int
    trials: int
    chosen: npt.NDArray[np.int64]  # onset index per day, -1 where the day has none


def _day_mask(weekdays: tuple[int, ...]) -> npt.NDArray[np.bool_]:
    mask = np.zeros(7, dtype=bool)
    mask[list(weekdays)] = True
    return mask


def _weekday_sets(
    shares: npt.NDArray[np.float64], present: npt.NDArray[np.bool_]
) -> list[tuple[tuple[int, ...], float]]:
    # Each family of sets pays for the number of sets it could have chosen (Bonferroni).
    sets: list[tuple[tuple[int, ...], float]] = [(EVERY_DAY, 3.0), (WEEKDAYS, 3.0), (WEEKENDS, 3.0)]
    sets += [((d,), 7.0) for d in range(7)]
    free = tuple(d for d in range(7) if present[d] and shares[d] >= MIN_SHARE)
    if free and all(free != s for s, _ in sets):
        sets.append((free, 127.0))
    # A set may only hold weekdays on which the routine was kept at times: "weekends" for a
    # Saturday-only habit would fire every Sunday for nothing.
    return [
        (days, penalty)
        for days, penalty in sets
        if all(shares[d] >= MIN_DAY_SHARE for d in days if present[d])
    ]


def _anchored(
    values: npt.NDArray[np.float64],
    centre: float,
    day_of: npt.NDArray[np.int64],
    days: npt.NDArray[np.int64],
    axis: Axis,
) -> npt.NDArray[np.int64]:
    # The day an onset keeps the routine for: 00:03 keeps the 23:58 routine of the day before.
    # Returns an index into ``days`` (date ordinals), -1 when that day was not observed.
    if axis != "clock":
        return day_of
    raw = np.nan_to_num(values) - centre
    shift = np.rint((raw - circular_offset(np.nan_to_num(values), centre)) / MINUTES_PER_DAY)
    target = days[day_of] + shift.astype(np.int64)
    index = np.clip(np.searchsorted(days, target), 0, days.size - 1)
    return np.where(days[index] == target, index, -1).astype(np.int64)


def _best_window(
    values: npt.NDArray[np.float64],
    day_of: npt.NDArray[np.int64],
    live: npt.NDArray[np.bool_],
    weekday: npt.NDArray[np.int64],
    daily: npt.NDArray[np.float64],
    days: npt.NDArray[np.int64],
    axis: Axis,
) -> _Candidate | None:
    n_days = weekday.size
    offsets = np.arange(-WINDOW_MINUTES, WINDOW_MINUTES + 1)
    ok = live & np.isfinite(values)
    if not ok.any():
        return None
    base = np.floor(values[ok]).astype(np.int64)
    cover = np.zeros((n_days, int(MINUTES_PER_DAY)), dtype=bool)
    cols = (base[:, None] + offsets[None, :]) % int(MINUTES_PER_DAY)
    cover[np.repeat(day_of[ok], offsets.size), cols.ravel()] = True
    counts = cover.sum(axis=0)
    left = int(np.argmax(counts))
    right = left
    while right + 1 < counts.size and counts[right + 1] == counts[left]:
        right += 1
    centre = float((left + right) // 2)
    near = ok & (np.abs(circular_offset(np.nan_to_num(values), centre)) <= WINDOW_MINUTES)
    anchored = _anchored(values, centre, day_of, days, axis)
    near &= anchored >= 0
    hit_day = np.zeros(n_days, dtype=bool)
    hit_day[anchored[near]] = True
    # Per weekday: observed days, days that hit, and summed chance of a hit.
    trials_wd = np.bincount(weekday, minlength=7).astype(np.float64)
    hits_wd = np.bincount(weekday, weights=hit_day.astype(np.float64), minlength=7)
    chance_wd = np.bincount(
        weekday, weights=window_chance(daily, 2 * WINDOW_MINUTES + 1), minlength=7
    )
    present = trials_wd > 0
    shares = np.divide(hits_wd, trials_wd, out=np.zeros(7), where=present)
    best: _Candidate | None = None
    for day_set, penalty in _weekday_sets(shares, present):
        mask = _day_mask(day_set)
        trials = int(trials_wd[mask].sum())
        hits = int(hits_wd[mask].sum())
        if trials == 0 or hits < MIN_DAYS_SEEN or hits / trials < MIN_SHARE:
            continue
        chance = float(chance_wd[mask].sum()) / trials
        p = min(1.0, binomial_tail(hits, trials, chance) * penalty)
        if best is None or p < best.p_value:
            best = _Candidate(axis, centre, day_set, p, chance, hits, trials, np.empty(0, np.int64))
    if best is None or best.p_value > SCREEN_ALPHA:
        return None
    # Per day keep the one onset closest to the centre (chatty entities count once a day).
    near &= _day_mask(best.weekdays)[weekday[np.maximum(anchored, 0)]]
    index = np.flatnonzero(near)
    gaps = np.abs(circular_offset(values[index], centre))
    order = np.lexsort((gaps, anchored[index]))
    days_sorted = anchored[index][order]
    _, first = np.unique(days_sorted, return_index=True)
    chosen = np.full(n_days, -1, dtype=np.int64)
    chosen[days_sorted[first]] = index[order][first]
    return _Candidate(
        axis, centre, best.weekdays, best.p_value, best.chance, best.hits, best.trials, chosen
    )


@dataclass(frozen=True, slots=True)
class _Days:
    """The observed days as arrays, computed once for every (entity, state)."""

    dates: list[date]
    weekday: npt.NDArray[np.int64]
    ordinals: npt.NDArray[np.int64]
    sun: dict[str, npt.NDArray[np.float64]]  # "sunrise"/"sunset": local minute, nan if none
    swing: dict[str, float]  # how far each sun time moved over the days, in minutes

    @classmethod
    def of(cls, days: pl.DataFrame) -> _Days:
        dates: list[date] = days.get_column("local_date").to_list()
        sun = {
            axis: days.get_column(axis).cast(pl.Float64).fill_null(np.nan).to_numpy()
            for axis in ("sunrise", "sunset")
        }
        swing = {
            axis: float(np.nanmax(v) - np.nanmin(v)) if np.isfinite(v).sum() > 1 else 0.0
            for axis, v in sun.items()
        }
        return cls(
            dates=dates,
            weekday=days.get_column("weekday").to_numpy().astype(np.int64),
            ordinals=np.array([d.toordinal() for d in dates], dtype=np.int64),
            sun=sun,
            swing=swing,
        )


def _routine(
    cand: _Candidate,
    entity_id: str,
    state: str,
    minute: npt.NDArray[np.float64],
    values: npt.NDArray[np.float64],
    dates: list[date],
    sun_p: float | None,
    *,
    tied: bool = False,
) -> DailyRoutine:
    kept = cand.chosen[cand.chosen >= 0]
    clock = minute[kept]
    axis_values = values[kept]
    offsets = circular_offset(axis_values, 0.0)  # sun offsets live in -720..720
    is_sun = cand.axis != "clock"
    return DailyRoutine(
        kind="sun" if is_sun else "time",
        entity_id=entity_id,
        state=state,
        weekdays=cand.weekdays,
        minute=circular_mean(clock),
        event=None if cand.axis == "clock" else cand.axis,
        offset_minutes=float(offsets.mean()) if is_sun else None,
        spread_minutes=float(offsets.std(ddof=1))
        if is_sun and kept.size > 1
        else circular_spread(clock),
        clock_spread_minutes=circular_spread(clock),
        days_seen=cand.hits,
        days_observed=cand.trials,
        chance_share=cand.chance,
        p_value=cand.p_value,
        significant=cand.p_value * WINDOWS_PER_DAY <= SCREEN_ALPHA,
        sun_p_value=sun_p,
        tied_with_clock=tied,
        marks=tuple((dates[int(d)], float(minute[i])) for d, i in enumerate(cand.chosen) if i >= 0),
    )


def _sun_beats_clock(
    sun: _Candidate, minute: npt.NDArray[np.float64], values: npt.NDArray[np.float64]
) -> float:
    kept = sun.chosen[sun.chosen >= 0]
    clock = circular_offset(minute[kept], circular_mean(minute[kept]))
    offset = circular_offset(values[kept], circular_mean(values[kept]))
    return paired_variance_p(clock, offset)


def _search(
    values: npt.NDArray[np.float64],
    day_of: npt.NDArray[np.int64],
    weekday: npt.NDArray[np.int64],
    daily: npt.NDArray[np.float64],
    days: npt.NDArray[np.int64],
    axis: Axis,
) -> list[_Candidate]:
    live = np.ones(values.size, dtype=bool)
    found: list[_Candidate] = []
    while len(found) < MAX_ROUTINES_PER_STATE and live.any():
        cand = _best_window(values, day_of, live, weekday, daily, days, axis)
        if cand is None:
            break
        found.append(cand)
        near = np.abs(circular_offset(np.nan_to_num(values), cand.centre)) <= WINDOW_MINUTES
        live &= ~(near & _day_mask(cand.weekdays)[weekday[day_of]])
    return found


def _overlap(a: _Candidate, b: _Candidate) -> bool:
    both = ((a.chosen >= 0) & (a.chosen == b.chosen)).sum()
    return bool(both * 2 >= min((a.chosen >= 0).sum(), (b.chosen >= 0).sum()))


def _routines_of(
    entity_id: str,
    state: str,
    day_of: npt.NDArray[np.int64],
    minute: npt.NDArray[np.float64],
    days: _Days,
) -> list[DailyRoutine]:
    dates = days.dates
    daily = np.bincount(day_of, minlength=len(dates)).astype(np.float64)
    if float(np.median(daily)) > MAX_DAILY_ONSETS:
        return []
    weekday, ordinals = days.weekday, days.ordinals
    clocks = _search(minute, day_of, weekday, daily, ordinals, "clock")
    suns: list[tuple[_Candidate, npt.NDArray[np.float64], float | None, float]] = []
    used: set[int] = set()
    for axis in ("sunrise", "sunset"):
        tied = days.swing[axis] < MIN_SUN_SWING_MINUTES
        values = np.asarray((minute - days.sun[axis][day_of]) % MINUTES_PER_DAY, dtype=np.float64)
        for sun in _search(values, day_of, weekday, daily, ordinals, axis):
            kept = sun.chosen[sun.chosen >= 0]
            spread = circular_spread(values[kept])
            if tied:
                if any(_overlap(sun, c) for c in clocks):
                    suns.append((sun, values, None, spread))
                continue
            p = _sun_beats_clock(sun, minute, values)
            if p <= SUN_ALPHA:
                suns.append((sun, values, p, spread))
    results: list[DailyRoutine] = []
    # The same onsets can follow sunrise and sunset at once (both drift); the tighter wins.
    chosen_suns: list[_Candidate] = []
    for sun, values, won, _spread in sorted(suns, key=lambda item: (item[2] is None, item[3])):
        if any(_overlap(sun, other) for other in chosen_suns):
            continue
        chosen_suns.append(sun)
        if won is not None:
            used.update(i for i, c in enumerate(clocks) if _overlap(sun, c))
        results.append(
            _routine(sun, entity_id, state, minute, values, dates, won, tied=won is None)
        )
    for i, clock in enumerate(clocks):
        if i not in used:
            results.append(_routine(clock, entity_id, state, minute, minute, dates, None))
    return results


def daily_routines(onsets: pl.DataFrame, days: pl.DataFrame) -> list[DailyRoutine]:
    """Return every clock/sun routine in ``onsets`` (manual target onsets, ONSET_SCHEMA).

    Only onsets on ``days`` (DAYS_SCHEMA: the active observed days) count; strongest first.
    """
    found: list[DailyRoutine] = []
    if onsets.height == 0 or days.height == 0:
        return found
    arrays = _Days.of(days)
    index = pl.DataFrame(
        {"local_date": arrays.dates, "day": np.arange(len(arrays.dates), dtype=np.int64)},
        schema={"local_date": pl.Date(), "day": pl.Int64()},
    )
    # One onset per minute: bursts of reports within a minute are one action.
    frame = (
        onsets.select("entity_id", "state", "local_date", "minute")
        .join(index, on="local_date")
        .unique(subset=["entity_id", "state", "day", pl.col("minute").floor()], keep="first")
        .sort("entity_id", "state", "day", "minute")
    )
    for (entity_id, state), group in frame.partition_by(
        ["entity_id", "state"], as_dict=True, maintain_order=True
    ).items():
        found.extend(
            _routines_of(
                str(entity_id),
                str(state),
                group.get_column("day").to_numpy(),
                group.get_column("minute").to_numpy().astype(np.float64),
                arrays,
            )
        )
    return sorted(found, key=lambda r: (r.p_value, r.entity_id))
