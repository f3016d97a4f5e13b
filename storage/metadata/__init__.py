"""SQLite metadata: entity registry, worker status, quarantine, audit, suggestions, deployments."""

from storage.metadata.records import (
    AuditEntry,
    Deployment,
    EntityInfo,
    QuarantineRow,
    Suggestion,
    WorkerStatus,
)
from storage.metadata.store import QUARANTINE_KEEP, MetadataStore

__all__ = [
    "QUARANTINE_KEEP",
    "AuditEntry",
    "Deployment",
    "EntityInfo",
    "MetadataStore",
    "QuarantineRow",
    "Suggestion",
    "WorkerStatus",
]
