"""Sports: game windows from a TeamTracker-style sensor and the uplift of a series in games."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

import numpy as np
import polars as pl

from analytics.errors import InsufficientData

PHASES: Final[tuple[str, ...]] = ("PRE", "IN", "POST")
BOOTSTRAP_ROUNDS: Final[int] = 2000
SEED: Final[int] = 20260101


@dataclass(frozen=True, slots=True, kw_only=True)
class Uplift:
    """Mean of a series in game buckets against matched non-game buckets, with a 95% CI."""

    mean_game: float
    mean_baseline: float
    uplift: float  # mean_game / mean_baseline - 1
    ci_low: float
    ci_high: float
    n_game: int
    n_baseline: int


def game_windows(team: pl.DataFrame, *, end: datetime) -> pl.DataFrame:
    """Return ``start, end, phase`` per run of a PRE/IN/POST state (the last ends at ``end``)."""
    moment = pl.Datetime("us", "UTC")
    schema: dict[str, pl.DataType] = {"start": moment, "end": moment, "phase": pl.String()}
    if team.height == 0:
        return pl.DataFrame(schema=schema)
    frame = (
        team.select("time", "state")
        .sort("time")
        .with_columns(
            (pl.col("state") != pl.col("state").shift(1)).fill_null(True).cum_sum().alias("run")
        )
        .group_by("run")
        .agg(pl.col("state").first().alias("phase"), pl.col("time").min().alias("start"))
        .sort("start")
        .with_columns(pl.col("start").shift(-1).fill_null(end).alias("end"))
    )
    return frame.filter(pl.col("phase").is_in(PHASES)).select(
        pl.col("start").cast(moment),
        pl.col("end").cast(moment),
        "phase",
    )


def _overlap_us(starts: pl.Series, ends: pl.Series, windows: pl.DataFrame) -> np.ndarray:
    """Return, per bucket ``[start, end)``, the microseconds it shares with any window."""
    lo, hi = starts.dt.epoch("us").to_numpy(), ends.dt.epoch("us").to_numpy()
    shared = np.zeros(len(lo), dtype=np.int64)
    for start, stop in zip(
        windows["start"].dt.epoch("us").to_list(),
        windows["end"].dt.epoch("us").to_list(),
        strict=True,
    ):
        shared += np.clip(np.minimum(hi, stop) - np.maximum(lo, start), 0, None)
    return shared


def game_uplift(
    series: pl.DataFrame, windows: pl.DataFrame, *, bucket: str = "1h", tz: str
) -> Uplift:
    """Return the uplift of ``series`` in games over matched non-game buckets, with a 95% CI.

    Game buckets are at least half inside an IN window; their baseline is the same weekday
    and local hour in buckets touching no game window (PRE and POST are in neither), weighted
    per (weekday, hour) slot by the number of game buckets there; the bootstrap resamples
    within slots. Game buckets without a non-game twin are left out (``n_game`` counts the
    matched ones).
    """
    frame = (
        series.select("time", "value")
        .drop_nulls()
        .group_by(pl.col("time").dt.truncate(bucket))
        .agg(pl.col("value").mean())
        .sort("time")
    )
    if frame.height == 0:
        raise InsufficientData("the series has no values in the range")
    games = windows.filter(pl.col("phase") == "IN")
    local = pl.col("time").dt.convert_time_zone(tz)
    ends = frame.select(pl.col("time").dt.offset_by(bucket))["time"]
    width = (ends - frame["time"]).dt.total_microseconds().to_numpy()
    # a bucket is a game bucket when at least half of it is game time; one touching any
    # window (PRE, IN, POST) at all is not a clean non-game twin either
    frame = frame.with_columns(
        pl.Series("game", 2 * _overlap_us(frame["time"], ends, games) >= width),
        pl.Series("any_window", _overlap_us(frame["time"], ends, windows) > 0),
        local.dt.weekday().alias("weekday"),
        local.dt.hour().alias("hour"),
    )
    keys = ["weekday", "hour"]
    slots = frame.filter(pl.col("game")).group_by(keys).agg(pl.col("value").alias("game_values"))
    outside = frame.filter(~pl.col("any_window")).group_by(keys).agg(pl.col("value").alias("base"))
    if slots.height == 0:
        raise InsufficientData("no bucket of the series falls inside a game")
    # a game hour with no non-game twin (same weekday and local hour) cannot be matched
    matched = slots.join(outside, on=keys, how="inner").sort(keys)
    strata = [
        (np.asarray(g, dtype=np.float64), np.asarray(b, dtype=np.float64))
        for g, b in zip(matched["game_values"], matched["base"], strict=True)
    ]
    n_game = sum(len(g) for g, _ in strata)
    n_baseline = sum(len(b) for _, b in strata)
    if n_baseline < 2:
        raise InsufficientData(
            "fewer than 2 non-game buckets at the same weekday and hour as a game; "
            "pick a longer range"
        )
    # the baseline is weighted like the games: each slot counts as often as games used it,
    # so a slot with many quiet non-game weeks cannot pull the baseline its way
    mean_g = float(np.concatenate([g for g, _ in strata]).mean())
    mean_b = sum(len(g) * float(b.mean()) for g, b in strata) / n_game
    if mean_b == 0:
        raise InsufficientData("the baseline mean is zero; the uplift is undefined")
    rng = np.random.default_rng(SEED)
    boot_g = np.zeros(BOOTSTRAP_ROUNDS)
    boot_b = np.zeros(BOOTSTRAP_ROUNDS)
    for g, b in strata:  # resample within each slot, keeping the matched weights
        boot_g += rng.choice(g, size=(BOOTSTRAP_ROUNDS, len(g))).sum(axis=1) / n_game
        boot_b += len(g) / n_game * rng.choice(b, size=(BOOTSTRAP_ROUNDS, len(b))).mean(axis=1)
    ratios = boot_g[boot_b != 0] / boot_b[boot_b != 0] - 1
    low, high = np.percentile(ratios, [2.5, 97.5])
    return Uplift(
        mean_game=mean_g,
        mean_baseline=mean_b,
        uplift=mean_g / mean_b - 1,
        ci_low=float(low),
        ci_high=float(high),
        n_game=n_game,
        n_baseline=n_baseline,
    )
