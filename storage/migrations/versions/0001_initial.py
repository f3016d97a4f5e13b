"""Initial metadata schema: entity registry, worker status, quarantine, audit, suggestions,
deployments.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.String(32)  # UTC ISO-8601 text, see storage.metadata.models.UtcDateTime


def upgrade() -> None:
    """Create every table of the first release."""
    op.create_table(
        "entities",
        sa.Column("entity_id", sa.String(255), primary_key=True),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("friendly_name", sa.String(), nullable=True),
        sa.Column("device_class", sa.String(64), nullable=True),
        sa.Column("unit", sa.String(32), nullable=True),
        sa.Column("area", sa.String(128), nullable=True),
        sa.Column("device_id", sa.String(128), nullable=True),
        sa.Column("first_seen", TS, nullable=True),
        sa.Column("last_seen", TS, nullable=True),
    )
    op.create_table(
        "worker_status",
        sa.Column("component", sa.String(64), primary_key=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(255), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=True),
        sa.Column("received_at", TS, nullable=False),
    )
    op.create_index("ix_quarantine_reason", "quarantine", ["reason"])
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(128), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_table(
        "suggestions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("ha_automation_id", sa.String(255), nullable=True),
        sa.Column("deployed_at", TS, nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_suggestions_status", "suggestions", ["status"])
    op.create_table(
        "deployments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column(
            "suggestion_id",
            sa.Integer(),
            sa.ForeignKey("suggestions.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("ha_automation_id", sa.String(255), nullable=True),
        sa.Column("deployed_at", TS, nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    """Drop every table."""
    for table in ("deployments", "suggestions", "audit", "quarantine", "worker_status"):
        op.drop_table(table)
    op.drop_table("entities")
