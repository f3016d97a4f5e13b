"""The admin's entity role choices (Settings page).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create role_choices: role -> entity id (NULL: none on purpose), chosen_at."""
    op.create_table(
        "role_choices",
        sa.Column("role", sa.String(64), primary_key=True),
        sa.Column("entity_id", sa.String(255), nullable=True),
        sa.Column("chosen_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    """Drop role_choices."""
    op.drop_table("role_choices")
