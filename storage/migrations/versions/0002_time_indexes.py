"""Index the time columns the Health and Audit pages sort by (newest first).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add indexes on quarantine.received_at and audit.created_at."""
    op.create_index("ix_quarantine_received_at", "quarantine", ["received_at"])
    op.create_index("ix_audit_created_at", "audit", ["created_at"])


def downgrade() -> None:
    """Drop the time indexes."""
    op.drop_index("ix_audit_created_at", table_name="audit")
    op.drop_index("ix_quarantine_received_at", table_name="quarantine")
