"""Anomaly runs and their findings; forecast summaries other processes show (issue 14).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TS = sa.String(32)  # UTC ISO-8601 text, see storage.metadata.models.UtcDateTime


def upgrade() -> None:
    """Create anomaly_runs, anomaly_findings and forecast_summaries."""
    op.create_table(
        "anomaly_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("trigger", sa.String(32), nullable=False),
        sa.Column("window_start", TS, nullable=False),
        sa.Column("window_end", TS, nullable=False),
        sa.Column("entities", sa.Integer(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_anomaly_runs_created_at", "anomaly_runs", ["created_at"])
    op.create_table(
        "anomaly_findings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "run_id",
            sa.Integer(),
            sa.ForeignKey("anomaly_runs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("start", TS, nullable=False),
        sa.Column("end", TS, nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
    )
    op.create_index("ix_anomaly_findings_run_id", "anomaly_findings", ["run_id"])
    op.create_table(
        "forecast_summaries",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )


def downgrade() -> None:
    """Drop the anomaly and forecast summary tables."""
    op.drop_table("forecast_summaries")
    op.drop_index("ix_anomaly_findings_run_id", table_name="anomaly_findings")
    op.drop_table("anomaly_findings")
    op.drop_index("ix_anomaly_runs_created_at", table_name="anomaly_runs")
    op.drop_table("anomaly_runs")
