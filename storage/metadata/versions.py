"""Deployed automation versions and pre-deploy drafts of the metadata store.

A version is one config as it was POSTed to Home Assistant, with HA's answer and the config
HA held before (None when the POST created the automation), so a rollback knows whether to
DELETE or to POST the earlier config back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from storage.errors import InvalidQuery
from storage.metadata.models import Base

VERSION_STATUSES = ("deployed", "replaced", "rolled_back")


class VersionRecord(Base):
    """One deployed config of a suggestion's automation."""

    __tablename__ = "automation_versions"
    __table_args__ = (
        UniqueConstraint("suggestion_id", "number", name="uq_automation_versions_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    suggestion_id: Mapped[int] = mapped_column(Integer, index=True)
    number: Mapped[int] = mapped_column(Integer)
    ha_automation_id: Mapped[str] = mapped_column(String(255))
    entity_id: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(32))
    config: Mapped[dict[str, Any]]
    previous: Mapped[dict[str, Any] | None]
    answer: Mapped[dict[str, Any]]
    actor: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]
    rolled_back_at: Mapped[datetime | None]


class DraftRecord(Base):
    """A suggestion's config as the admin edited it, not yet deployed."""

    __tablename__ = "automation_drafts"

    suggestion_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    config: Mapped[dict[str, Any]]
    actor: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime]


@dataclass(frozen=True, slots=True, kw_only=True)
class AutomationVersion:
    """One deployed version: the config exactly as sent and HA's answer."""

    id: int
    suggestion_id: int
    number: int
    ha_automation_id: str
    entity_id: str | None
    status: str
    config: dict[str, Any]
    previous: dict[str, Any] | None
    answer: dict[str, Any]
    actor: str
    created_at: datetime
    rolled_back_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        """Return the version as JSON-ready fields."""
        return {
            "number": self.number,
            "status": self.status,
            "ha_automation_id": self.ha_automation_id,
            "entity_id": self.entity_id,
            "config": self.config,
            "previous": self.previous,
            "answer": self.answer,
            "actor": self.actor,
            "created_at": self.created_at.isoformat(),
            "rolled_back_at": self.rolled_back_at.isoformat() if self.rolled_back_at else None,
        }


def _version(row: VersionRecord) -> AutomationVersion:
    return AutomationVersion(
        id=row.id,
        suggestion_id=row.suggestion_id,
        number=row.number,
        ha_automation_id=row.ha_automation_id,
        entity_id=row.entity_id,
        status=row.status,
        config=dict(row.config),
        previous=dict(row.previous) if row.previous is not None else None,
        answer=dict(row.answer),
        actor=row.actor,
        created_at=row.created_at,
        rolled_back_at=row.rolled_back_at,
    )


class VersionTables:
    """Versions and drafts; one object per MetadataStore (``meta.versions``)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def add(
        self,
        *,
        suggestion_id: int,
        ha_automation_id: str,
        entity_id: str | None,
        config: Mapping[str, Any],
        previous: Mapping[str, Any] | None,
        answer: Mapping[str, Any],
        actor: str,
    ) -> AutomationVersion:
        """Store a newly deployed version (number = last + 1); older live ones become replaced."""
        with self._sessions.begin() as session:
            last = session.scalar(
                select(func.max(VersionRecord.number)).where(
                    VersionRecord.suggestion_id == suggestion_id
                )
            )
            session.execute(
                update(VersionRecord)
                .where(VersionRecord.suggestion_id == suggestion_id)
                .where(VersionRecord.status == "deployed")
                .values(status="replaced")
            )
            record = VersionRecord(
                suggestion_id=suggestion_id,
                number=(last or 0) + 1,
                ha_automation_id=ha_automation_id,
                entity_id=entity_id,
                status="deployed",
                config=dict(config),
                previous=dict(previous) if previous is not None else None,
                answer=dict(answer),
                actor=actor,
                created_at=datetime.now(UTC),
                rolled_back_at=None,
            )
            session.add(record)
            session.flush()
            return _version(record)

    def history(self, suggestion_id: int) -> list[AutomationVersion]:
        """Return every version of ``suggestion_id``, oldest first."""
        query = (
            select(VersionRecord)
            .where(VersionRecord.suggestion_id == suggestion_id)
            .order_by(VersionRecord.number)
        )
        with self._sessions() as session:
            return [_version(row) for row in session.scalars(query).all()]

    def live(self, suggestion_id: int) -> AutomationVersion | None:
        """Return the version now deployed in HA, or None."""
        found = [v for v in self.history(suggestion_id) if v.status == "deployed"]
        return found[-1] if found else None

    def mark_rolled_back(self, version_id: int, *, restore: int | None = None) -> None:
        """Mark one version rolled back; ``restore`` (a version id) becomes live again."""
        with self._sessions.begin() as session:
            row = session.get(VersionRecord, version_id)
            if row is None:
                raise InvalidQuery(f"there is no automation version with id {version_id}")
            row.status = "rolled_back"
            row.rolled_back_at = datetime.now(UTC)
            if restore is not None:
                earlier = session.get(VersionRecord, restore)
                if earlier is None:
                    raise InvalidQuery(f"there is no automation version with id {restore}")
                earlier.status = "deployed"

    def set_draft(self, suggestion_id: int, config: Mapping[str, Any], *, actor: str) -> None:
        """Keep the admin's edited config of ``suggestion_id`` until it is deployed."""
        with self._sessions.begin() as session:
            row = session.get(DraftRecord, suggestion_id)
            if row is None:
                row = DraftRecord(suggestion_id=suggestion_id, config={}, actor=actor)
                session.add(row)
            row.config = dict(config)
            row.actor = actor
            row.updated_at = datetime.now(UTC)

    def draft(self, suggestion_id: int) -> dict[str, Any] | None:
        """Return the edited config of ``suggestion_id``, or None when unedited."""
        with self._sessions() as session:
            row = session.get(DraftRecord, suggestion_id)
            return dict(row.config) if row is not None else None
