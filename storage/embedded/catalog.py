"""The SQLite catalog of the embedded store: which Parquet files are live, and what they hold.

Readers never list directories: they take a snapshot of the catalog and read exactly those
files. A file becomes visible only when the transaction that registers it commits, so a
crash leaves either the old or the new set of files (WAL mode lets readers and the single
writer work at the same time).
"""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Concatenate, Final, ParamSpec, TypeVar

from storage.errors import StoreUnavailable
from storage.sqlite_files import ensure_wal

KINDS: Final[tuple[str, ...]] = ("raw", "1h", "1d")

_SCHEMA: Final[str] = """
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    day TEXT NOT NULL,
    path TEXT NOT NULL UNIQUE,
    min_us INTEGER NOT NULL,
    max_us INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    bytes INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS files_kind_day ON files(kind, day);
CREATE TABLE IF NOT EXISTS file_entities (
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    entity_id TEXT NOT NULL,
    min_us INTEGER NOT NULL,
    max_us INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    PRIMARY KEY (file_id, entity_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS file_entities_entity ON file_entities(entity_id);
CREATE TABLE IF NOT EXISTS entity_meta (
    entity_id TEXT PRIMARY KEY,
    domain TEXT,
    unit TEXT,
    device_class TEXT,
    area TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS retired (
    path TEXT PRIMARY KEY,
    at_us INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class FileEntry:
    """One registered Parquet file."""

    id: int
    kind: str
    day: str
    path: str
    min_us: int
    max_us: int
    rows: int
    bytes: int


_FILE_FIELDS: Final[tuple[str, ...]] = (
    "id",
    "kind",
    "day",
    "path",
    "min_us",
    "max_us",
    "rows",
    "bytes",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class NewFile:
    """A file written to disk and ready to register, with its per-entity summary."""

    kind: str
    day: str
    path: str
    min_us: int
    max_us: int
    rows: int
    bytes: int
    entities: Sequence[tuple[str, int, int, int]]  # entity_id, min_us, max_us, rows


P = ParamSpec("P")
R = TypeVar("R")


def _serialized(
    method: Callable[Concatenate[Catalog, P], R],
) -> Callable[Concatenate[Catalog, P], R]:
    """Return ``method`` run under the catalog's mutex (one connection serves all threads)."""

    @functools.wraps(method)
    def run(self: Catalog, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._mutex:
            return method(self, *args, **kwargs)

    return run


class Catalog:
    """Connection to ``catalog.sqlite``; every method is one short transaction."""

    def __init__(self, path: Path) -> None:
        self._mutex = threading.RLock()
        try:
            self._conn = sqlite3.connect(
                path, timeout=30.0, isolation_level=None, check_same_thread=False
            )
            # WAL once, under a lock: readers and the writer may open a new store together.
            ensure_wal(self._conn, path)
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.executescript(_SCHEMA)
        except (sqlite3.Error, OSError) as err:
            raise StoreUnavailable(
                f"cannot open the embedded store catalog {path} ({err}); "
                "check that the folder is writable and the disk is not full"
            ) from err

    @_serialized
    def files(
        self,
        kind: str,
        *,
        start_us: int | None = None,
        end_us: int | None = None,
        entities: Sequence[str] | None = None,
        day: str | None = None,
    ) -> list[FileEntry]:
        """Return live files of ``kind`` overlapping ``[start_us, end_us)`` holding ``entities``."""
        sql = "SELECT id, kind, day, path, min_us, max_us, rows, bytes FROM files f WHERE kind = ?"
        args: list[object] = [kind]
        if day is not None:
            sql += " AND day = ?"
            args.append(day)
        if start_us is not None:
            sql += " AND max_us >= ?"
            args.append(start_us)
        if end_us is not None:
            sql += " AND min_us < ?"
            args.append(end_us)
        if entities is not None:
            marks = ",".join("?" * len(entities))
            sql += (
                " AND EXISTS (SELECT 1 FROM file_entities e WHERE e.file_id = f.id"
                f" AND e.entity_id IN ({marks}))"
            )
            args.extend(entities)
        sql += " ORDER BY min_us"
        rows = self._conn.execute(sql, args).fetchall()
        return [
            FileEntry(
                id=r[0],
                kind=r[1],
                day=r[2],
                path=r[3],
                min_us=r[4],
                max_us=r[5],
                rows=r[6],
                bytes=r[7],
            )
            for r in rows
        ]

    @_serialized
    def register(
        self,
        new: Iterable[NewFile],
        *,
        drop: Iterable[int] = (),
        meta: Iterable[tuple[str, str | None, str | None, str | None, str | None]] = (),
        settings: Iterable[tuple[str, str]] = (),
        now_us: int = 0,
    ) -> None:
        """Add ``new`` files, retire ``drop`` ids, upsert metadata and settings, atomically."""
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for file_id in drop:
                conn.execute(
                    "INSERT OR REPLACE INTO retired(path, at_us) "
                    "SELECT path, ? FROM files WHERE id = ?",
                    (now_us, file_id),
                )
                conn.execute("DELETE FROM files WHERE id = ?", (file_id,))
            for key, value in settings:
                conn.execute(
                    "INSERT INTO settings(key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )
            for item in new:
                cur = conn.execute(
                    "INSERT INTO files(kind, day, path, min_us, max_us, rows, bytes) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        item.kind,
                        item.day,
                        item.path,
                        item.min_us,
                        item.max_us,
                        item.rows,
                        item.bytes,
                    ),
                )
                if item.kind == "raw":
                    conn.executemany(
                        "INSERT INTO file_entities(file_id, entity_id, min_us, max_us, rows) "
                        "VALUES (?, ?, ?, ?, ?)",
                        [(cur.lastrowid, *ent) for ent in item.entities],
                    )
            conn.executemany(
                "INSERT INTO entity_meta(entity_id, domain, unit, device_class, area) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(entity_id) DO UPDATE SET "
                "domain = excluded.domain, unit = coalesce(excluded.unit, unit), "
                "device_class = coalesce(excluded.device_class, device_class), "
                "area = coalesce(excluded.area, area)",
                list(meta),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @_serialized
    def entity_rows(
        self,
    ) -> list[tuple[str, str | None, str | None, str | None, str | None, int, int, int]]:
        """Return per-entity (id, domain, unit, device_class, area, min_us, max_us, rows)."""
        return self._conn.execute(
            "SELECT e.entity_id, m.domain, m.unit, m.device_class, m.area, min(e.min_us), "
            "max(e.max_us), sum(e.rows) FROM file_entities e "
            "LEFT JOIN entity_meta m ON m.entity_id = e.entity_id "
            "GROUP BY e.entity_id ORDER BY e.entity_id"
        ).fetchall()

    @_serialized
    def stored_spans(
        self, day: str, entities: Sequence[str] | None
    ) -> list[tuple[str, int, int, str]]:
        """Return (entity_id, min_us, max_us, path) of each raw file of ``day`` per entity."""
        sql = (
            "SELECT e.entity_id, e.min_us, e.max_us, f.path FROM file_entities e "
            "JOIN files f ON f.id = e.file_id WHERE f.kind = 'raw' AND f.day = ?"
        )
        args: list[object] = [day]
        if entities is not None:
            sql += f" AND e.entity_id IN ({','.join('?' * len(entities))})"
            args.extend(entities)
        return self._conn.execute(sql, args).fetchall()

    @_serialized
    def newest_files(self, entities: Sequence[str] | None) -> list[FileEntry]:
        """Return the raw files holding each entity's newest event (of ``entities``, or all)."""
        sql = (
            "SELECT DISTINCT f.id, f.kind, f.day, f.path, f.min_us, f.max_us, f.rows, f.bytes "
            "FROM file_entities e JOIN (SELECT entity_id, max(max_us) AS newest "
            "FROM file_entities GROUP BY entity_id) n "
            "ON n.entity_id = e.entity_id AND n.newest = e.max_us "
            "JOIN files f ON f.id = e.file_id"
        )
        args: list[object] = []
        if entities is not None:
            sql += f" WHERE e.entity_id IN ({','.join('?' * len(entities))})"
            args.extend(entities)
        return [
            FileEntry(**dict(zip(_FILE_FIELDS, r, strict=True)))
            for r in self._conn.execute(sql, args).fetchall()
        ]

    @_serialized
    def totals(self) -> tuple[int, int, int | None, int | None, int]:
        """Return (raw rows, entities, oldest us, newest us, bytes of all files)."""
        rows, oldest, newest = self._conn.execute(
            "SELECT coalesce(sum(rows), 0), min(min_us), max(max_us) FROM files WHERE kind = 'raw'"
        ).fetchone()
        entities = self._conn.execute(
            "SELECT count(DISTINCT entity_id) FROM file_entities"
        ).fetchone()[0]
        size = self._conn.execute("SELECT coalesce(sum(bytes), 0) FROM files").fetchone()[0]
        return int(rows), int(entities), oldest, newest, int(size)

    @_serialized
    def retired_before(self, at_us: int) -> list[str]:
        """Return paths of files retired before ``at_us`` (safe to delete now)."""
        rows = self._conn.execute("SELECT path FROM retired WHERE at_us < ?", (at_us,))
        return [str(r[0]) for r in rows.fetchall()]

    @_serialized
    def forget_retired(self, paths: Sequence[str]) -> None:
        """Drop retired paths whose files are gone."""
        self._conn.executemany("DELETE FROM retired WHERE path = ?", [(p,) for p in paths])

    @_serialized
    def known_paths(self) -> set[str]:
        """Return every path the catalog lists, live or retired."""
        live = self._conn.execute("SELECT path FROM files").fetchall()
        gone = self._conn.execute("SELECT path FROM retired").fetchall()
        return {str(r[0]) for r in live} | {str(r[0]) for r in gone}

    @_serialized
    def get(self, key: str) -> str | None:
        """Return a stored setting, or None."""
        row = self._conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @_serialized
    def put(self, key: str, value: str) -> None:
        """Store a setting."""
        self._conn.execute(
            "INSERT INTO settings(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    @_serialized
    def ping(self) -> None:
        """Run a trivial query (raises sqlite3.Error when the catalog is unreadable)."""
        self._conn.execute("SELECT count(*) FROM files").fetchone()

    @_serialized
    def close(self) -> None:
        """Close the connection."""
        self._conn.close()
