"""The audit log: who did what to which suggestion, configs before and after, HA's answer.

Entries never hold secrets: callers pass configs and HA's answers, never tokens or hashes,
and every text field is checked for a bearer token before it is stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from storage.metadata import AuditEntry, MetadataStore

# A JWT (HA access tokens) or a bearer header: never stored even if an error text holds one.
_SECRET = re.compile(r"(Bearer\s+\S+|eyJ[\w-]+\.[\w-]+\.[\w-]+)")
ACTIONS = (
    "approve",
    "reject",
    "edit",
    "deploy",
    "deploy_failed",
    "deploy_refused",
    "rollback",
    "rollback_failed",
    "rollback_refused",
    "ha_copy_kept",
    "reword",
    "role_change",
    "export",
)


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return _SECRET.sub("[secret removed]", value)
    if isinstance(value, Mapping):
        return {str(k): _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


@dataclass(frozen=True, kw_only=True)
class AuditRow:
    """One audit entry as pages and the CLI show it."""

    id: int
    when: str
    who: str
    action: str
    suggestion_id: int | None
    what: str
    before: Any
    after: Any
    answer: Any

    def to_dict(self) -> dict[str, Any]:
        """Return the entry as JSON-ready fields."""
        return dict(self.__dict__)


def _row(entry: AuditEntry) -> AuditRow:
    detail = entry.detail
    return AuditRow(
        id=entry.id,
        when=entry.created_at.isoformat(),
        who=entry.actor,
        action=entry.action,
        suggestion_id=detail.get("suggestion_id"),
        what=str(detail.get("what", "")),
        before=detail.get("before"),
        after=detail.get("after"),
        answer=detail.get("answer"),
    )


class AuditLog:
    """Writes and reads audit entries in the metadata store."""

    def __init__(self, meta: MetadataStore) -> None:
        self.meta = meta

    def record(
        self,
        *,
        actor: str,
        action: str,
        what: str,
        suggestion_id: int | None = None,
        before: Any = None,
        after: Any = None,
        answer: Any = None,
    ) -> int:
        """Append one entry; return its id."""
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}; known: {', '.join(ACTIONS)}")
        detail = {
            "suggestion_id": suggestion_id,
            "what": what,
            "before": before,
            "after": after,
            "answer": answer,
        }
        return self.meta.audit(actor=actor, action=action, detail=_scrub(detail))

    def record_export(self, *, actor: str, rows: int, scope: str, fmt: str, path: str) -> int:
        """Append an ``export`` entry (CLI and app word it alike); return its id."""
        return self.record(
            actor=actor, action="export", what=f"{rows:,} rows of {scope} as {fmt} to {path}"
        )

    def entries(self, limit: int = 500) -> list[AuditRow]:
        """Return the newest ``limit`` entries, newest first."""
        return [_row(entry) for entry in self.meta.list_audit(limit)]
