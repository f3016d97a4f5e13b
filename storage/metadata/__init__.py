"""SQLite metadata: entity registry, worker status, quarantine, audit, suggestions, deployments."""

from storage.metadata.records import (
    AuditEntry,
    Deployment,
    DeploymentStatus,
    EntityInfo,
    QuarantineRow,
    Suggestion,
    SuggestionStatus,
    WorkerStatus,
)
from storage.metadata.store import QUARANTINE_KEEP, MetadataStore

__all__ = [
    "QUARANTINE_KEEP",
    "AuditEntry",
    "Deployment",
    "DeploymentStatus",
    "EntityInfo",
    "MetadataStore",
    "QuarantineRow",
    "Suggestion",
    "SuggestionStatus",
    "WorkerStatus",
]
