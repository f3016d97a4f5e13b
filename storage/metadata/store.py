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
from storage.metadata.automations import AutomationTables
from storage.metadata.models import (
    AuditRecord,
    EntityRow,
    QuarantineRecord,
    WorkerStatusRow,
)
from storage.metadata.records import AuditEntry, EntityInfo, QuarantineRow, WorkerStatus
from storage.metadata.schema import make_engine, upgrade

_log = logging.getLogger(__name__)

# A chatty device can reject thousands of payloads an hour; keep the newest ones only.
QUARANTINE_KEEP = 10_000
_PRUNE_EVERY = 200


def _now() -> datetime:
    return datetime.now(UTC)


class MetadataStore(AutomationTables):
    """SQLite metadata (WAL, busy timeout) migrated to the newest schema on open."""

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
                    for name in ("friendly_name", "device_class", "unit", "area", "device_id")
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

    # --- audit ---------------------------------------------------------------------
    def audit(self, *, actor: str, action: str, detail: Mapping[str, Any]) -> int:
        """Append one audit entry; return its id."""
        record = AuditRecord(created_at=_now(), actor=actor, action=action, detail=dict(detail))
        with self._sessions.begin() as session:
            session.add(record)
            session.flush()
            return record.id

    def list_audit(self, limit: int = 100) -> list[AuditEntry]:
        """Return the newest ``limit`` audit entries, newest first."""
        with self._sessions() as session:
            rows = session.scalars(
                select(AuditRecord)
                .order_by(AuditRecord.created_at.desc(), AuditRecord.id.desc())
                .limit(limit)
            ).all()
            return [
                AuditEntry(
                    id=row.id,
                    created_at=row.created_at,
                    actor=row.actor,
                    action=row.action,
                    detail=dict(row.detail),
                )
                for row in rows
            ]

    def close(self) -> None:
        """Release every pooled connection."""
        self._engine.dispose()
