"""MetadataStore: the entity registry and the small tables the worker and the app share."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import StoreUnavailable
from storage.metadata.analysis import AnalysisTables
from storage.metadata.anomaly_runs import AnomalyTable, ForecastSummaryTable
from storage.metadata.audit import AuditTable
from storage.metadata.automations import DeploymentTable, SuggestionTable
from storage.metadata.home import HomeTable
from storage.metadata.models import (
    EntityRow,
    QuarantineRecord,
    WorkerStatusRow,
)
from storage.metadata.records import (
    AnomalyFinding,
    AnomalyRun,
    AuditEntry,
    Deployment,
    DeploymentStatus,
    EntityInfo,
    QuarantineRow,
    Suggestion,
    SuggestionStatus,
    WorkerStatus,
)
from storage.metadata.roles import RoleChoiceTable
from storage.metadata.schema import make_engine, upgrade
from storage.metadata.versions import VersionTables

_log = logging.getLogger(__name__)

# A chatty device can reject thousands of payloads an hour; keep the newest ones only.
QUARANTINE_KEEP = 10_000
_PRUNE_EVERY = 200
# Registry fields an upsert overwrites only with a value (a source that does not know one
# must not erase what another source said).
_KEEP_UNLESS_NONE = (
    "friendly_name",
    "device_class",
    "unit",
    "area",
    "device_id",
    "device_name",
    "state_class",
    "disabled",
    "hidden",
    "source",
)


def _now() -> datetime:
    return datetime.now(UTC)


class MetadataStore:
    """SQLite metadata (WAL, busy timeout) migrated to the newest schema on open.

    The registry, worker status and quarantine are read and written here; the audit,
    suggestions and deployments tables are objects this store holds and calls.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._engine = make_engine(path)
            upgrade(self._engine)
        except (OSError, SQLAlchemyError) as err:
            raise StoreUnavailable(
                f"cannot open the metadata database {path} ({err}); check that the folder "
                "exists, is writable and that the file is an SQLite database"
            ) from err
        self._sessions: sessionmaker[Session] = sessionmaker(self._engine, expire_on_commit=False)
        self._quarantine_adds = 0
        self._audit = AuditTable(self._sessions)
        self._suggestions = SuggestionTable(self._sessions)
        self._deployments = DeploymentTable(self._sessions)
        # Home facts per source and HA's energy preferences (storage/metadata/home.py).
        self.home = HomeTable(self._sessions)
        self.analysis = AnalysisTables(self._sessions)
        self._anomalies = AnomalyTable(self._sessions)
        self._forecasts = ForecastSummaryTable(self._sessions)
        self.versions = VersionTables(self._sessions)
        # The admin's entity role choices (storage/metadata/roles.py).
        self.role_choices = RoleChoiceTable(self._sessions)

    # --- entity registry -----------------------------------------------------------
    def upsert_entities(self, rows: Iterable[EntityInfo]) -> int:
        """Insert or update entities; first/last seen widen, other fields take new values.

        Returns the number of rows offered. ``None`` fields do not erase stored values.
        """
        values = [
            {
                "entity_id": row.entity_id,
                "domain": row.domain,
                "friendly_name": row.friendly_name,
                "device_class": row.device_class,
                "unit": row.unit,
                "area": row.area,
                "device_id": row.device_id,
                "first_seen": row.first_seen,
                "last_seen": row.last_seen,
                "device_name": row.device_name,
                "state_class": row.state_class,
                "disabled": row.disabled,
                "hidden": row.hidden,
                "source": row.source,
            }
            for row in rows
        ]
        if not values:
            return 0
        table = EntityRow.__table__
        with self._sessions.begin() as session:
            for start in range(0, len(values), 500):
                stmt = insert(EntityRow).values(values[start : start + 500])
                new = stmt.excluded
                keep: dict[str, Any] = {"domain": new.domain}
                keep |= {
                    name: func.coalesce(getattr(new, name), table.c[name])
                    for name in _KEEP_UNLESS_NONE
                }
                # SQLite's two-argument min/max return NULL when either side is NULL.
                keep["first_seen"] = func.coalesce(
                    func.min(new.first_seen, table.c.first_seen), new.first_seen, table.c.first_seen
                )
                keep["last_seen"] = func.coalesce(
                    func.max(new.last_seen, table.c.last_seen), new.last_seen, table.c.last_seen
                )
                session.execute(stmt.on_conflict_do_update(index_elements=["entity_id"], set_=keep))
        return len(values)

    def list_entities(self) -> list[EntityInfo]:
        """Return every registered entity ordered by entity id."""
        with self._sessions() as session:
            found = session.scalars(select(EntityRow).order_by(EntityRow.entity_id)).all()
            return [
                EntityInfo(
                    entity_id=row.entity_id,
                    domain=row.domain,
                    friendly_name=row.friendly_name,
                    device_class=row.device_class,
                    unit=row.unit,
                    area=row.area,
                    device_id=row.device_id,
                    first_seen=row.first_seen,
                    last_seen=row.last_seen,
                    device_name=row.device_name,
                    state_class=row.state_class,
                    disabled=row.disabled,
                    hidden=row.hidden,
                    source=row.source,
                )
                for row in found
            ]

    # --- worker status -------------------------------------------------------------
    def set_worker_status(self, component: str, payload: Mapping[str, Any]) -> None:
        """Replace the status row of ``component`` with ``payload`` stamped now."""
        stmt = insert(WorkerStatusRow).values(
            component=component, payload=dict(payload), updated_at=_now()
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["component"],
            set_={"payload": stmt.excluded.payload, "updated_at": stmt.excluded.updated_at},
        )
        with self._sessions.begin() as session:
            session.execute(stmt)

    def worker_status(self) -> dict[str, WorkerStatus]:
        """Return the newest status of each component, keyed by component name."""
        with self._sessions() as session:
            rows = session.scalars(select(WorkerStatusRow)).all()
            return {
                row.component: WorkerStatus(
                    component=row.component, payload=dict(row.payload), updated_at=row.updated_at
                )
                for row in rows
            }

    # --- quarantine ----------------------------------------------------------------
    def add_quarantine(
        self,
        *,
        source: str,
        reason: str,
        payload: bytes,
        topic: str | None = None,
        received_at: datetime | None = None,
    ) -> None:
        """Record one rejected payload; the oldest rows beyond QUARANTINE_KEEP are pruned."""
        with self._sessions.begin() as session:
            session.add(
                QuarantineRecord(
                    source=source,
                    reason=reason,
                    payload=bytes(payload),
                    topic=topic,
                    received_at=received_at or _now(),
                )
            )
            self._quarantine_adds += 1
            if self._quarantine_adds % _PRUNE_EVERY == 0:
                self._prune_quarantine(session)

    def _prune_quarantine(self, session: Session) -> None:
        cutoff = session.scalar(
            select(QuarantineRecord.id)
            .order_by(QuarantineRecord.id.desc())
            .offset(QUARANTINE_KEEP)
            .limit(1)
        )
        if cutoff is not None:
            session.execute(delete(QuarantineRecord).where(QuarantineRecord.id <= cutoff))

    def list_quarantine(self, limit: int = 100) -> list[QuarantineRow]:
        """Return the newest ``limit`` quarantined payloads, newest first."""
        with self._sessions() as session:
            rows = session.scalars(
                select(QuarantineRecord)
                .order_by(QuarantineRecord.received_at.desc(), QuarantineRecord.id.desc())
                .limit(limit)
            ).all()
            return [
                QuarantineRow(
                    id=row.id,
                    source=row.source,
                    reason=row.reason,
                    payload=row.payload,
                    topic=row.topic,
                    received_at=row.received_at,
                )
                for row in rows
            ]

    def quarantine_counts(self) -> dict[str, int]:
        """Return how many quarantined payloads each reason holds."""
        with self._sessions() as session:
            rows = session.execute(
                select(QuarantineRecord.reason, func.count()).group_by(QuarantineRecord.reason)
            ).all()
            return {reason: int(count) for reason, count in rows}

    # --- audit, suggestions, deployments (table objects) --------------------------
    def audit(self, *, actor: str, action: str, detail: Mapping[str, Any]) -> int:
        """Append one audit entry; return its id."""
        return self._audit.add(actor=actor, action=action, detail=detail)

    def list_audit(self, limit: int = 100) -> list[AuditEntry]:
        """Return the newest ``limit`` audit entries, newest first."""
        return self._audit.newest(limit)

    def add_suggestion(
        self,
        *,
        kind: str,
        title: str,
        body: str,
        status: SuggestionStatus = SuggestionStatus.NEW,
        detail: Mapping[str, Any] | None = None,
    ) -> Suggestion:
        """Store a new suggestion; return it with its id."""
        return self._suggestions.add(
            kind=kind, title=title, body=body, status=status, detail=detail
        )

    def list_suggestions(
        self, *, status: SuggestionStatus | None = None, limit: int = 100
    ) -> list[Suggestion]:
        """Return suggestions (optionally only those with ``status``), newest first."""
        return self._suggestions.newest(status=status, limit=limit)

    def update_suggestion(
        self,
        suggestion_id: int,
        *,
        status: SuggestionStatus | None = None,
        body: str | None = None,
        ha_automation_id: str | None = None,
        deployed_at: datetime | None = None,
        title: str | None = None,
    ) -> Suggestion:
        """Change the given fields of one suggestion; return it as stored now."""
        return self._suggestions.update(
            suggestion_id,
            status=status,
            body=body,
            ha_automation_id=ha_automation_id,
            deployed_at=deployed_at,
            title=title,
        )

    def add_deployment(
        self,
        *,
        title: str,
        body: str,
        status: DeploymentStatus,
        suggestion_id: int | None = None,
        ha_automation_id: str | None = None,
        deployed_at: datetime | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> Deployment:
        """Record one push of an automation to Home Assistant; return it with its id."""
        return self._deployments.add(
            title=title,
            body=body,
            status=status,
            suggestion_id=suggestion_id,
            ha_automation_id=ha_automation_id,
            deployed_at=deployed_at,
            detail=detail,
        )

    def list_deployments(self, *, limit: int = 100) -> list[Deployment]:
        """Return deployments, newest first."""
        return self._deployments.newest(limit=limit)

    def update_deployment(
        self,
        deployment_id: int,
        *,
        status: DeploymentStatus | None = None,
        ha_automation_id: str | None = None,
        deployed_at: datetime | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> Deployment:
        """Change the given fields of one deployment; return it as stored now."""
        return self._deployments.update(
            deployment_id,
            status=status,
            ha_automation_id=ha_automation_id,
            deployed_at=deployed_at,
            detail=detail,
        )

    def close(self) -> None:
        """Release every pooled connection."""
        self._engine.dispose()

    # --- anomaly runs (issue 14) ------------------------------------------------------
    def add_anomaly_run(
        self,
        *,
        trigger: str,
        window_start: datetime,
        window_end: datetime,
        entities: int,
        findings: Iterable[AnomalyFinding],
        detail: Mapping[str, Any] | None = None,
    ) -> AnomalyRun:
        """Store an anomaly run with its findings (newest 60 runs kept); return it."""
        return self._anomalies.add(
            trigger=trigger,
            window_start=window_start,
            window_end=window_end,
            entities=entities,
            findings=findings,
            detail=detail,
        )

    def latest_anomaly_run(self) -> AnomalyRun | None:
        """Return the newest anomaly run with its findings, or None."""
        return self._anomalies.latest()

    def list_anomaly_runs(self, *, limit: int = 30) -> list[AnomalyRun]:
        """Return the newest anomaly runs (without findings), newest first."""
        return self._anomalies.newest(limit=limit)

    def put_forecast_summary(self, key: str, payload: Mapping[str, Any]) -> None:
        """Store a small forecast answer (e.g. today's expected kWh) for other processes."""
        self._forecasts.put(key, payload)

    def forecast_summary(self, key: str) -> tuple[dict[str, Any], datetime] | None:
        """Return the forecast answer stored under ``key`` and when it was stored, or None."""
        return self._forecasts.get(key)
