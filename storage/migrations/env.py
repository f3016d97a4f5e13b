"""Alembic environment of the metadata database; run programmatically by storage.metadata.

The caller puts an open SQLAlchemy connection in ``config.attributes["connection"]``;
running ``alembic`` by hand with ``-x url=sqlite:///path`` works too.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from storage.metadata.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds tables instead.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Run migrations on the caller's connection, or on one opened from ``-x url=``."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise RuntimeError("pass the database with -x url=sqlite:///path/to/homeiq.sqlite")
    engine = create_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported; run them online")
run_online()
