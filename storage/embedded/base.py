"""Shared plumbing of the embedded store: folder, catalog, writer lock, DuckDB, snapshots."""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time as _time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeVar

import polars as pl

from storage.embedded.catalog import Catalog, FileEntry
from storage.embedded.files import WriterLock
from storage.errors import InvalidQuery, StoreUnavailable
from storage.events import to_us

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger(__name__)

DAY_US: Final[int] = 86_400_000_000
READ_ATTEMPTS: Final[int] = 4
# Up to this many entities the catalog prunes files per entity (SQLite bind limits).
ENTITY_PRUNE_MAX: Final[int] = 900
# One compaction reads at most this many rows, which bounds the writer's memory (about
# 200 bytes a row in memory, times three while sorting and encoding); bigger files stay.
MERGE_ROWS: Final[int] = 32_000

T = TypeVar("T")


class StoreBase:
    """Folder, catalog, lock and DuckDB connection every part of the store works through."""

    backend = "embedded"

    def __init__(self, root: Path, *, small_files: int = 8, merge_rows: int = MERGE_ROWS) -> None:
        self.root = Path(root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StoreUnavailable(
                f"cannot create the data folder {self.root} ({err}); check HOMEIQ_DATA_DIR"
            ) from err
        if small_files < 2 or merge_rows < 2:
            raise ValueError("small_files and merge_rows must be at least 2")
        self.small_files = small_files
        self.merge_rows = merge_rows
        self._catalog = Catalog(self.root / "catalog.sqlite")
        self._lock = WriterLock(self.root)
        self._write_mutex = threading.Lock()
        self._duckdb: duckdb.DuckDBPyConnection | None = None
        self._duckdb_mutex = threading.Lock()

    @property
    def _db(self) -> duckdb.DuckDBPyConnection:
        """DuckDB, connected on first read: a process that only writes never loads it."""
        with self._duckdb_mutex:
            if self._duckdb is None:
                import duckdb  # here: a writer-only process (the worker) never loads it

                db = duckdb.connect(":memory:")
                db.execute("SET TimeZone = 'UTC'")
                db.execute("SET threads = 2")
                db.execute("SET memory_limit = '1GB'")
                db.execute("SET preserve_insertion_order = false")
                # Large sorts spill here instead of failing at the memory limit.
                spill = Path(tempfile.gettempdir()) / f"homeiq-duckdb-{os.getpid()}"
                db.execute(f"SET temp_directory = '{spill.as_posix()}'")
                self._duckdb = db
            return self._duckdb

    # --- plumbing ---------------------------------------------------------------
    def _abs(self, entry: FileEntry) -> str:
        return str(self.root / entry.path)

    def _horizon_us(self) -> int | None:
        value = self._catalog.get("raw_from_us")
        return None if value is None else int(value)

    def _snapshot(
        self, kind: str, start: datetime | None, end: datetime | None, names: Sequence[str] | None
    ) -> list[str]:
        prune = names if names is not None and len(names) <= ENTITY_PRUNE_MAX else None
        files = self._catalog.files(
            kind,
            start_us=to_us(start) if start is not None else None,
            end_us=to_us(end) if end is not None else None,
            entities=prune,
        )
        return [self._abs(f) for f in files]

    def _retrying(self, run: Callable[[], T]) -> T:
        """Return ``run()``, retrying with a fresh snapshot when a listed file vanished."""
        for attempt in range(READ_ATTEMPTS):
            try:
                return run()
            except _vanished_errors() as err:
                if attempt == READ_ATTEMPTS - 1:
                    raise StoreUnavailable(
                        f"reading the embedded store {self.root} failed ({err}); "
                        "check that the data folder is intact"
                    ) from err
                log.debug("file vanished under a read, retrying: %s", err)
                _time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def _frame(self, sql: str, params: list[object]) -> pl.DataFrame:
        cursor = self._db.cursor()
        try:
            table = cursor.sql(sql, params=params).to_arrow_table()
            return pl.DataFrame(pl.from_arrow(table))
        finally:
            cursor.close()

    @staticmethod
    def _names(entities: Sequence[str] | None) -> list[str] | None:
        if entities is None:
            return None
        if isinstance(entities, str):
            raise InvalidQuery(
                f"entities must be a list of entity ids, not the string {entities!r}"
            )
        return list(dict.fromkeys(entities))


def _vanished_errors() -> tuple[type[Exception], ...]:
    """Return the errors a read raises when a file of its snapshot was deleted under it."""
    import duckdb  # loaded already by the read that raised

    return (duckdb.IOException, duckdb.InvalidInputException, FileNotFoundError)
