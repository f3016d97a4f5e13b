"""What the Anomalies page shows: the newest anomaly run (or one run now), with evidence.

The analysis is homeiq.anomaly_scan.run_anomalies, the same function the daily analysis
run and ``homeiq anomalies`` call; each run is stored in the metadata database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import polars as pl

from app.services.cache import cached
from app.services.context import ServiceError, Services
from homeiq.anomaly_scan import run_anomalies, scan_anomalies
from storage.errors import StoreError

FRESH: Final[timedelta] = timedelta(hours=24)  # a stored run younger than this is shown as is
DAY_CHOICES: Final[tuple[int, ...]] = (1, 3, 7, 14, 30)
KINDS: Final[dict[str, str]] = {"day": "Unusual day", "hour": "Unusual hour", "silent": "Silent"}


@dataclass(frozen=True, slots=True, kw_only=True)
class AnomalyView:
    """Findings with their entity's area and domain, and where they came from."""

    findings: pl.DataFrame  # kind, entity_id, area, domain, start, end, score, summary, row
    evidence: tuple[dict[str, Any], ...]  # per finding, indexed by ``row``
    created_at: datetime | None  # when the run was made (None: not stored)
    window_start: datetime
    window_end: datetime
    stored: bool
    notes: tuple[str, ...]


def _view(findings: list[Any], entities: pl.DataFrame, **fields: Any) -> AnomalyView:
    frame = pl.DataFrame(
        {
            "kind": [f.kind for f in findings],
            "entity_id": [f.entity_id for f in findings],
            "start": [f.start for f in findings],
            "end": [f.end for f in findings],
            "score": [float(f.score) for f in findings],
            "summary": [f.summary for f in findings],
            "row": list(range(len(findings))),
        },
        schema={
            "kind": pl.String,
            "entity_id": pl.String,
            "start": pl.Datetime("us", "UTC"),
            "end": pl.Datetime("us", "UTC"),
            "score": pl.Float64,
            "summary": pl.String,
            "row": pl.Int64,
        },
    )
    info = entities.select("entity_id", pl.col("area").fill_null("No area"), "domain")
    frame = frame.join(info, on="entity_id", how="left").with_columns(
        pl.col("area").fill_null("No area"),
        pl.col("domain").fill_null(pl.col("entity_id").str.split(".").list.first()),
    )
    return AnomalyView(
        findings=frame.sort("row"), evidence=tuple(f.evidence for f in findings), **fields
    )


@cached(ttl=600, show_spinner="Looking for anomalies…")
def anomaly_view(svc: Services, days: int, refresh: int = 0) -> AnomalyView:
    """Return the newest stored run for ``days`` when fresh, else run the analysis now.

    ``refresh`` changes to force a new run (the page's "Analyse now").
    """
    tz = svc.timezone
    try:
        entities = svc.store.entities()
        metadata = svc.metadata
        if metadata is None:
            report = scan_anomalies(svc.store, days=days, tz=tz)
            return _view(
                list(report.findings),
                entities,
                created_at=None,
                window_start=report.start,
                window_end=report.end,
                stored=False,
                notes=report.notes,
            )
        run = metadata.latest_anomaly_run()
        stale = (
            run is None
            or refresh
            or run.detail.get("days") != days
            or datetime.now(UTC) - run.created_at > FRESH
        )
        if stale:
            run = run_anomalies(svc.store, metadata, days=days, tz=tz, trigger="page")
    except StoreError as err:
        raise ServiceError(f"Anomaly analysis failed: {err}") from err
    assert run is not None
    return _view(
        list(run.findings),
        entities,
        created_at=run.created_at,
        window_start=run.window_start,
        window_end=run.window_end,
        stored=True,
        notes=tuple(run.detail.get("notes", ())),
    )


@cached(ttl=600, show_spinner=False)
def entity_hours(svc: Services, entity_id: str, start: datetime, end: datetime) -> pl.DataFrame:
    """Return ``time, value`` hourly means of one entity around a finding."""
    try:
        frame = svc.store.aggregate([entity_id], start, end, "1h", "mean")
    except StoreError as err:
        raise ServiceError(f"Reading {entity_id} failed: {err}") from err
    return frame.select("time", "value")


@cached(ttl=120, show_spinner=False)
def entity_count(svc: Services) -> int:
    """Return how many entities the store holds (0: nothing to analyse)."""
    try:
        return svc.store.stats().entities
    except StoreError as err:
        raise ServiceError(f"Reading the store failed: {err}") from err
