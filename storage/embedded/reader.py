"""The read side of the embedded store: catalog snapshots read through DuckDB.

Readers never list directories: they take the catalog's list of live files and read
exactly those, retrying with a fresh list when compaction deleted one under them.
"""

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
from storage.embedded.files import scan_events
from storage.embedded.rollups import coarsen, empty_partials, hourly_partials
from storage.errors import InvalidQuery, StoreUnavailable
from storage.events import to_us

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger(__name__)

DAY_US: Final[int] = 86_400_000_000
READ_ATTEMPTS: Final[int] = 4
# Up to this many entities the catalog prunes files per entity (SQLite bind limits).
ENTITY_PRUNE_MAX: Final[int] = 900

T = TypeVar("T")


class Reader:
    """Snapshots of live files, the DuckDB connection that reads them, and raw partials."""

    def __init__(self, root: Path, catalog: Catalog) -> None:
        self.root = root
        self._catalog = catalog
        self._duckdb: duckdb.DuckDBPyConnection | None = None
        self._duckdb_mutex = threading.Lock()

    @property
    def db(self) -> duckdb.DuckDBPyConnection:
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

    def path_of(self, entry: FileEntry) -> str:
        """Return the absolute path of a catalog entry."""
        return str(self.root / entry.path)

    def horizon_us(self) -> int | None:
        """Return where raw events start after retention (µs), or None before any."""
        value = self._catalog.get("raw_from_us")
        return None if value is None else int(value)

    def snapshot(
        self, kind: str, start: datetime | None, end: datetime | None, names: Sequence[str] | None
    ) -> list[str]:
        """Return the paths of live ``kind`` files overlapping the range and holding ``names``."""
        prune = names if names is not None and len(names) <= ENTITY_PRUNE_MAX else None
        files = self._catalog.files(
            kind,
            start_us=to_us(start) if start is not None else None,
            end_us=to_us(end) if end is not None else None,
            entities=prune,
        )
        return [self.path_of(f) for f in files]

    def retrying(self, run: Callable[[], T]) -> T:
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

    def frame(self, sql: str, params: list[object]) -> pl.DataFrame:
        """Return the result of one DuckDB statement as a polars frame."""
        cursor = self.db.cursor()
        try:
            table = cursor.sql(sql, params=params).to_arrow_table()
            return pl.DataFrame(pl.from_arrow(table))
        finally:
            cursor.close()

    def partials(
        self, names: Sequence[str] | None, start: datetime, end: datetime, kind: str = "1h"
    ) -> pl.DataFrame:
        """Return partial aggregates (``1h`` or ``1d``) of raw numeric samples in a range."""
        paths = self.snapshot("raw", start, end, names)
        if not paths:
            return empty_partials()
        wanted = (pl.col("time") >= start) & (pl.col("time") < end) & pl.col("value").is_not_null()
        if names is not None:
            wanted &= pl.col("entity_id").is_in(names)
        samples = scan_events(paths).select("entity_id", "time", "value").filter(wanted)
        hourly = self.retrying(lambda: hourly_partials(samples))
        return coarsen(hourly, DAY_US) if kind == "1d" else hourly.sort("entity_id", "bucket")

    def close(self) -> None:
        """Close DuckDB if it was opened."""
        if self._duckdb is not None:
            self._duckdb.close()
            self._duckdb = None


def entity_names(entities: Sequence[str] | None) -> list[str] | None:
    """Return ``entities`` deduplicated in order, refusing a bare string."""
    if entities is None:
        return None
    if isinstance(entities, str):
        raise InvalidQuery(f"entities must be a list of entity ids, not the string {entities!r}")
    return list(dict.fromkeys(entities))


def _vanished_errors() -> tuple[type[Exception], ...]:
    """Return the errors a read raises when a file of its snapshot was deleted under it."""
    import duckdb  # loaded already by the read that raised

    return (duckdb.IOException, duckdb.InvalidInputException, FileNotFoundError)
