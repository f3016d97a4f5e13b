"""Behaviour patterns in state histories: daily routines at a local time, and A-follows-B.

Both work on the moments an entity *enters* a state (its onsets), so a light reported "on"
every minute counts once per switch-on, not once per report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from analytics.errors import InsufficientData

MINUTES_PER_DAY: Final[int] = 1440
WEEKDAY_NAMES: Final[tuple[str, ...]] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeRoutine:
    """A state entered at about the same local time on some weekdays."""

    minute: float  # mean local minute of the day of the in-window onsets (405.0 = 06:45)
    spread_minutes: float  # standard deviation of those onsets around ``minute``
    weekdays: tuple[int, ...]  # 0 = Monday .. 6 = Sunday, the days that keep the routine
    share: float  # of the observed days with those weekdays, the fraction that kept it
    occurrences: int  # days (of those weekdays) with an onset inside the window
    days_observed: int  # days with those weekdays in the observed span
    tolerance_minutes: int

    @property
    def clock(self) -> str:
        """Return the routine's local time as ``HH:MM``."""
        whole = round(self.minute) % MINUTES_PER_DAY
        return f"{whole // 60:02d}:{whole % 60:02d}"

    @property
    def weekday_names(self) -> str:
        """Return the routine's weekdays as short names, ``Mon, Tue, ...``."""
        return ", ".join(WEEKDAY_NAMES[d] for d in self.weekdays)


@dataclass(frozen=True, slots=True, kw_only=True)
class Follows:
    """How often a follower enters its state within ``within_s`` after a trigger does."""

    triggers: int  # trigger onsets while the follower was not in its state already
    already_in_state: int  # trigger onsets skipped: the follower could not switch, it was on
    followed: int  # trigger onsets answered by a follower onset within [0, within_s] s
    rate: float  # followed / triggers
    chance_rate: float  # rate expected if follower onsets were spread at random in time
    lift: float  # rate / chance_rate (inf when the follower never switches by chance)
    median_delay_s: float | None
    p90_delay_s: float | None
    within_s: float


def state_onsets(states: pl.DataFrame, *, state: str) -> pl.DataFrame:
    """Return ``time`` of each row where ``state`` begins (the previous row differs).

    The first row is not an onset: a history read from a range starts with whatever state
    was current then, which is not a switch that happened in the range.
    """
    missing = [c for c in ("time", "state") if c not in states.columns]
    if missing:
        raise InsufficientData(f"state_onsets needs columns {', '.join(missing)}")
    frame = states.select("time", "state").drop_nulls("time").sort("time")
    previous = pl.col("state").shift(1)
    return frame.filter(
        (pl.col("state") == state) & previous.is_not_null() & (previous != state)
    ).select("time")


def _local_day_minute(onsets: pl.DataFrame, tz: str, first_day: date) -> pl.DataFrame:
    local = pl.col("time").dt.convert_time_zone(tz)
    return onsets.select(
        (local.dt.date() - pl.lit(first_day)).dt.total_days().cast(pl.Int64).alias("day"),
        (local.dt.hour().cast(pl.Int64) * 60 + local.dt.minute().cast(pl.Int64)).alias("minute"),
    )


def _circular_offset(minutes: npt.NDArray[np.int64], centre: float) -> npt.NDArray[np.float64]:
    # Signed distance on the 24 h clock, so 23:58 and 00:03 are 5 minutes apart.
    raw = (minutes - centre + MINUTES_PER_DAY / 2) % MINUTES_PER_DAY - MINUTES_PER_DAY / 2
    return np.asarray(raw, dtype=np.float64)


def _plateau_centre(counts: npt.NDArray[np.int64]) -> int:
    # argmax gives the left edge of a run of equally good minutes; its middle is the habit.
    left = int(np.argmax(counts))
    right = left
    while right + 1 < counts.size and counts[right + 1] == counts[left]:
        right += 1
    return (left + right) // 2


def time_of_day_routines(
    states: pl.DataFrame,
    *,
    state: str = "on",
    tz: str,
    tolerance_minutes: int = 15,
    min_share: float = 0.7,
    min_occurrences: int = 4,
    max_routines: int = 3,
) -> list[TimeRoutine]:
    """Return the routines of ``time, state``: onsets within ± tolerance of one local time.

    For each minute of the day the days with an onset within ``tolerance_minutes`` are
    counted; the best minute wins, and the weekdays on which at least ``min_share`` of the
    observed days had such an onset are the routine's weekdays. Local time (``tz``) is used
    so a 06:45 habit stays 06:45 across daylight-saving changes. The covered onsets are then
    removed and the search repeats, up to ``max_routines``. Strongest routine first; an empty
    list means no routine.
    """
    onsets = state_onsets(states, state=state)
    if onsets.height == 0:
        raise InsufficientData(
            f"no switch into state {state!r} in this range; pick an entity that changes to "
            f"{state!r} or a longer range"
        )
    observed = states.select(pl.col("time").dt.convert_time_zone(tz).dt.date()).to_series()
    first_day: date = observed.min()  # type: ignore[assignment]
    last_day: date = observed.max()  # type: ignore[assignment]
    span_weekdays = np.array(
        [(first_day + timedelta(days=i)).weekday() for i in range((last_day - first_day).days + 1)]
    )
    local = _local_day_minute(onsets, tz, first_day)
    day_index = local["day"].to_numpy()
    minutes = local["minute"].to_numpy()

    routines: list[TimeRoutine] = []
    offsets = np.arange(-tolerance_minutes, tolerance_minutes + 1)
    live = np.ones(minutes.size, dtype=bool)
    while len(routines) < max_routines and live.any():
        # cover[day, minute]: that day had an onset within tolerance of that minute.
        cover = np.zeros((span_weekdays.size, MINUTES_PER_DAY), dtype=bool)
        idx = (minutes[live][:, None] + offsets[None, :]) % MINUTES_PER_DAY
        cover[np.repeat(day_index[live], offsets.size), idx.ravel()] = True
        best = _plateau_centre(cover.sum(axis=0))
        kept_days = cover[:, best]
        weekdays = tuple(
            wd
            for wd in range(7)
            if (span_weekdays == wd).any() and kept_days[span_weekdays == wd].mean() >= min_share
        )
        if not weekdays:
            break
        near = live & (np.abs(_circular_offset(minutes, best)) <= tolerance_minutes)
        members = near & np.isin(span_weekdays[day_index], weekdays)
        offsets_min = _circular_offset(minutes[members], best)
        routine_days = np.isin(span_weekdays, weekdays)
        occurrences = int((kept_days & routine_days).sum())
        if occurrences < min_occurrences:
            break
        routines.append(
            TimeRoutine(
                minute=(best + float(offsets_min.mean())) % MINUTES_PER_DAY,
                spread_minutes=float(offsets_min.std()),
                weekdays=weekdays,
                share=occurrences / int(routine_days.sum()),
                occurrences=occurrences,
                days_observed=int(routine_days.sum()),
                tolerance_minutes=tolerance_minutes,
            )
        )
        live &= ~near
    return routines


def follows(
    trigger: pl.DataFrame,
    follower: pl.DataFrame,
    *,
    trigger_state: str = "on",
    follower_state: str = "on",
    within_s: float = 30.0,
) -> Follows:
    """Return how often ``follower`` enters its state within ``within_s`` of ``trigger`` doing so.

    Both frames are ``time, state`` histories. Trigger onsets that find the follower in its
    state already are left out (a light that is on cannot switch on again); each other one
    is matched to the first follower onset at or after it. ``chance_rate`` is what the same
    number of follower onsets spread at random over the observed span would give:
    1 - exp(-onset rate x within_s).
    """
    trig = state_onsets(trigger, state=trigger_state)
    if trig.height == 0:
        raise InsufficientData(
            f"the trigger never switches to {trigger_state!r} in this range; pick another "
            "trigger entity or a longer range"
        )
    foll = state_onsets(follower, state=follower_state)
    current = follower.select("time", pl.col("state").alias("follower_state")).sort("time")
    with_state = trig.join_asof(current, on="time", strategy="backward", allow_exact_matches=False)
    trig = with_state.filter(pl.col("follower_state").ne_missing(follower_state)).select("time")
    already = with_state.height - trig.height
    if trig.height == 0:
        raise InsufficientData(
            f"the follower was already {follower_state!r} at every trigger onset; pick a "
            "follower that is off when the trigger fires, or a longer range"
        )
    joined = trig.join_asof(
        foll.with_columns(pl.col("time").alias("follow_time")),
        on="time",
        strategy="forward",
        tolerance=f"{round(within_s * 1_000_000)}us",
    )
    delays = joined.drop_nulls("follow_time").select(
        ((pl.col("follow_time") - pl.col("time")).dt.total_microseconds() / 1e6).alias("s")
    )
    times = pl.concat([trigger.select("time"), follower.select("time")])
    span_us = times.select((pl.col("time").max() - pl.col("time").min()).dt.total_microseconds())
    span_s = float(span_us.item() or 0) / 1e6
    per_s = foll.height / span_s if span_s > 0 else 0.0
    chance = 1.0 - float(np.exp(-per_s * within_s))
    followed = delays.height
    summary = delays.select(pl.col("s").median().alias("median"), pl.col("s").quantile(0.9))
    rate = followed / trig.height
    return Follows(
        triggers=trig.height,
        already_in_state=already,
        followed=followed,
        rate=rate,
        chance_rate=chance,
        lift=rate / chance if chance > 0 else float("inf"),
        median_delay_s=float(summary["median"].item()) if followed else None,
        p90_delay_s=float(summary["s"].item()) if followed else None,
        within_s=within_s,
    )
