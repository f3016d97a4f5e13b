"""Plain frozen records the metadata store returns; callers never see ORM objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class SuggestionStatus(StrEnum):
    """Where a suggestion stands in its workflow; stored as the value."""

    NEW = "new"
    APPROVED = "approved"
    REJECTED = "rejected"
    DEPLOYED = "deployed"
    ROLLED_BACK = "rolled_back"
    FAILED = "failed"


class DeploymentStatus(StrEnum):
    """How one push of an automation to Home Assistant went; stored as the value."""

    PENDING = "pending"
    DEPLOYED = "deployed"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"


@dataclass(frozen=True, slots=True, kw_only=True)
class EntityInfo:
    """One entity of the registry: how HA names it and where it lives."""

    entity_id: str
    domain: str
    friendly_name: str | None = None
    device_class: str | None = None
    unit: str | None = None
    area: str | None = None
    device_id: str | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    device_name: str | None = None
    state_class: str | None = None
    disabled: bool | None = None
    hidden: bool | None = None
    source: str | None = None  # ha, recorder, mqtt or sim: who registered it last


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerStatus:
    """The newest status a component (the ingest worker) published."""

    component: str
    payload: dict[str, Any]
    updated_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class QuarantineRow:
    """One payload a source rejected, kept for the admin to inspect."""

    id: int
    source: str
    reason: str
    payload: bytes
    topic: str | None
    received_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    """One action a person or process took through HomeIQ."""

    id: int
    created_at: datetime
    actor: str
    action: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Suggestion:
    """An automation suggestion: what it is, its YAML/JSON body and where it stands."""

    id: int
    created_at: datetime
    kind: str
    title: str
    body: str
    status: SuggestionStatus
    ha_automation_id: str | None
    deployed_at: datetime | None
    detail: dict[str, Any] = field(default_factory=dict)
    # Set on suggestions an analysis run made (see storage.metadata.analysis).
    run_id: int | None = None
    identity: str | None = None  # kind|entity|state[|trigger...]: same key = maybe same one
    entity_id: str | None = None
    to_state: str | None = None
    trigger_entity_id: str | None = None
    trigger_to_state: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    automation: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, Any] = field(default_factory=dict)
    confidence: float | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AnalysisRun:
    """One analysis run: when it started, the days it covered, what it read and found."""

    id: int
    started_at: datetime
    days: int
    events_read: int
    seconds: float
    patterns: int
    suggestions: int
    message: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Pattern:
    """A routine or relation found by one run, with the evidence the Patterns page draws."""

    id: int
    run_id: int
    kind: str  # time | sun | trigger
    entity_id: str
    to_state: str
    trigger_entity_id: str | None
    params: dict[str, Any]
    evidence: dict[str, Any]
    suggested: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Deployment:
    """One push of an automation to Home Assistant and how it went."""

    id: int
    created_at: datetime
    suggestion_id: int | None
    title: str
    body: str
    status: DeploymentStatus
    ha_automation_id: str | None
    deployed_at: datetime | None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class AnomalyFinding:
    """One stored finding: an unusual day or hour, or a silent entity, with its evidence."""

    kind: str
    entity_id: str
    start: datetime
    end: datetime
    score: float
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class AnomalyRun:
    """One anomaly run: when, over which window, and what it found."""

    id: int
    created_at: datetime
    trigger: str
    window_start: datetime
    window_end: datetime
    entities: int
    detail: dict[str, Any]
    findings: tuple[AnomalyFinding, ...] = ()
