"""SQLite files that several processes open at once: WAL is switched on once, under a lock.

Changing the journal mode needs an exclusive lock, and SQLite may answer SQLITE_BUSY at once
instead of waiting in the busy handler (the busy timeout does not help). Two processes opening
a brand-new database at the same moment could both try the switch and one would fail. So every
connect only *reads* the mode; when a file is not in WAL yet, the switch happens while holding a
file lock beside the database, retried with a bounded, jittered backoff. WAL is a property of
the file: once switched, no later connect takes the lock at all.
"""

from __future__ import annotations

import fcntl
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_delay,
    wait_random_exponential,
)

_log = logging.getLogger(__name__)

# A transient lock clears in milliseconds; 30 s matches the busy timeouts of our connections,
# so only a process that holds the file for that long (a stuck one) makes the open fail.
SWITCH_TIMEOUT_S = 30.0
_NOT_ON_DISK = {"memory", ""}


def lock_path_for(database: Path) -> Path:
    """Return the lock file that guards one-time set-up of ``database``."""
    return database.with_name(database.name + ".setup.lock")


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created when missing) for the block."""
    with path.open("a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def journal_mode(conn: sqlite3.Connection) -> str:
    """Return the journal mode of ``conn``'s main database, lower case."""
    row = conn.execute("PRAGMA journal_mode").fetchone()
    return str(row[0]).lower() if row else ""


def _is_transient(err: BaseException) -> bool:
    text = str(err).lower()
    return isinstance(err, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def ensure_wal(conn: sqlite3.Connection, database: Path) -> None:
    """Put ``database`` in WAL mode if it is not yet, switching under its set-up lock.

    A file already in WAL returns at once without any lock. ``conn`` must not be inside a
    transaction. A second process that finds the file not yet in WAL waits for the lock and
    then sees the first one's switch, so only one process ever attempts it.
    """
    if journal_mode(conn) == "wal":
        return
    with file_lock(lock_path_for(database)):
        if journal_mode(conn) not in {"wal", *_NOT_ON_DISK}:
            for attempt in Retrying(
                retry=retry_if_exception(_is_transient),
                wait=wait_random_exponential(multiplier=0.01, max=0.5),
                stop=stop_after_delay(SWITCH_TIMEOUT_S),
                reraise=True,
            ):
                with attempt:
                    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                _log.warning("%s stays in journal mode %s (WAL not supported here)", database, mode)
