"""Deployed automation versions (exactly as sent, with HA's answer) and pre-deploy drafts.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create automation_versions and automation_drafts."""
    op.create_table(
        "automation_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("suggestion_id", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("ha_automation_id", sa.String(255), nullable=False),
        sa.Column("entity_id", sa.String(255), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("previous", sa.JSON, nullable=True),
        sa.Column("answer", sa.JSON, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("rolled_back_at", sa.String(32), nullable=True),
        sa.UniqueConstraint("suggestion_id", "number", name="uq_automation_versions_number"),
    )
    op.create_index("ix_automation_versions_suggestion", "automation_versions", ["suggestion_id"])
    op.create_table(
        "automation_drafts",
        sa.Column("suggestion_id", sa.Integer, primary_key=True),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    """Drop the version and draft tables."""
    op.drop_table("automation_drafts")
    op.drop_index("ix_automation_versions_suggestion", table_name="automation_versions")
    op.drop_table("automation_versions")
