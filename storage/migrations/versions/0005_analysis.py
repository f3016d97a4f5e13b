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
    with op.batch_alter_table("suggestions") as batch:
        batch.add_column(sa.Column("run_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("identity", sa.String(512), nullable=True))
        batch.add_column(sa.Column("entity_id", sa.String(255), nullable=True))
        batch.add_column(sa.Column("to_state", sa.String(64), nullable=True))
        batch.add_column(sa.Column("trigger_entity_id", sa.String(255), nullable=True))
        batch.add_column(sa.Column("trigger_to_state", sa.String(64), nullable=True))
        batch.add_column(sa.Column("params", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("automation", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("evidence", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("confidence", sa.Float(), nullable=True))
        batch.add_column(sa.Column("updated_at", TS, nullable=True))
        batch.create_foreign_key(
            "fk_suggestions_run_id", "analysis_runs", ["run_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_suggestions_run_id", ["run_id"])
        batch.create_index("ix_suggestions_identity", ["identity"])


def downgrade() -> None:
    """Drop the analysis columns and tables."""
    with op.batch_alter_table("suggestions") as batch:
        batch.drop_index("ix_suggestions_identity")
        batch.drop_index("ix_suggestions_run_id")
        batch.drop_constraint("fk_suggestions_run_id", type_="foreignkey")
        for name in (
            "updated_at",
            "confidence",
            "evidence",
            "automation",
            "params",
            "trigger_to_state",
            "trigger_entity_id",
            "to_state",
            "entity_id",
            "identity",
            "run_id",
        ):
            batch.drop_column(name)
    op.drop_index("ix_patterns_run_id", table_name="patterns")
    op.drop_table("patterns")
    op.drop_index("ix_analysis_runs_started_at", table_name="analysis_runs")
    op.drop_table("analysis_runs")
