"""Analysis runs, the patterns they found, and suggestions tied to a run with their evidence.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TS = sa.String(32)  # UTC ISO-8601 text, see storage.metadata.models.UtcDateTime


def upgrade() -> None:
    """Create analysis_runs and patterns; add the analysis columns to suggestions."""
    op.create_table(
        "analysis_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("events_read", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("patterns", sa.Integer(), nullable=False),
        sa.Column("suggestions", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_analysis_runs_started_at", "analysis_runs", ["started_at"])
    op.create_table(
        "patterns",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "run_id",
            sa.Integer(),
            sa.ForeignKey("analysis_runs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("to_state", sa.String(64), nullable=False),
        sa.Column("trigger_entity_id", sa.String(255), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("suggested", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_patterns_run_id", "patterns", ["run_id"])
    # Plain ADD COLUMN, not a batch table copy: copying suggestions would drop the old table
    # and, with foreign keys on, null every deployments.suggestion_id pointing at it.
    for column in (
        "run_id INTEGER REFERENCES analysis_runs(id) ON DELETE SET NULL",
        "identity VARCHAR(512)",
        "entity_id VARCHAR(255)",
        "to_state VARCHAR(64)",
        "trigger_entity_id VARCHAR(255)",
        "trigger_to_state VARCHAR(64)",
        "params JSON",
        "automation JSON",
        "evidence JSON",
        "confidence FLOAT",
        "updated_at VARCHAR(32)",
    ):
        op.execute(f"ALTER TABLE suggestions ADD COLUMN {column}")
    op.create_index("ix_suggestions_run_id", "suggestions", ["run_id"])
    op.create_index("ix_suggestions_identity", "suggestions", ["identity"])


def downgrade() -> None:
    """Drop the analysis tables and the suggestions indexes."""
    # The new suggestions columns stay (nullable, unused by 0003's code): dropping them
    # needs a table copy, which would null deployments.suggestion_id (see upgrade).
    op.drop_index("ix_suggestions_identity", table_name="suggestions")
    op.drop_index("ix_suggestions_run_id", table_name="suggestions")
    op.drop_index("ix_patterns_run_id", table_name="patterns")
    op.drop_table("patterns")
    op.drop_index("ix_analysis_runs_started_at", table_name="analysis_runs")
    op.drop_table("analysis_runs")
