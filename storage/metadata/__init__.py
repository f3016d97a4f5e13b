"""SQLite metadata: entity registry, worker status, quarantine, audit, suggestions, deployments."""

from storage.metadata.analysis import AnalysisTables, PatternWrite, SuggestionWrite
from storage.metadata.records import (
    AnalysisRun,
    AnomalyFinding,
    AnomalyRun,
    AuditEntry,
    Deployment,
    DeploymentStatus,
    EntityInfo,
    Pattern,
    QuarantineRow,
    Suggestion,
    SuggestionStatus,
    WorkerStatus,
)
from storage.metadata.store import QUARANTINE_KEEP, MetadataStore

__all__ = [
    "QUARANTINE_KEEP",
    "AnalysisRun",
    "AnalysisTables",
    "AnomalyFinding",
    "AnomalyRun",
    "AuditEntry",
    "Deployment",
    "DeploymentStatus",
    "EntityInfo",
    "MetadataStore",
    "Pattern",
    "PatternWrite",
    "QuarantineRow",
    "Suggestion",
    "SuggestionStatus",
    "SuggestionWrite",
    "WorkerStatus",
]
