"""What the Health page shows: store, worker, entities that need attention, quarantine."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Final

import polars as pl

from app.services.cache import cached
from app.services.context import ServiceError, Services
from storage.errors import StoreError
from storage.metadata.worker_report import RESTART_COMPONENT, WorkerReport, WorkerRestart

WORKER_STALE_AFTER: Final[timedelta] = timedelta(seconds=30)
UNAVAILABLE_STATES: Final[tuple[str, ...]] = ("unavailable", "unknown")


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreSummary:
    """The store's backend, size and span, and whether it answers."""

    backend: str
    ok: bool
    detail: str
    events: int
    entities: int
    oldest: datetime | None
    newest: datetime | None
    bytes_on_disk: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerSummary:
    """The ingest worker as it last reported itself, or why there is nothing to show."""

    running: bool
    message: str
    updated_at: datetime | None = None
    report: WorkerReport | None = None  # None when the worker never reported
    restart: WorkerRestart | None = None  # the restart that began the reported run

    @property
    def away_text(self) -> str | None:
        """Return how long the worker was away before this run, in words, or None."""
        if self.restart is None:
            return None
        how = "after a clean stop" if self.restart.clean_stop else "after it stopped unexpectedly"
        return (
            f"Back since {self.restart.back_at:%Y-%m-%d %H:%M} UTC; it was away "
            f"{_ago(self.restart.away)} {how}. Events published meanwhile come from HA's "
            "history and the MQTT broker's queue (see README, Connecting your home)."
        )


def _guard(action: str, err: Exception) -> ServiceError:
    return ServiceError(f"{action} failed: {err}")


@cached(ttl=15, show_spinner=False)
def store_summary(svc: Services) -> StoreSummary:
    """Return the store's stats and health (cached 15 s per store)."""
    try:
        health = svc.store.health()
        stats = svc.store.stats()
    except StoreError as err:
        raise _guard("Reading the store's statistics", err) from err
    return StoreSummary(
        backend=stats.backend,
        ok=health.ok,
        detail=health.detail,
        events=stats.events,
        entities=stats.entities,
        oldest=stats.oldest,
        newest=stats.newest,
        bytes_on_disk=stats.bytes_on_disk,
    )


def worker_summary(svc: Services, now: datetime | None = None) -> WorkerSummary:
    """Return the worker's last status from metadata; not running when older than 30 s."""
    now = now or datetime.now(UTC)
    empty = WorkerSummary(running=False, message="")
    hint = (
        "Start it with `homeiq ingest` (or `make run` with HOMEIQ_HA_URL or HOMEIQ_MQTT_URL set)."
    )
    if svc.metadata is None:
        return replace(empty, message=f"The ingest worker has never run here. {hint}")
    try:
        rows = svc.metadata.worker_status()
    except StoreError as err:
        return replace(empty, message=f"Cannot read the worker's status: {err}")
    status = rows.get("worker")
    restart_row = rows.get(RESTART_COMPONENT)
    if status is None:
        return replace(empty, message=f"The ingest worker has never run here. {hint}")
    report = WorkerReport.from_json(status.payload)
    age = now - status.updated_at
    stopped = report.stopped_at
    running = age <= WORKER_STALE_AFTER and stopped is None
    if running:
        message = f"Running (pid {report.pid}), reported {age.seconds} s ago."
    elif stopped is not None:
        message = f"The ingest worker stopped at {stopped.isoformat()}. {hint}"
    else:
        message = f"The ingest worker last reported {_ago(age)} ago; it is not running. {hint}"
    restart = WorkerRestart.from_json(restart_row.payload) if restart_row else None
    if restart is not None and restart.back_at != report.started_at:
        restart = None  # a restart of an earlier run
    return WorkerSummary(
        running=running,
        message=message,
        updated_at=status.updated_at,
        report=report,
        restart=restart,
    )


def last_event_age(last_event: datetime | None, now: datetime) -> str:
    """Return how long ago ``last_event`` was (``12 s``, ``3 h``), or a dash."""
    if last_event is None:
        return "—"
    if last_event.tzinfo is None:
        last_event = last_event.replace(tzinfo=UTC)
    return _ago(max(now - last_event, timedelta(0)))


def counters_text(counters: Mapping[str, int] | None) -> str:
    """Return a source's counters as ``backfilled 120 · connects 2``, or a dash."""
    if not counters:
        return "—"
    return " · ".join(f"{name} {value:,}" for name, value in sorted(counters.items()))


@cached(ttl=30, show_spinner=False)
def event_rate(svc: Services, end: datetime, hours: int = 3) -> pl.DataFrame:
    """Return ``time, events_per_s``: numeric samples stored per second per 5 minutes."""
    try:
        counts = svc.store.aggregate(None, end - timedelta(hours=hours), end, "5m", "count")
    except StoreError as err:
        raise _guard("Counting recent events", err) from err
    return (
        counts.group_by("time")
        .agg((pl.col("value").sum() / 300.0).alias("events_per_s"))
        .sort("time")
    )


def _ago(age: timedelta) -> str:
    seconds = int(age.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


@cached(ttl=30, show_spinner=False)
def entity_table(svc: Services) -> pl.DataFrame:
    """Return one row per entity: registry names joined to the store's latest state."""
    try:
        entities = svc.store.entities()
        latest = svc.store.latest().select("entity_id", "state", "time")
    except StoreError as err:
        raise _guard("Listing entities", err) from err
    frame = entities.join(latest, on="entity_id", how="left")
    names = _friendly_names(svc)
    if names.height:
        frame = frame.join(names, on="entity_id", how="left")
    else:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("friendly_name"))
    return frame.sort("entity_id")


def _friendly_names(svc: Services) -> pl.DataFrame:
    if svc.metadata is None:
        return pl.DataFrame(schema={"entity_id": pl.String, "friendly_name": pl.String})
    try:
        rows = svc.metadata.list_entities()
    except StoreError:
        rows = []
    return pl.DataFrame(
        {
            "entity_id": [row.entity_id for row in rows],
            "friendly_name": [row.friendly_name for row in rows],
        },
        schema={"entity_id": pl.String, "friendly_name": pl.String},
    )


def by_domain(entities: pl.DataFrame) -> pl.DataFrame:
    """Return entity counts per domain, largest first."""
    return (
        entities.group_by("domain")
        .agg(pl.len().alias("entities"))
        .sort(["entities", "domain"], descending=[True, False])
    )


def unavailable_now(entities: pl.DataFrame) -> pl.DataFrame:
    """Return entities whose latest state is ``unavailable`` or ``unknown``."""
    return entities.filter(pl.col("state").is_in(UNAVAILABLE_STATES)).select(
        "entity_id", "friendly_name", "state", "time", "area"
    )


def stale_entities(entities: pl.DataFrame, *, hours: float, now: datetime) -> pl.DataFrame:
    """Return entities with no event for more than ``hours`` before ``now``."""
    cutoff = now - timedelta(hours=hours)
    return (
        entities.filter(pl.col("last_seen") < cutoff)
        .select("entity_id", "friendly_name", "last_seen", "area")
        .sort("last_seen")
    )


def quarantine(svc: Services, limit: int = 50) -> tuple[dict[str, int], pl.DataFrame]:
    """Return quarantine counts per reason and the newest quarantined payloads (as text)."""
    schema: dict[str, pl.DataType] = {
        "received_at": pl.Datetime("us", "UTC"),
        "source": pl.String(),
        "reason": pl.String(),
        "topic": pl.String(),
        "payload": pl.String(),
    }
    if svc.metadata is None:
        return {}, pl.DataFrame(schema=schema)
    try:
        counts = svc.metadata.quarantine_counts()
        rows = svc.metadata.list_quarantine(limit=limit)
    except StoreError as err:
        raise _guard("Reading the quarantine", err) from err
    frame = pl.DataFrame(
        {
            "received_at": [row.received_at for row in rows],
            "source": [row.source for row in rows],
            "reason": [row.reason for row in rows],
            "topic": [row.topic for row in rows],
            "payload": [row.payload[:200].decode("utf-8", "replace") for row in rows],
        },
        schema=schema,
    )
    return counts, frame
