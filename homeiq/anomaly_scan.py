"""Anomaly analysis of the store: unusual days and hours, silent entities; stored per run.

``run_anomalies`` is the one function the daily analysis run (and ``homeiq anomalies``, and
the Anomalies page's "analyse now") calls: it reads the store, finds, and stores the run
with its findings in the metadata database.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

import polars as pl

from analytics.unusual import (
    Finding,
    silent_entities,
    threshold_note,
    unusual_days,
    unusual_hours,
)
from storage.metadata import AnomalyFinding, AnomalyRun, MetadataStore
from storage.protocol import TimeSeriesStore

CONTEXT_DAYS: Final[int] = 28  # days of history that say what is usual
ENERGY_UNITS: Final[tuple[str, ...]] = ("kWh", "Wh", "MWh")
NUMERIC_CHUNK: Final[int] = 200  # entities per aggregate query: bounded memory


@dataclass(frozen=True, slots=True, kw_only=True)
class AnomalyReport:
    """What one analysis found over ``[start, end)`` (findings in the last ``days``)."""

    start: datetime
    end: datetime
    days: int
    entities: int
    findings: tuple[Finding, ...]
    seconds: float
    notes: tuple[str, ...]


def _chunks(ids: list[str]) -> list[list[str]]:
    return [ids[i : i + NUMERIC_CHUNK] for i in range(0, len(ids), NUMERIC_CHUNK)]


def hourly_profiles(
    store: TimeSeriesStore, entities: pl.DataFrame, start: datetime, end: datetime
) -> tuple[pl.DataFrame, pl.DataFrame, set[str]]:
    """Return hourly ``time, entity_id, value``, activity ``time, entity_id, reports``, counted.

    Numeric entities give hourly means (meters: their hourly increase); the others give
    the number of state changes per hour (those are returned as ``counted``).
    """
    ids = entities["entity_id"].to_list()
    meters = set(entities.filter(pl.col("unit").is_in(list(ENERGY_UNITS)))["entity_id"])
    values, activity = [], []
    numeric: set[str] = set()
    for chunk in _chunks(ids):
        counts = store.aggregate(chunk, start, end, "1h", "count")
        counts = counts.filter(pl.col("value") > 0)
        numeric.update(counts["entity_id"].unique().to_list())
        activity.append(counts.select("time", "entity_id", pl.col("value").alias("reports")))
        plain = [e for e in chunk if e not in meters]
        values.append(store.aggregate(plain, start, end, "1h", "mean") if plain else None)
        metered = [e for e in chunk if e in meters]
        values.append(store.aggregate(metered, start, end, "1h", "increase") if metered else None)
    others = [e for e in ids if e not in numeric]
    if others:
        raw = store.read(others, start, end).select("time", "entity_id", "state")
        changes = raw.sort("entity_id", "time").filter(
            pl.col("state") != pl.col("state").shift(1).over("entity_id")
        )
        hour = pl.col("time").dt.truncate("1h")
        per_hour = changes.group_by(hour, "entity_id").agg(pl.len().cast(pl.Float64).alias("value"))
        values.append(per_hour)
        reports = raw.group_by(hour, "entity_id").agg(pl.len().cast(pl.Float64).alias("reports"))
        activity.append(reports)
    value_frames = [f.select("time", "entity_id", "value") for f in values if f is not None]
    hourly = pl.concat(value_frames) if value_frames else pl.DataFrame()
    return hourly, pl.concat(activity) if activity else pl.DataFrame(), set(others)


def scan_anomalies(
    store: TimeSeriesStore,
    *,
    days: int = 7,
    tz: str = "UTC",
    now: datetime | None = None,
    entities: list[str] | None = None,
) -> AnomalyReport:
    """Return unusual days and hours in the last ``days`` days and entities silent now."""
    began = time.perf_counter()
    listed = store.entities()
    notes: list[str] = []
    if entities is not None:
        listed = listed.filter(pl.col("entity_id").is_in(entities))
    newest = listed["last_seen"].max() if listed.height else None
    end = (now or datetime.now(UTC)).astimezone(UTC)
    if isinstance(newest, datetime) and newest < end:
        # a stopped ingest is the Health page's news: silence counts from the newest data
        notes.append(f"The store's newest data is from {newest:%Y-%m-%d %H:%M} UTC.")
        end = newest + timedelta(seconds=1)
    start = end - timedelta(days=max(days, CONTEXT_DAYS))
    report_from = end - timedelta(days=days)
    if listed.height == 0:
        return AnomalyReport(
            start=start, end=end, days=days, entities=0, findings=(), seconds=0.0,
            notes=("The store is empty: no entities to analyse.",),
        )  # fmt: skip
    hourly, activity, counted = hourly_profiles(store, listed, start, end)
    findings: list[Finding] = []
    if hourly.height:
        day_findings = unusual_days(hourly, tz=tz)
        findings.extend(f for f in day_findings if f.end > report_from)
        numeric = hourly.filter(pl.col("entity_id").is_in(list(counted)).not_())
        findings.extend(unusual_hours(numeric, tz=tz, skip_days=day_findings, since=report_from))
    if activity.height:
        seen = listed.select("entity_id", "last_seen")
        active = activity.join(seen, on="entity_id")
        findings.extend(silent_entities(active, now=end, window=end - start))
    notes.append(threshold_note())
    return AnomalyReport(
        start=start,
        end=end,
        days=days,
        entities=listed.height,
        findings=tuple(findings),
        seconds=time.perf_counter() - began,
        notes=tuple(notes),
    )


def run_anomalies(
    store: TimeSeriesStore,
    metadata: MetadataStore,
    *,
    days: int = 7,
    tz: str = "UTC",
    now: datetime | None = None,
    trigger: str = "daily",
) -> AnomalyRun:
    """Scan the store for anomalies and store the run with its findings; return the run."""
    report = scan_anomalies(store, days=days, tz=tz, now=now)
    return metadata.add_anomaly_run(
        trigger=trigger,
        window_start=report.start,
        window_end=report.end,
        entities=report.entities,
        findings=(
            AnomalyFinding(
                kind=f.kind,
                entity_id=f.entity_id,
                start=f.start,
                end=f.end,
                score=f.score,
                summary=f.summary,
                evidence=f.evidence,
            )
            for f in report.findings
        ),
        detail={"days": days, "seconds": round(report.seconds, 2), "notes": list(report.notes)},
    )
