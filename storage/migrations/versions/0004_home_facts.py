"""Home facts per source, HA's energy preferences, and richer entity registry rows.

``home_facts``: location, time zone, currency... as HA (get_config), the simulator or a
recorder import last reported them, one row per source. ``energy_prefs``: HA's energy
dashboard preferences, raw. ``entities`` gains device name, state class, disabled, hidden
and the source that registered the entity.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_ENTITY_COLUMNS = (
    ("device_name", sa.Text()),
    ("state_class", sa.String(64)),
    ("disabled", sa.Boolean()),
    ("hidden", sa.Boolean()),
    ("source", sa.String(16)),
)


def upgrade() -> None:
    """Create home_facts and energy_prefs; add the new entities columns."""
    op.create_table(
        "home_facts",
        sa.Column("source", sa.String(16), primary_key=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("elevation", sa.Float(), nullable=True),
        sa.Column("time_zone", sa.String(64), nullable=True),
        sa.Column("currency", sa.String(8), nullable=True),
        sa.Column("unit_system", sa.JSON(), nullable=False),
        sa.Column("version", sa.String(32), nullable=True),
        sa.Column("location_name", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "energy_prefs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("prefs", sa.JSON(), nullable=True),
        sa.Column("fetched_at", sa.String(32), nullable=False),
    )
    with op.batch_alter_table("entities") as batch:
        for name, kind in _ENTITY_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    """Drop what upgrade added."""
    with op.batch_alter_table("entities") as batch:
        for name, _ in reversed(_ENTITY_COLUMNS):
            batch.drop_column(name)
    op.drop_table("energy_prefs")
    op.drop_table("home_facts")
