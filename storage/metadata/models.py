"""SQLAlchemy 2.0 models of the metadata database; the Alembic migrations create them."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from storage.metadata.records import DeploymentStatus, SuggestionStatus


class UtcDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as ISO-8601 UTC text and returns them aware again.

    SQLite has no time zone type; text in one fixed form keeps ordering and comparison
    correct in SQL and survives any client.
    """

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        """Return ``value`` as fixed-width UTC ISO text."""
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")

    def process_result_value(self, value: str | None, dialect: Dialect) -> datetime | None:
        """Return the stored text as an aware UTC datetime."""
        if value is None:
            return None
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def status_type(enum: type[StrEnum]) -> Enum:
    """Return a column type storing ``enum`` members as their values in VARCHAR(32).

    Not a native or CHECK-constrained enum: adding a status later needs no table rebuild,
    and SQLAlchemy still refuses to load or store a value outside ``enum``.
    """
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    """Declarative base of the metadata models."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        dict[str, Any]: JSON(),
    }


class EntityRow(Base):
    """Entity registry: one row per entity id."""

    __tablename__ = "entities"

    entity_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    domain: Mapped[str] = mapped_column(String(64))
    friendly_name: Mapped[str | None]
    device_class: Mapped[str | None] = mapped_column(String(64))
    unit: Mapped[str | None] = mapped_column(String(32))
    area: Mapped[str | None] = mapped_column(String(128))
    device_id: Mapped[str | None] = mapped_column(String(128))
    first_seen: Mapped[datetime | None]
    last_seen: Mapped[datetime | None]
    device_name: Mapped[str | None] = mapped_column(Text)
    state_class: Mapped[str | None] = mapped_column(String(64))
    disabled: Mapped[bool | None] = mapped_column(Boolean)
    hidden: Mapped[bool | None] = mapped_column(Boolean)
    source: Mapped[str | None] = mapped_column(String(16))


class HomeFactsRow(Base):
    """The home's facts (location, time zone, currency) as one source last reported them."""

    __tablename__ = "home_facts"

    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    elevation: Mapped[float | None] = mapped_column(Float)
    time_zone: Mapped[str | None] = mapped_column(String(64))
    currency: Mapped[str | None] = mapped_column(String(8))
    unit_system: Mapped[dict[str, Any]]
    version: Mapped[str | None] = mapped_column(String(32))
    location_name: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]


class EnergyPrefsRow(Base):
    """HA's energy dashboard preferences, raw (one row); prefs NULL: HA has none."""

    __tablename__ = "energy_prefs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prefs: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    fetched_at: Mapped[datetime]


class WorkerStatusRow(Base):
    """Newest status payload per component."""

    __tablename__ = "worker_status"

    component: Mapped[str] = mapped_column(String(64), primary_key=True)
    payload: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class QuarantineRecord(Base):
    """Rejected payloads with their reason."""

    __tablename__ = "quarantine"
    __table_args__ = (Index("ix_quarantine_received_at", "received_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(255), index=True)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    topic: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime]


class AuditRecord(Base):
    """Audit log: who did what, when."""

    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(128))
    detail: Mapped[dict[str, Any]]


class SuggestionRecord(Base):
    """Automation suggestions and their review state."""

    __tablename__ = "suggestions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[SuggestionStatus] = mapped_column(status_type(SuggestionStatus), index=True)
    ha_automation_id: Mapped[str | None] = mapped_column(String(255))
    deployed_at: Mapped[datetime | None]
    detail: Mapped[dict[str, Any]]
    # Filled by analysis runs (migration 0004); null on suggestions made otherwise.
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("analysis_runs.id", ondelete="SET NULL"), index=True
    )
    identity: Mapped[str | None] = mapped_column(String(512), index=True)
    entity_id: Mapped[str | None] = mapped_column(String(255))
    to_state: Mapped[str | None] = mapped_column(String(64))
    trigger_entity_id: Mapped[str | None] = mapped_column(String(255))
    trigger_to_state: Mapped[str | None] = mapped_column(String(64))
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    automation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    confidence: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime | None]


class AnalysisRunRecord(Base):
    """One run of the analysis: when, over how many days, how much it read and how long."""

    __tablename__ = "analysis_runs"
    __table_args__ = (Index("ix_analysis_runs_started_at", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime]
    days: Mapped[int] = mapped_column(Integer)
    events_read: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)
    patterns: Mapped[int] = mapped_column(Integer)
    suggestions: Mapped[int] = mapped_column(Integer)
    message: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]]


class PatternRecord(Base):
    """A routine or relation an analysis run found, with the evidence to draw it."""

    __tablename__ = "patterns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("analysis_runs.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[str] = mapped_column(String(255))
    to_state: Mapped[str] = mapped_column(String(64))
    trigger_entity_id: Mapped[str | None] = mapped_column(String(255))
    params: Mapped[dict[str, Any]]
    evidence: Mapped[dict[str, Any]]
    suggested: Mapped[bool]


class DeploymentRecord(Base):
    """Automations pushed to Home Assistant."""

    __tablename__ = "deployments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime]
    suggestion_id: Mapped[int | None] = mapped_column(
        ForeignKey("suggestions.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[DeploymentStatus] = mapped_column(status_type(DeploymentStatus))
    ha_automation_id: Mapped[str | None] = mapped_column(String(255))
    deployed_at: Mapped[datetime | None]
    detail: Mapped[dict[str, Any]]


class AnomalyRunRecord(Base):
    """One anomaly analysis run (daily or on demand) over a window of days."""

    __tablename__ = "anomaly_runs"
    __table_args__ = (Index("ix_anomaly_runs_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime]
    trigger: Mapped[str] = mapped_column(String(32))
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    entities: Mapped[int] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]]


class AnomalyFindingRecord(Base):
    """One finding of a run: an unusual day or hour, or a silent entity, with its evidence."""

    __tablename__ = "anomaly_findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("anomaly_runs.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[str] = mapped_column(String(255))
    start: Mapped[datetime]
    end: Mapped[datetime]
    score: Mapped[float]
    summary: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]]


class ForecastSummaryRow(Base):
    """A small forecast answer one process computed and another shows (the kiosk's)."""

    __tablename__ = "forecast_summaries"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    payload: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
