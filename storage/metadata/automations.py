"""Suggestions and deployments tables of the metadata store (filled by the automation pages).

Each table is an object holding the store's session factory; ``MetadataStore`` keeps one
of each and its ``*_suggestion(s)`` / ``*_deployment(s)`` methods call them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import InvalidQuery
from storage.metadata.models import DeploymentRecord, SuggestionRecord
from storage.metadata.records import Deployment, DeploymentStatus, Suggestion, SuggestionStatus

S = TypeVar("S", SuggestionStatus, DeploymentStatus)


def checked(enum: type[S], value: S | str) -> S:
    """Return ``value`` as a member of ``enum``, or raise InvalidQuery listing the values."""
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise InvalidQuery(f"{value!r} is not a {enum.__name__}; use one of {allowed}") from None


def suggestion_record(row: SuggestionRecord) -> Suggestion:
    return Suggestion(
        id=row.id,
        created_at=row.created_at,
        kind=row.kind,
        title=row.title,
        body=row.body,
        status=row.status,
        ha_automation_id=row.ha_automation_id,
        deployed_at=row.deployed_at,
        detail=dict(row.detail),
        run_id=row.run_id,
        identity=row.identity,
        entity_id=row.entity_id,
        to_state=row.to_state,
        trigger_entity_id=row.trigger_entity_id,
        trigger_to_state=row.trigger_to_state,
        params=dict(row.params or {}),
        automation=dict(row.automation or {}),
        evidence=dict(row.evidence or {}),
        confidence=row.confidence,
        updated_at=row.updated_at,
    )


def _deployment(row: DeploymentRecord) -> Deployment:
    return Deployment(
        id=row.id,
        created_at=row.created_at,
        suggestion_id=row.suggestion_id,
        title=row.title,
        body=row.body,
        status=row.status,
        ha_automation_id=row.ha_automation_id,
        deployed_at=row.deployed_at,
        detail=dict(row.detail),
    )


class SuggestionTable:
    """Add, list and update automation suggestions."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def add(
        self,
        *,
        kind: str,
        title: str,
        body: str,
        status: SuggestionStatus = SuggestionStatus.NEW,
        detail: Mapping[str, Any] | None = None,
    ) -> Suggestion:
        """Store a new suggestion; return it with its id."""
        record = SuggestionRecord(
            created_at=datetime.now(UTC),
            kind=kind,
            title=title,
            body=body,
            status=checked(SuggestionStatus, status),
            ha_automation_id=None,
            deployed_at=None,
            detail=dict(detail or {}),
        )
        with self._sessions.begin() as session:
            session.add(record)
            session.flush()
            return suggestion_record(record)

    def newest(
        self, *, status: SuggestionStatus | None = None, limit: int = 100
    ) -> list[Suggestion]:
        """Return suggestions (optionally only those with ``status``), newest first."""
        query = select(SuggestionRecord).order_by(SuggestionRecord.id.desc()).limit(limit)
        if status is not None:
            query = query.where(SuggestionRecord.status == checked(SuggestionStatus, status))
        with self._sessions() as session:
            return [suggestion_record(row) for row in session.scalars(query).all()]

    def update(
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
        with self._sessions.begin() as session:
            row = session.get(SuggestionRecord, suggestion_id)
            if row is None:
                raise InvalidQuery(f"there is no suggestion with id {suggestion_id}")
            if status is not None:
                row.status = checked(SuggestionStatus, status)
            if body is not None:
                row.body = body
            if title is not None:
                row.title = title
            if ha_automation_id is not None:
                row.ha_automation_id = ha_automation_id
            if deployed_at is not None:
                row.deployed_at = deployed_at
            session.flush()
            return suggestion_record(row)


class DeploymentTable:
    """Record and update pushes of automations to Home Assistant."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def add(
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
        record = DeploymentRecord(
            created_at=datetime.now(UTC),
            suggestion_id=suggestion_id,
            title=title,
            body=body,
            status=checked(DeploymentStatus, status),
            ha_automation_id=ha_automation_id,
            deployed_at=deployed_at,
            detail=dict(detail or {}),
        )
        with self._sessions.begin() as session:
            session.add(record)
            session.flush()
            return _deployment(record)

    def newest(self, *, limit: int = 100) -> list[Deployment]:
        """Return deployments, newest first."""
        query = select(DeploymentRecord).order_by(DeploymentRecord.id.desc()).limit(limit)
        with self._sessions() as session:
            return [_deployment(row) for row in session.scalars(query).all()]

    def update(
        self,
        deployment_id: int,
        *,
        status: DeploymentStatus | None = None,
        ha_automation_id: str | None = None,
        deployed_at: datetime | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> Deployment:
        """Change the given fields of one deployment; return it as stored now."""
        with self._sessions.begin() as session:
            row = session.get(DeploymentRecord, deployment_id)
            if row is None:
                raise InvalidQuery(f"there is no deployment with id {deployment_id}")
            if status is not None:
                row.status = checked(DeploymentStatus, status)
            if ha_automation_id is not None:
                row.ha_automation_id = ha_automation_id
            if deployed_at is not None:
                row.deployed_at = deployed_at
            if detail is not None:
                row.detail = dict(detail)
            session.flush()
            return _deployment(row)
