"""Replay a candidate automation over held-out days: when it would have fired, and whether
the person did the same thing then.

Nothing here was used to fit the candidate: the days are the most recent ones, kept aside.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from analytics.chance import binomial_tail, wilson_lower, window_chance
from automations.candidate import Candidate

HOLDOUT_DAYS: Final[int] = 14
# "The person did the same thing" = the same state entered within 10 minutes of the firing.
MATCH_S: Final[float] = 600.0

_TIME = pl.Datetime("us", "UTC")


@dataclass(frozen=True, slots=True, kw_only=True)
class Replay:
    """What the candidate would have done on the held-out days."""

    days: int  # held-out days the household was active
    fired: int  # N: firings (follows: only those that found the target not in the state)
    noop: int  # firings that found the target in the state already (10 min before, clock)
    matched: int  # M: firings the person matched within the match window
    actions: int  # K: the person's own onsets into the state
    covered: int  # M': of those, how many a firing would have done
    chance_precision: float  # precision a random entity with the same onset count would get
    p_value: float  # binomial tail of ``matched`` against ``chance_precision``
    match_s: float

    @property
    def precision(self) -> float:
        """Return M / N (0 when it never fired)."""
        return self.matched / self.fired if self.fired else 0.0

    @property
    def recall(self) -> float:
        """Return M' / K (0 when the person never acted)."""
        return self.covered / self.actions if self.actions else 0.0

    @property
    def confidence(self) -> float:
        """Return the 95 % Wilson lower bound of the replay precision."""
        return wilson_lower(self.matched, self.fired)

    def evidence(self) -> dict[str, Any]:
        """Return the replay numbers as plain JSON values."""
        return {
            "replay_days": self.days,
            "replay_fired": self.fired,
            "replay_noop": self.noop,
            "replay_matched": self.matched,
            "replay_precision": round(self.precision, 3),
            "replay_actions": self.actions,
            "replay_covered": self.covered,
            "replay_recall": round(self.recall, 3),
            "replay_chance_precision": round(self.chance_precision, 4),
            "replay_p_value": self.p_value,
            "replay_match_s": self.match_s,
        }


def _fire_times(candidate: Candidate, days: pl.DataFrame, time_zone: str) -> list[datetime]:
    zone = ZoneInfo(time_zone)
    fires: list[datetime] = []
    for row in days.iter_rows(named=True):  # one row per held-out day (at most 14)
        if candidate.kind != "trigger" and int(row["weekday"]) not in candidate.weekdays:
            continue
        day: date = row["local_date"]
        if candidate.kind == "time" and candidate.local_minute is not None:
            minute: float | None = float(candidate.local_minute)
        elif candidate.kind == "sun" and candidate.event is not None:
            sun = row[candidate.event]
            minute = None if sun is None else float(sun) + (candidate.offset_minutes or 0)
        else:
            minute = None
        if minute is None or not 0 <= minute < 1440:
            continue
        local = datetime.combine(day, time(0), tzinfo=zone) + timedelta(minutes=minute)
        fires.append(local.astimezone(UTC))
    return fires


def _state_before(fires: pl.DataFrame, history: pl.DataFrame, lead_s: float) -> pl.Series:
    probe = fires.with_columns((pl.col("fire") - pl.duration(seconds=lead_s)).alias("probe"))
    states = history.select(pl.col("time").alias("probe"), pl.col("state").alias("before"))
    joined = probe.sort("probe").join_asof(
        states.sort("probe"), on="probe", strategy="backward", allow_exact_matches=False
    )
    return joined.sort("fire").get_column("before")


def replay(
    candidate: Candidate, onsets: pl.DataFrame, days: pl.DataFrame, *, time_zone: str
) -> Replay:
    """Return the replay of ``candidate`` over ``days`` (DAYS_SCHEMA, held-out active days).

    ``onsets`` (ONSET_SCHEMA) cover the held-out days; automated onsets count for the
    target's state but never as the person doing the same thing.
    """
    active = days.get_column("local_date").to_list()
    mine = onsets.filter(pl.col("entity_id") == candidate.entity_id)
    manual = mine.filter(
        (pl.col("state") == candidate.to_state)
        & ~pl.col("automated")
        & pl.col("local_date").is_in(active)
    ).sort("time")
    if candidate.kind == "trigger":
        window = min(candidate.window_s or MATCH_S, MATCH_S)
        fire_frame = (
            onsets.filter(
                (pl.col("entity_id") == candidate.trigger_entity_id)
                & (pl.col("state") == candidate.trigger_to_state)
                & pl.col("local_date").is_in(active)
            )
            .select(pl.col("time").alias("fire"))
            .sort("fire")
        )
        lead_s = 0.0
    else:
        window = MATCH_S
        fire_frame = pl.DataFrame(
            {"fire": _fire_times(candidate, days, time_zone)}, schema={"fire": _TIME}
        ).sort("fire")
        lead_s = MATCH_S
    before = _state_before(fire_frame, mine, lead_s)
    idle = (before == candidate.to_state).fill_null(False)
    noop = int(idle.sum())
    # A follows automation fires on every trigger, but while the target is in the state it
    # can do nothing and the person has nothing to do: such firings are left out. A clock
    # firing on a target already in the state means the habit is at another time: it counts.
    live = fire_frame.filter(~idle) if candidate.kind == "trigger" else fire_frame
    acts = manual.select(pl.col("time").alias("act"))
    tol = f"{int(window * 1_000_000)}us"
    if candidate.kind == "trigger":
        hit = live.join_asof(
            acts.with_columns(pl.col("act").alias("fire")),
            on="fire",
            strategy="forward",
            tolerance=tol,
            allow_exact_matches=False,
        )
        cover = acts.join_asof(
            live.with_columns(pl.col("fire").alias("act")),
            on="act",
            strategy="backward",
            tolerance=tol,
            allow_exact_matches=False,
        )
    else:
        hit = live.join_asof(
            acts.with_columns(pl.col("act").alias("fire")),
            on="fire",
            strategy="nearest",
            tolerance=tol,
        )
        cover = acts.join_asof(
            live.with_columns(pl.col("fire").alias("act")),
            on="act",
            strategy="nearest",
            tolerance=tol,
        )
    matched = int(hit.get_column("act").is_not_null().sum()) if live.height else 0
    covered = int(cover.get_column("fire").is_not_null().sum()) if acts.height else 0
    chance = _chance(candidate, manual, live, len(active), window, time_zone)
    return Replay(
        days=len(active),
        fired=live.height,
        noop=noop,
        matched=matched,
        actions=acts.height,
        covered=covered,
        chance_precision=chance,
        p_value=binomial_tail(matched, live.height, chance),
        match_s=window,
    )


def _chance(
    candidate: Candidate,
    manual: pl.DataFrame,
    live: pl.DataFrame,
    n_days: int,
    window_s: float,
    time_zone: str,
) -> float:
    if live.height == 0 or n_days == 0:
        return 0.0
    if candidate.kind == "trigger":
        # The person's onsets at their own average rate, independent of the trigger.
        per_s = manual.height / (n_days * 86_400.0)
        return 1.0 - math.exp(-per_s * window_s)
    # For a clock firing: the chance that the day's own onsets, spread over 24 h, fall
    # within +-window of it.
    fire_days = live.select(pl.col("fire").dt.convert_time_zone(time_zone).dt.date().alias("d"))
    counts = manual.group_by(pl.col("local_date").alias("d")).len()
    per_day = fire_days.join(counts, on="d", how="left").get_column("len").fill_null(0)
    chances = window_chance(per_day.to_numpy().astype(np.float64), 2 * window_s / 60.0)
    return float(chances.mean())
