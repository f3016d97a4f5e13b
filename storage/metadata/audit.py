"""The audit table of the metadata store: who did what through HomeIQ, and when."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storage.metadata.models import AuditRecord
from storage.metadata.records import AuditEntry


class AuditTable:
    """Append-only audit entries, read newest first."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def add(self, *, actor: str, action: str, detail: Mapping[str, Any]) -> int:
        """Append one audit entry; return its id."""
        record = AuditRecord(
            created_at=datetime.now(UTC), actor=actor, action=action, detail=dict(detail)
        )
        with self._sessions.begin() as session:
            session.add(record)
            session.flush()
            return record.id

    def newest(self, limit: int = 100) -> list[AuditEntry]:
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
