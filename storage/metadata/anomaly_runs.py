"""Anomaly runs with their findings, and forecast summaries, in the metadata store."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import delete, select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Session, sessionmaker

from storage.metadata.models import AnomalyFindingRecord, AnomalyRunRecord, ForecastSummaryRow
from storage.metadata.records import AnomalyFinding, AnomalyRun

# The key of today's expected kWh of the main meter (homeiq.forecasting writes, kiosk reads).
EXPECTED_TODAY: Final[str] = "expected_today"
KEEP_RUNS: Final[int] = 60  # two months of daily runs; older ones are pruned on each add


def _finding(row: AnomalyFindingRecord) -> AnomalyFinding:
    return AnomalyFinding(
        kind=row.kind,
        entity_id=row.entity_id,
        start=row.start,
        end=row.end,
        score=row.score,
        summary=row.summary,
        evidence=dict(row.evidence),
    )


def _run(row: AnomalyRunRecord, findings: tuple[AnomalyFinding, ...]) -> AnomalyRun:
    return AnomalyRun(
        id=row.id,
        created_at=row.created_at,
        trigger=row.trigger,
        window_start=row.window_start,
        window_end=row.window_end,
        entities=row.entities,
        detail=dict(row.detail),
        findings=findings,
    )


class AnomalyTable:
    """Add and read anomaly runs; MetadataStore holds one and delegates to it."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def add(
        self,
        *,
        trigger: str,
        window_start: datetime,
        window_end: datetime,
        entities: int,
        findings: Iterable[AnomalyFinding],
        detail: Mapping[str, Any] | None = None,
    ) -> AnomalyRun:
        """Store a run with its findings; keep only the newest KEEP_RUNS runs; return it."""
        stored = tuple(findings)
        record = AnomalyRunRecord(
            created_at=datetime.now(UTC),
            trigger=trigger,
            window_start=window_start,
            window_end=window_end,
            entities=entities,
            detail=dict(detail or {}),
        )
        with self._sessions.begin() as session:
            session.add(record)
            session.flush()
            session.add_all(
                AnomalyFindingRecord(
                    run_id=record.id,
                    kind=f.kind,
                    entity_id=f.entity_id,
                    start=f.start,
                    end=f.end,
                    score=f.score,
                    summary=f.summary,
                    evidence=dict(f.evidence),
                )
                for f in stored
            )
            old = select(AnomalyRunRecord.id).order_by(AnomalyRunRecord.id.desc()).offset(KEEP_RUNS)
            old_ids = list(session.execute(old).scalars())
            if old_ids:
                # SQLite enforces ON DELETE CASCADE only with the pragma; delete explicitly
                session.execute(
                    delete(AnomalyFindingRecord).where(AnomalyFindingRecord.run_id.in_(old_ids))
                )
                session.execute(delete(AnomalyRunRecord).where(AnomalyRunRecord.id.in_(old_ids)))
            return _run(record, stored)

    def latest(self) -> AnomalyRun | None:
        """Return the newest anomaly run with its findings, or None when there was none."""
        with self._sessions() as session:
            row = session.execute(
                select(AnomalyRunRecord).order_by(AnomalyRunRecord.id.desc()).limit(1)
            ).scalar_one_or_none()
            if row is None:
                return None
            findings = session.execute(
                select(AnomalyFindingRecord)
                .where(AnomalyFindingRecord.run_id == row.id)
                .order_by(AnomalyFindingRecord.id)
            ).scalars()
            return _run(row, tuple(_finding(f) for f in findings))

    def newest(self, *, limit: int = 30) -> list[AnomalyRun]:
        """Return the newest runs (without findings), newest first."""
        with self._sessions() as session:
            rows = session.execute(
                select(AnomalyRunRecord).order_by(AnomalyRunRecord.id.desc()).limit(limit)
            ).scalars()
            return [_run(row, ()) for row in rows]


class ForecastSummaryTable:
    """Put and get small forecast answers by key (the kiosk shows what the app computed)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def put(self, key: str, payload: Mapping[str, Any]) -> None:
        """Store ``payload`` under ``key``, replacing the previous one."""
        values = {"key": key, "payload": dict(payload), "updated_at": datetime.now(UTC)}
        stmt = insert(ForecastSummaryRow).values(values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"],
            set_={"payload": stmt.excluded.payload, "updated_at": stmt.excluded.updated_at},
        )
        with self._sessions.begin() as session:
            session.execute(stmt)

    def get(self, key: str) -> tuple[dict[str, Any], datetime] | None:
        """Return the payload stored under ``key`` and when, or None."""
        with self._sessions() as session:
            row = session.get(ForecastSummaryRow, key)
            return (dict(row.payload), row.updated_at) if row is not None else None
