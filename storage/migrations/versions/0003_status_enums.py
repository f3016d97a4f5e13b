"""Suggestion and deployment statuses become fixed sets of values (enums stored as text).

Rows written before hold free strings. Each is mapped to the workflow value it meant
("rolled back" -> rolled_back, "ok" -> deployed, ...); a string that matches none becomes
``new`` (suggestions: back to review) or ``failed`` (deployments: not known to be live), and
the original string is kept in the row's ``detail`` as ``legacy_status`` so nothing is lost.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import json
import re
from typing import Final

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The values as of this revision (a copy: a migration must not change when the code does).
SUGGESTION: Final = ("new", "approved", "rejected", "deployed", "rolled_back", "failed")
DEPLOYMENT: Final = ("pending", "deployed", "failed", "rolled_back")
ALIASES: Final[dict[str, str]] = {
    "suggested": "new",
    "open": "new",
    "pending": "new",
    "proposed": "new",
    "accepted": "approved",
    "approve": "approved",
    "ok": "deployed",
    "success": "deployed",
    "succeeded": "deployed",
    "done": "deployed",
    "active": "deployed",
    "live": "deployed",
    "declined": "rejected",
    "dismissed": "rejected",
    "reject": "rejected",
    "rolledback": "rolled_back",
    "rollback": "rolled_back",
    "reverted": "rolled_back",
    "removed": "rolled_back",
    "error": "failed",
    "failure": "failed",
    "fail": "failed",
    "deploying": "pending",
    "queued": "pending",
}
FALLBACK: Final[dict[str, str]] = {"suggestions": "new", "deployments": "failed"}


def map_status(table: str, raw: str | None) -> str | None:
    """Return the workflow value a legacy status string meant, or None when none fits."""
    allowed = SUGGESTION if table == "suggestions" else DEPLOYMENT
    key = re.sub(r"[\s\-]+", "_", (raw or "").strip().lower())
    if key in allowed:
        return key
    alias = ALIASES.get(key.replace("_", "")) or ALIASES.get(key)
    if alias == "pending" and table == "suggestions":
        alias = "new"
    if alias == "new" and table == "deployments":
        alias = "pending"
    return alias if alias in allowed else None


def upgrade() -> None:
    """Rewrite every status to its enum value; keep unmappable originals in ``detail``."""
    bind = op.get_bind()
    for table in ("suggestions", "deployments"):
        rows = bind.execute(sa.text(f"SELECT id, status, detail FROM {table}")).all()
        for row_id, raw, detail in rows:
            value = map_status(table, raw)
            if value == raw:
                continue
            params: dict[str, object] = {"id": row_id, "status": value or FALLBACK[table]}
            sql = f"UPDATE {table} SET status = :status"
            if value is None:
                kept = json.loads(detail) if detail else {}
                if not isinstance(kept, dict):
                    kept = {"detail": kept}
                kept["legacy_status"] = raw
                params["detail"] = json.dumps(kept)
                sql += ", detail = :detail"
            bind.execute(sa.text(f"{sql} WHERE id = :id"), params)


def downgrade() -> None:
    """Nothing to undo: the enum values are valid free strings for the older code."""
