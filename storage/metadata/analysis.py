"""Analysis runs, their patterns, and the suggestions they create or refresh (one transaction)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import InvalidQuery
from storage.metadata.automations import suggestion_record
from storage.metadata.models import AnalysisRunRecord, PatternRecord, SuggestionRecord
from storage.metadata.records import AnalysisRun, Pattern, Suggestion, SuggestionStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class PatternWrite:
    """A pattern to store with its run."""

    kind: str
    entity_id: str
    to_state: str
    trigger_entity_id: str | None
    params: Mapping[str, Any]
    evidence: Mapping[str, Any]
    suggested: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class SuggestionWrite:
    """A suggestion to insert (``existing_id`` None) or refresh.

    ``refresh_only`` keeps an approved/deployed suggestion's config and status as they are
    and only updates its evidence, confidence and run.
    """

    existing_id: int | None
    identity: str
    kind: str
    title: str
    body: str
    entity_id: str
    to_state: str
    trigger_entity_id: str | None
    trigger_to_state: str | None
    params: Mapping[str, Any]
    automation: Mapping[str, Any]
    evidence: Mapping[str, Any]
    confidence: float
    refresh_only: bool = False
    detail: Mapping[str, Any] = field(default_factory=dict)


def _run(row: AnalysisRunRecord) -> AnalysisRun:
    return AnalysisRun(
        id=row.id,
        started_at=row.started_at,
        days=row.days,
        events_read=row.events_read,
        seconds=row.seconds,
        patterns=row.patterns,
        suggestions=row.suggestions,
        message=row.message,
        detail=dict(row.detail),
    )


def _pattern(row: PatternRecord) -> Pattern:
    return Pattern(
        id=row.id,
        run_id=row.run_id,
        kind=row.kind,
        entity_id=row.entity_id,
        to_state=row.to_state,
        trigger_entity_id=row.trigger_entity_id,
        params=dict(row.params),
        evidence=dict(row.evidence),
        suggested=row.suggested,
    )


def _apply(row: SuggestionRecord, item: SuggestionWrite, run_id: int, now: datetime) -> None:
    row.run_id = run_id
    row.updated_at = now
    row.evidence = dict(item.evidence)
    row.confidence = item.confidence
    if item.refresh_only:
        return
    row.kind = item.kind
    row.title = item.title
    row.body = item.body
    row.identity = item.identity
    row.entity_id = item.entity_id
    row.to_state = item.to_state
    row.trigger_entity_id = item.trigger_entity_id
    row.trigger_to_state = item.trigger_to_state
    row.params = dict(item.params)
    row.automation = dict(item.automation)
    row.detail = dict(item.detail)


class AnalysisTables:
    """Runs, patterns and analysis-made suggestions of the metadata database."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def save_run(
        self,
        *,
        started_at: datetime,
        days: int,
        events_read: int,
        seconds: float,
        message: str | None,
        detail: Mapping[str, Any],
        patterns: Sequence[PatternWrite],
        suggestions: Sequence[SuggestionWrite],
    ) -> tuple[AnalysisRun, list[Suggestion]]:
        """Store one run with its patterns and suggestions; return the run and suggestions."""
        now = datetime.now(UTC)
        with self._sessions.begin() as session:
            run = AnalysisRunRecord(
                started_at=started_at,
                days=days,
                events_read=events_read,
                seconds=seconds,
                patterns=len(patterns),
                suggestions=len(suggestions),
                message=message,
                detail=dict(detail),
            )
            session.add(run)
            session.flush()
            session.add_all(
                PatternRecord(
                    run_id=run.id,
                    kind=p.kind,
                    entity_id=p.entity_id,
                    to_state=p.to_state,
                    trigger_entity_id=p.trigger_entity_id,
                    params=dict(p.params),
                    evidence=dict(p.evidence),
                    suggested=p.suggested,
                )
                for p in patterns
            )
            stored: list[SuggestionRecord] = []
            for item in suggestions:
                if item.existing_id is None:
                    row = SuggestionRecord(
                        created_at=now,
                        status=SuggestionStatus.NEW,
                        ha_automation_id=None,
                        deployed_at=None,
                    )
                    _apply(
                        row,
                        replace(item, refresh_only=False),
                        run.id,
                        now,
                    )
                    session.add(row)
                else:
                    found = session.get(SuggestionRecord, item.existing_id)
                    if found is None:
                        raise InvalidQuery(f"there is no suggestion with id {item.existing_id}")
                    row = found
                    _apply(row, item, run.id, now)
                stored.append(row)
            session.flush()
            return _run(run), [suggestion_record(row) for row in stored]

    def latest_run(self) -> AnalysisRun | None:
        """Return the newest run, or None when analysis never ran."""
        runs = self.list_runs(limit=1)
        return runs[0] if runs else None

    def list_runs(self, *, limit: int = 20) -> list[AnalysisRun]:
        """Return the newest ``limit`` runs, newest first."""
        query = select(AnalysisRunRecord).order_by(AnalysisRunRecord.id.desc()).limit(limit)
        with self._sessions() as session:
            return [_run(row) for row in session.scalars(query).all()]

    def patterns(self, run_id: int | None = None) -> list[Pattern]:
        """Return the patterns of run ``run_id`` (default: the newest run)."""
        if run_id is None:
            latest = self.latest_run()
            if latest is None:
                return []
            run_id = latest.id
        query = (
            select(PatternRecord).where(PatternRecord.run_id == run_id).order_by(PatternRecord.id)
        )
        with self._sessions() as session:
            return [_pattern(row) for row in session.scalars(query).all()]

    def suggestions_with_identity(self, identities: Collection[str]) -> list[Suggestion]:
        """Return stored suggestions whose identity key is one of ``identities``, oldest first."""
        if not identities:
            return []
        keys = list(identities)
        found: list[Suggestion] = []
        with self._sessions() as session:
            for start in range(0, len(keys), 500):
                query = (
                    select(SuggestionRecord)
                    .where(SuggestionRecord.identity.in_(keys[start : start + 500]))
                    .order_by(SuggestionRecord.id)
                )
                found.extend(suggestion_record(row) for row in session.scalars(query).all())
        return found

    def run_suggestions(self, run_id: int) -> list[Suggestion]:
        """Return the suggestions that run ``run_id`` created or refreshed."""
        query = (
            select(SuggestionRecord)
            .where(SuggestionRecord.run_id == run_id)
            .order_by(SuggestionRecord.id)
        )
        with self._sessions() as session:
            return [suggestion_record(row) for row in session.scalars(query).all()]
