"""Unusual days (an IsolationForest per entity over its daily profiles), unusual hours and
silent entities.

A day's profile is its 24 local hourly values: means for a numeric entity, counts of state
changes for the others, put on the entity's own scale (hour by hour: distance from its median
day in robust standard deviations, clipped). Each entity gets its own forest over its own
days, and a day's score is a robust z against that entity's days: a noisy entity's ordinary
noise is its usual, not news. A day is unusual when that z is high and one of its hours is
far beyond the entity's usual.

A forest costs ~0.1 s of CPU however few its days (sklearn's per-tree overhead), too much for
every entity of a 1,000-entity home. The hour condition settles most entities without one: an
entity with no hour beyond DAY_HOUR_Z on any day cannot have an unusual day, so its forest is
never fitted (an exact shortcut; bench/forecast.py prints how many forests were fitted).

Every finding keeps its evidence: the day's profile beside the entity's usual band (10th to
90th percentile per hour), or the hour's value beside its usual median.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, Protocol

import numpy as np
import numpy.typing as npt
import polars as pl

from analytics.anomalies import MAD_TO_SIGMA

Floats = npt.NDArray[np.float64]

MIN_DAYS: Final[int] = 7  # days of profile an entity needs before one can be unusual
MIN_HOURS: Final[int] = 20  # hours a day needs to count as a profile
Z_CLIP: Final[float] = 20.0
DAY_SCORE_Z: Final[float] = 3.5  # robust z of the forest's score beyond which a day is unusual
DAY_HOUR_Z: Final[float] = 4.0  # and at least one hour this far outside the entity's usual
HOUR_Z: Final[float] = 6.0  # an unusual hour: a modified z-score beyond this
SILENT_FACTOR: Final[float] = 5.0  # silent for this many usual intervals
SILENT_GAP_FACTOR: Final[float] = 1.5  # and longer than the longest earlier gap times this
MIN_SILENT: Final[timedelta] = timedelta(hours=2)
# Trees per entity's forest. Each tree sees all of the entity's ~30 days, so it is at most
# 5 splits deep and path lengths settle well before sklearn's default 100 (the paper's
# finding for far larger samples too); a fit is nearly all per-tree overhead, so 50 halves it.
N_TREES: Final[int] = 50


class DayScorer(Protocol):
    """Turns one entity's day profiles (a row per day) into a score z per day."""

    def __call__(self, days: Floats, *, seed: int) -> Floats: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One unusual thing: what, for which entity, when, how unusual, and the evidence."""

    kind: str  # "day", "hour" or "silent"
    entity_id: str
    start: datetime
    end: datetime
    score: float  # how unusual: robust z of the day's or hour's value, or silent/usual
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)


def _local(frame: pl.DataFrame, tz: str) -> pl.DataFrame:
    local = pl.col("time").dt.convert_time_zone(tz)
    return frame.with_columns(
        local.dt.date().alias("day"), local.dt.hour().cast(pl.Int64).alias("hour")
    )


def day_profiles(hourly: pl.DataFrame, *, tz: str) -> pl.DataFrame:
    """Return ``entity_id, day, hour, value``: each entity's local-day profiles, whole days only.

    A DST day's repeated hour is averaged, its missing hour is left out.
    """
    frame = _local(hourly.drop_nulls("value").filter(pl.col("value").is_finite()), tz)
    profiles = frame.group_by("entity_id", "day", "hour").agg(pl.col("value").mean())
    counts = profiles.group_by("entity_id", "day").agg(pl.len().alias("_hours"))
    whole = counts.filter(pl.col("_hours") >= MIN_HOURS).drop("_hours")
    return profiles.join(whole, on=["entity_id", "day"]).sort("entity_id", "day", "hour")


def _scaled(profiles: pl.DataFrame) -> pl.DataFrame:
    # distance from the entity's median at that hour, in robust standard deviations
    over = ["entity_id", "hour"]
    median = pl.col("value").median().over(over)
    with_median = profiles.with_columns(median.alias("median"))
    deviation = (pl.col("value") - pl.col("median")).abs()
    spread = pl.col("value").abs().mean().over("entity_id")
    scale = pl.max_horizontal(
        deviation.median().over(over) / MAD_TO_SIGMA,
        deviation.mean().over(over) * 1.2533,  # mean abs deviation to sigma, for flat hours
        spread * 0.05 + 1e-9,  # a hair of the entity's level, so a flat hour is not 1/0
    )
    return with_median.with_columns(
        ((pl.col("value") - pl.col("median")) / scale).clip(-Z_CLIP, Z_CLIP).alias("z"),
        pl.col("value").quantile(0.1).over(over).alias("low"),
        pl.col("value").quantile(0.9).over(over).alias("high"),
    )


def forest_score_z(days: Floats, *, seed: int) -> Floats:
    """Return each day's isolation score as a robust z against the same entity's days.

    ``days`` is one entity's scaled profiles, a row per day. The forest is the entity's own,
    fitted on all of its days (``max_samples`` = every day); a higher z is a day isolated
    sooner than the entity's typical day.
    """
    from sklearn import config_context
    from sklearn.ensemble import IsolationForest

    forest = IsolationForest(n_estimators=N_TREES, max_samples=days.shape[0], random_state=seed)
    # the profiles are finite (clipped z-scores) and the parameters fixed: sklearn's per-tree
    # checks would only add ~20 % to a fit that is mostly per-tree overhead already
    with config_context(assume_finite=True, skip_parameter_validation=True):
        score: Floats = -forest.fit(days).score_samples(days)  # higher: isolated sooner
    median = float(np.median(score))
    mad = float(np.median(np.abs(score - median))) / MAD_TO_SIGMA or 1e-9
    return (score - median) / mad


def unusual_days(
    hourly: pl.DataFrame, *, tz: str, seed: int = 0, scorer: DayScorer = forest_score_z
) -> list[Finding]:
    """Return the unusual days of each entity in ``hourly`` (``time, entity_id, value``).

    ``scorer`` turns one entity's day profiles into a score z per day (its own forest by
    default); it is called only for entities with at least one extreme hour.
    """
    profiles = day_profiles(hourly, tz=tz)
    days_per_entity = profiles.group_by("entity_id").agg(pl.col("day").n_unique().alias("n"))
    enough = days_per_entity.filter(pl.col("n") >= MIN_DAYS)["entity_id"]
    profiles = profiles.filter(pl.col("entity_id").is_in(enough.implode()))
    if profiles.height == 0:
        return []
    scaled = _scaled(profiles)
    wide = (
        scaled.pivot(on="hour", index=["entity_id", "day"], values="z", sort_columns=True)
        .sort("entity_id", "day")
        .fill_null(0.0)
    )
    hour_columns = [c for c in wide.columns if c not in ("entity_id", "day")]
    matrix = wide.select(hour_columns).to_numpy().astype(np.float64)
    peak = np.abs(matrix).max(axis=1)
    ids = wide["entity_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    ends = np.r_[starts[1:], ids.size]
    score_z = np.full(ids.size, -np.inf)
    for start, end in zip(starts, ends, strict=True):
        # A day is flagged only with an hour beyond DAY_HOUR_Z (below), so an entity with no
        # such hour on any day cannot have an unusual day whatever its forest says: skipping
        # its forest is exact, not an approximation, and most entities of a home are skipped.
        if peak[start:end].max() > DAY_HOUR_Z:
            score_z[start:end] = scorer(matrix[start:end], seed=seed)
    flagged = np.flatnonzero((score_z > DAY_SCORE_Z) & (peak > DAY_HOUR_Z))
    findings: list[Finding] = []
    keys = wide.select("entity_id", "day")
    for row in flagged:
        entity_id, day = keys.row(int(row))
        detail = scaled.filter((pl.col("entity_id") == entity_id) & (pl.col("day") == day))
        findings.append(_day_finding(entity_id, day, float(score_z[row]), detail, tz))
    return sorted(findings, key=lambda f: -f.score)


def _day_finding(entity_id: str, day: Any, score: float, detail: pl.DataFrame, tz: str) -> Finding:
    start = datetime.combine(day, datetime.min.time()).replace(tzinfo=_zone(tz))
    worst = detail.sort(pl.col("z").abs(), descending=True).row(0, named=True)
    direction = "above" if worst["z"] > 0 else "below"
    total, usual = float(detail["value"].sum()), float(detail["median"].sum())
    return Finding(
        kind="day",
        entity_id=entity_id,
        start=start,
        end=start + timedelta(days=1),
        score=round(score, 2),
        summary=(
            f"{day}: unusual day; at {worst['hour']:02d}:00 {worst['value']:.4g} is far "
            f"{direction} the usual {worst['low']:.4g}-{worst['high']:.4g} "
            f"(day total {total:.4g} vs usual {usual:.4g})"
        ),
        evidence={
            "hour": detail["hour"].to_list(),
            "value": [round(v, 4) for v in detail["value"].to_list()],
            "usual": [round(v, 4) for v in detail["median"].to_list()],
            "low": [round(v, 4) for v in detail["low"].to_list()],
            "high": [round(v, 4) for v in detail["high"].to_list()],
        },
    )


def _zone(tz: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(tz)


def hour_scores(hourly: pl.DataFrame, *, tz: str) -> pl.DataFrame:
    """Return ``time, entity_id, value, expected, z`` per hour of numeric ``hourly``.

    ``expected`` is the entity's median at that local hour; the scale is the robust spread
    at that hour, but never below a quarter of the entity's overall spread, so an hour that
    is nearly always the same (a plug that is always on at noon) is not flagged for a wiggle.
    """
    frame = _local(hourly.drop_nulls("value").filter(pl.col("value").is_finite()), tz)
    over = ["entity_id", "hour"]
    frame = frame.with_columns(
        pl.col("value").median().over(over).alias("expected"),
        pl.col("value").median().over("entity_id").alias("_entity_median"),
    )
    hour_dev = (pl.col("value") - pl.col("expected")).abs()
    entity_dev = (pl.col("value") - pl.col("_entity_median")).abs()
    scale = pl.max_horizontal(
        hour_dev.median().over(over) / MAD_TO_SIGMA,
        0.25 * entity_dev.median().over("entity_id") / MAD_TO_SIGMA,
        0.25 * entity_dev.mean().over("entity_id") * 1.2533,
        pl.lit(1e-9),
    )
    return frame.with_columns(((pl.col("value") - pl.col("expected")) / scale).alias("z"))


def unusual_hours(
    hourly: pl.DataFrame,
    *,
    tz: str,
    threshold: float = HOUR_Z,
    skip_days: Sequence[Finding] = (),
    since: datetime | None = None,
) -> list[Finding]:
    """Return hours whose value is far from the same local hour's median of their entity.

    Hours inside a day already found unusual are left out: the day says it better.
    """
    if hourly.height == 0:
        return []
    scored = hour_scores(hourly, tz=tz).filter(pl.col("z").abs() > threshold)
    if since is not None:
        scored = scored.filter(pl.col("time") >= since)
    covered = {(f.entity_id, f.start.date()) for f in skip_days if f.kind == "day"}
    findings = []
    for row in scored.iter_rows(named=True):
        if (row["entity_id"], row["day"]) in covered:
            continue
        local = row["time"].astimezone(_zone(tz))
        findings.append(
            Finding(
                kind="hour",
                entity_id=row["entity_id"],
                start=row["time"],
                end=row["time"] + timedelta(hours=1),
                score=round(float(row["z"]), 2),
                summary=(
                    f"{local:%Y-%m-%d %H}:00: {row['value']:.4g} against a usual "
                    f"{row['expected']:.4g} at that hour (z {row['z']:+.1f})"
                ),
                evidence={"value": row["value"], "usual": row["expected"], "z": row["z"]},
            )
        )
    return sorted(findings, key=lambda f: -abs(f.score))


def silent_entities(activity: pl.DataFrame, *, now: datetime, window: timedelta) -> list[Finding]:
    """Return entities that stopped reporting for far longer than they usually are quiet.

    ``activity`` has ``entity_id, time`` (UTC start of each hour with at least one report)
    over ``window`` before ``now``, and ``last_seen`` (the newest report) per row. An entity
    is silent when its silence exceeds 5x its mean interval, 1.5x its longest earlier gap
    and two hours.
    """
    findings = []
    for (entity_id,), group in activity.sort("time").group_by("entity_id", maintain_order=True):
        last_seen: datetime = group["last_seen"].max()  # type: ignore[assignment]
        if last_seen is None:
            continue
        silent_for = now - last_seen
        hours = group["time"]
        reports = int(group["reports"].sum()) if "reports" in group.columns else hours.len()
        usual = window / max(reports, 1)
        gaps = hours.diff().drop_nulls()
        longest: timedelta = gaps.max() if gaps.len() else timedelta(0)  # type: ignore[assignment]
        limit = max(usual * SILENT_FACTOR, longest * SILENT_GAP_FACTOR, MIN_SILENT)
        if silent_for <= limit:
            continue
        findings.append(
            Finding(
                kind="silent",
                entity_id=entity_id,
                start=last_seen,
                end=now,
                score=round(silent_for / max(usual, timedelta(seconds=1)), 1),
                summary=(
                    f"silent for {_span(silent_for)} (last report {last_seen:%Y-%m-%d %H:%M} "
                    f"UTC); it usually reports every {_span(usual)} and its longest earlier "
                    f"gap was {_span(longest)}"
                ),
                evidence={
                    "last_seen": last_seen.isoformat(),
                    "silent_s": silent_for.total_seconds(),
                    "usual_interval_s": usual.total_seconds(),
                    "longest_gap_s": longest.total_seconds(),
                },
            )
        )
    return sorted(findings, key=lambda f: -f.score)


def _span(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 172_800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def threshold_note() -> str:
    """Return the rule the findings follow, in words, for pages and reports."""
    return (
        f"Unusual day: the isolation forest's score is more than {DAY_SCORE_Z} robust "
        f"standard deviations above the typical day and an hour lies more than {DAY_HOUR_Z} "
        f"beyond its usual value. Unusual hour: modified z-score beyond {HOUR_Z} "
        "(numeric entities; the spread never below a quarter of the entity's own). "
        "Silent: no report for more than "
        f"{SILENT_FACTOR:g}x the usual interval and {SILENT_GAP_FACTOR:g}x the longest "
        "earlier gap."
    )
