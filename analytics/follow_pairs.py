"""Follows: a person makes B enter S_b within a short delay after A enters S_a.

A is a motion/door/presence sensor, a person or tracker, a button, or another switched
entity; B is an entity a person switches, and only B's manual onsets count. The chance rate
comes from the same trigger onsets matched against B's onsets moved by whole days (same
time of day, other days): what B would "follow" if it ignored A but kept its daily rhythm.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

from analytics.chance import poisson_tail

# A person reacting to a door, a motion sensor or a button does so within two minutes; a
# longer window mostly collects unrelated switching.
FOLLOW_WINDOW_S: Final[float] = 120.0
# A trigger noisier than this (onsets on a typical day) is a machine, not a person's signal;
# it is left out, which also keeps the pair join small on a flood of changes.
MAX_TRIGGER_DAILY: Final[float] = 300.0
# A light answering a busy hallway's motion is switched dozens of times a day; well beyond
# that a "follower" is a device driven by something else, not a person answering A.
MAX_FOLLOWER_DAILY: Final[float] = 150.0
# A pair must have been seen this often, on this many days, to be worth testing.
MIN_FOLLOWED: Final[int] = 5
MIN_FOLLOW_DAYS: Final[int] = 3
# B must follow on this share of the trigger onsets it could answer (it was not in S_b).
MIN_RATE: Final[float] = 0.3
# ... and this many times as often as on other days at the same time of day.
MIN_LIFT: Final[float] = 3.0
SCREEN_ALPHA: Final[float] = 0.01
# Triggers per follower that reach the day-shift test (sensors in one room fire together).
MAX_TRIGGERS_TESTED: Final[int] = 5
# Whole-day shifts of B used for the chance rate: +-1..3 days keeps the weekly rhythm close.
DAY_SHIFTS: Final[tuple[int, ...]] = (-3, -2, -1, 1, 2, 3)


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowPair:
    """B entering ``state`` after A entering ``trigger_state``, with its chance rate."""

    trigger_entity_id: str
    trigger_state: str
    entity_id: str
    state: str
    triggers: int  # A onsets that found B not in its state (B could answer)
    already_in_state: int  # A onsets that found B in its state already
    followed: int  # of ``triggers``, answered by a manual B onset within ``window_s``
    days_seen: int
    rate: float
    chance_rate: float  # same, with B's onsets moved by whole days
    lift: float
    p_value: float  # Poisson tail of ``followed`` against the chance expectation
    median_delay_s: float
    p90_delay_s: float
    delays_s: tuple[float, ...]
    window_s: float


def _quiet(onsets: pl.DataFrame, cap: float, n_days: int) -> pl.DataFrame:
    # Keep (entity, state) series whose mean daily count is at most ``cap``.
    counts = onsets.group_by("entity_id", "state").len()
    keep = counts.filter(pl.col("len") <= cap * max(n_days, 1)).select("entity_id", "state")
    return onsets.join(keep, on=["entity_id", "state"], how="semi")


def _candidate_pairs(trig: pl.DataFrame, foll: pl.DataFrame, n_days: int) -> pl.DataFrame:
    # Bucket both sides by the window width; a follower onset can only follow a trigger
    # onset in its own or the previous bucket.
    width_us = int(FOLLOW_WINDOW_S * 1_000_000)
    bucket = (pl.col("time").dt.epoch("us") // width_us).alias("bucket")
    t = trig.select(
        pl.col("entity_id").alias("a"),
        pl.col("state").alias("sa"),
        pl.col("time").alias("ta"),
        bucket,
    )
    f = foll.select(
        pl.col("entity_id").alias("b"),
        pl.col("state").alias("sb"),
        pl.col("time").alias("tb"),
        pl.col("local_date"),
        pl.concat_list(bucket, bucket - 1).alias("bucket"),
    ).explode("bucket")
    joined = f.join(t, on="bucket").filter(
        (pl.col("a") != pl.col("b"))
        & (pl.col("tb") > pl.col("ta"))
        & ((pl.col("tb") - pl.col("ta")).dt.total_microseconds() <= width_us)
    )
    pairs = (
        joined.group_by("a", "sa", "b", "sb")
        .agg(pl.col("ta").n_unique().alias("n"), pl.col("local_date").n_unique().alias("days"))
        .filter((pl.col("n") >= MIN_FOLLOWED) & (pl.col("days") >= MIN_FOLLOW_DAYS))
    )
    if pairs.height == 0:
        return pairs
    # A first, cheap chance screen: B's onsets spread evenly over the days. It ignores daily
    # rhythm (the day-shift test below does not), so it only drops pairs no better than
    # coincidence between two busy entities; the survivors get the real test.
    n_a = trig.group_by(pl.col("entity_id").alias("a"), pl.col("state").alias("sa")).len("n_a")
    n_b = foll.group_by(pl.col("entity_id").alias("b"), pl.col("state").alias("sb")).len("n_b")
    span_s = max(n_days, 1) * 86_400.0
    pairs = (
        pairs.join(n_a, on=["a", "sa"])
        .join(n_b, on=["b", "sb"])
        .with_columns(
            (
                pl.col("n_a")
                * (1 - (-pl.col("n_b").cast(pl.Float64) * FOLLOW_WINDOW_S / span_s).exp())
            ).alias("expected")
        )
        .filter(pl.col("n") >= MIN_LIFT * pl.col("expected"))
    )
    p = [
        poisson_tail(int(n), float(e))
        for n, e in zip(pairs.get_column("n"), pairs.get_column("expected"), strict=True)
    ]
    pairs = pairs.with_columns(pl.Series("p", p)).filter(pl.col("p") <= SCREEN_ALPHA)
    # Only the best few triggers of each follower go on: one is kept in the end.
    return (
        pairs.sort("p")
        .group_by("b", "sb", maintain_order=True)
        .head(MAX_TRIGGERS_TESTED)
        .select("a", "sa", "b", "sb")
    )


def _shifted(frame: pl.DataFrame, days: int) -> pl.DataFrame:
    return frame.with_columns(pl.col("ta") + pl.duration(days=days)) if days else frame


def _outcomes(
    a_onsets: pl.DataFrame, b_states: pl.DataFrame, b_manual: pl.DataFrame, shift_days: int
) -> pl.DataFrame:
    """Return per (pair, A onset): B's state before it and the delay to B's manual onset.

    B's whole timeline (states and manual onsets) is moved by ``shift_days``: with 0 this
    is what happened, otherwise what B's own daily rhythm gives by chance.
    """
    tolerance = f"{int(FOLLOW_WINDOW_S * 1_000_000)}us"
    with_state = a_onsets.join_asof(
        _shifted(b_states, shift_days),
        on="ta",
        by="b",
        strategy="backward",
        allow_exact_matches=False,
        check_sortedness=False,
    ).with_columns(pl.col("b_state").ne_missing(pl.col("sb")).alias("eligible"))
    answered = with_state.join_asof(
        _shifted(b_manual, shift_days).with_columns(pl.col("ta").alias("tb")),
        on="ta",
        by=["b", "sb"],
        strategy="forward",
        tolerance=tolerance,
        allow_exact_matches=False,
        check_sortedness=False,
    )
    return answered.with_columns(
        ((pl.col("tb") - pl.col("ta")).dt.total_microseconds() / 1e6).alias("delay")
    )


KEYS: Final[list[str]] = ["a", "sa", "b", "sb"]


def follow_pairs(onsets: pl.DataFrame, *, n_days: int) -> list[FollowPair]:
    """Return significant follows pairs in ``onsets`` (ONSET_SCHEMA over ``n_days`` days).

    Only manual onsets of target entities can be the follower; any trigger onset counts.
    One pair per follower (entity, state): the trigger it follows most significantly.
    """
    if onsets.height == 0:
        return []
    trig = _quiet(onsets.filter(pl.col("trigger")), MAX_TRIGGER_DAILY, n_days)
    foll = _quiet(
        onsets.filter(pl.col("target") & ~pl.col("automated")), MAX_FOLLOWER_DAILY, n_days
    )
    if trig.height == 0 or foll.height == 0:
        return []
    pairs = _candidate_pairs(trig, foll, n_days)
    if pairs.height == 0:
        return []
    a_onsets = (
        trig.select(
            pl.col("entity_id").alias("a"),
            pl.col("state").alias("sa"),
            pl.col("time").alias("ta"),
            "local_date",
        )
        .join(pairs.select(KEYS), on=["a", "sa"])
        .sort("ta")
    )
    followers = pairs.get_column("b").unique().to_list()
    # B's state before an A onset counts any B onset, automated ones too: an automation
    # that switched B on still leaves B on.
    b_states = (
        onsets.filter(pl.col("entity_id").is_in(followers))
        .select(
            pl.col("entity_id").alias("b"),
            pl.col("state").alias("b_state"),
            pl.col("time").alias("ta"),
        )
        .sort("ta")
    )
    b_manual = (
        foll.filter(pl.col("entity_id").is_in(followers))
        .select(
            pl.col("entity_id").alias("b"), pl.col("state").alias("sb"), pl.col("time").alias("ta")
        )
        .sort("ta")
    )
    real = _outcomes(a_onsets, b_states, b_manual, 0)
    observed = real.group_by(KEYS).agg(
        pl.col("eligible").sum().alias("triggers"),
        (~pl.col("eligible")).sum().alias("already"),
        (pl.col("eligible") & pl.col("delay").is_not_null()).sum().alias("followed"),
        pl.col("local_date")
        .filter(pl.col("eligible") & pl.col("delay").is_not_null())
        .n_unique()
        .alias("days_seen"),
        pl.col("delay").filter(pl.col("eligible")).drop_nulls().sort().alias("delays"),
    )
    # One shift at a time, summed: the shifted outcomes are never all in memory together.
    chance = (
        pl.concat(
            [
                _outcomes(a_onsets, b_states, b_manual, k)
                .group_by(KEYS)
                .agg(
                    pl.col("eligible").sum().alias("chance_triggers"),
                    (pl.col("eligible") & pl.col("delay").is_not_null()).sum().alias("chance_hits"),
                )
                for k in DAY_SHIFTS
            ]
        )
        .group_by(KEYS)
        .agg(pl.col("chance_triggers").sum(), pl.col("chance_hits").sum())
    )
    table = observed.join(chance, on=KEYS, how="left").with_columns(
        pl.col("chance_hits").fill_null(0), pl.col("chance_triggers").fill_null(0)
    )
    found = [pair for row in table.iter_rows(named=True) if (pair := _pair(row)) is not None]
    best: dict[tuple[str, str], FollowPair] = {}
    for pair in sorted(found, key=lambda p: (p.p_value, -p.lift)):
        best.setdefault((pair.entity_id, pair.state), pair)
    return sorted(best.values(), key=lambda p: (p.p_value, p.entity_id))


def _pair(row: dict[str, object]) -> FollowPair | None:
    triggers = int(row["triggers"])  # type: ignore[call-overload]
    followed = int(row["followed"])  # type: ignore[call-overload]
    if triggers == 0 or followed < MIN_FOLLOWED:
        return None
    # Half a hit added so that a B that never lines up by chance still has a finite lift.
    chance_trials = max(int(row["chance_triggers"]), 1)  # type: ignore[call-overload]
    chance_rate = (int(row["chance_hits"]) + 0.5) / (chance_trials + 1)  # type: ignore[call-overload]
    rate = followed / triggers
    lift = rate / chance_rate
    p_value = poisson_tail(followed, chance_rate * triggers)
    if rate < MIN_RATE or lift < MIN_LIFT or p_value > SCREEN_ALPHA:
        return None
    if int(row["days_seen"]) < MIN_FOLLOW_DAYS:  # type: ignore[call-overload]
        return None
    delays = [float(d) for d in row["delays"]]  # type: ignore[attr-defined]
    return FollowPair(
        trigger_entity_id=str(row["a"]),
        trigger_state=str(row["sa"]),
        entity_id=str(row["b"]),
        state=str(row["sb"]),
        triggers=triggers,
        already_in_state=int(row["already"]),  # type: ignore[call-overload]
        followed=followed,
        days_seen=int(row["days_seen"]),  # type: ignore[call-overload]
        rate=rate,
        chance_rate=min(chance_rate, 1.0),
        lift=lift,
        p_value=p_value,
        median_delay_s=delays[len(delays) // 2],
        p90_delay_s=delays[min(len(delays) - 1, int(0.9 * len(delays)))],
        delays_s=tuple(round(d, 1) for d in delays),
        window_s=FOLLOW_WINDOW_S,
    )
