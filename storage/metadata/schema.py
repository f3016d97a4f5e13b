"""Opening the metadata database: SQLite pragmas for two processes, and Alembic to head."""

from __future__ import annotations

import fcntl
import logging
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from storage.errors import StoreUnavailable
from storage.sqlite_files import ensure_wal

if TYPE_CHECKING:
    from alembic.config import Config

_log = logging.getLogger(__name__)
# Alembic narrates its import and every open at INFO; our own line says what changed.
# Set before alembic is first imported (lazily, below) so that narration never shows.
logging.getLogger("alembic").setLevel(logging.WARNING)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# The newest migration (tests/metadata/test_migrations.py keeps it equal to Alembic's head),
# so opening an up-to-date database never imports Alembic (about 20 MB with Mako/Pygments).
HEAD_REVISION = "0008"
BUSY_TIMEOUT_MS = 30_000


def alembic_config(engine: Engine) -> Config:
    """Return an Alembic config pointing at our migrations and at ``engine``'s database."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def head_revision() -> str:
    """Return the newest migration revision id."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(create_engine("sqlite://")))
    head = script.get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database is at, or None when it was never migrated."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return rows[0] if len(rows) == 1 else None


def make_engine(path: Path) -> Engine:
    """Return an engine on ``path`` in WAL mode, waiting on locks instead of failing."""
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN IMMEDIATE: a deferred transaction that
        # later writes can fail with SQLITE_BUSY at once, without the busy handler waiting.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.close()
        # Only the first process to open a new file switches it to WAL, under a file lock;
        # a switch on every connect failed at random when processes started together.
        ensure_wal(dbapi_connection, path)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database of ``engine`` to ``revision``, one process at a time."""
    if revision == "head" and current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    database = engine.url.database
    lock_path = Path(f"{database}.migrate.lock") if database else None
    lock_file = lock_path.open("a+b") if lock_path else None
    try:
        if lock_file is not None:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
        config = alembic_config(engine)
        with engine.connect() as conn:
            config.attributes["connection"] = conn
            before = MigrationContext.configure(conn).get_current_revision()
            command.upgrade(config, revision)
            conn.commit()
        _log.info("metadata database %s migrated from %s to %s", database, before, revision)
    finally:
        if lock_file is not None:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)
            lock_file.close()


def upgrade_in_child(path: Path, timeout: float = 300.0) -> None:
    """Migrate the database at ``path`` to head in a short-lived child process.

    For long-running processes (the ingest worker): Alembic, Mako and Pygments cost about
    15 MB that such a process would otherwise carry for its whole life after a first start
    or an upgrade. Nothing happens when the database is at head already.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = make_engine(path)
        try:
            if current_revision(engine) == HEAD_REVISION:
                return
        finally:
            engine.dispose()
    except (OSError, SQLAlchemyError) as err:
        raise StoreUnavailable(f"cannot open the metadata database {path} ({err})") from err
    code = (
        "import sys; from pathlib import Path; "
        "from storage.metadata.schema import make_engine, upgrade; "
        "upgrade(make_engine(Path(sys.argv[1])))"
    )
    try:
        subprocess.run(
            [sys.executable, "-c", code, str(path)],
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.CalledProcessError as err:
        detail = (err.stderr or "").strip().splitlines()
        raise StoreUnavailable(
            f"migrating the metadata database {path} failed: "
            f"{detail[-1] if detail else f'exit {err.returncode}'}"
        ) from err
    except subprocess.TimeoutExpired as err:
        raise StoreUnavailable(
            f"migrating the metadata database {path} took over {timeout:.0f} s; is another "
            "process holding it?"
        ) from err
