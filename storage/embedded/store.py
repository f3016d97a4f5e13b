"""The embedded default time-series store: day-partitioned Parquet, a SQLite catalog, DuckDB reads.

One writer process (fcntl lock taken on first write) appends immutable Parquet files and
registers them in the catalog; any number of reader processes query a catalog snapshot
through DuckDB. Compaction and retention replace files in one catalog transaction and delete
the old ones after a grace period, so a reader holding an older snapshot still finds them
(and retries with a fresh snapshot if one vanished anyway).
"""

from __future__ import annotations

import logging
import threading
import time as _time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final, TypeVar

import duckdb
import polars as pl

from storage.embedded import queries as q
from storage.embedded.catalog import Catalog, FileEntry, NewFile, from_us, to_us
from storage.embedded.files import TMP_SUFFIX, WriterLock, remove_quietly, write_parquet_atomic
from storage.embedded.maintenance import Maintenance
from storage.embedded.rollups import PARTIAL_SCHEMA, empty_partials, finish
from storage.errors import InvalidQuery, StoreError, StoreUnavailable
from storage.events import EVENT_SCHEMA, KEY_COLUMNS, conform, empty_events, now_utc
from storage.protocol import (
    AGGREGATE_SCHEMA,
    ENTITY_SCHEMA,
    Agg,
    RetentionResult,
    StoreHealth,
    StoreStats,
    WriteResult,
    check_agg,
    check_range,
    parse_bucket,
)

log = logging.getLogger(__name__)

DAY_US: Final[int] = 86_400_000_000
PRIOR_LOOKBACK: Final[timedelta] = timedelta(days=2)
READ_ATTEMPTS: Final[int] = 4
# Below this many entities the catalog prunes files per entity (SQLite bind limits).
ENTITY_PRUNE_MAX: Final[int] = 900

T = TypeVar("T")


class EmbeddedStore(Maintenance):
    """Time-series store in a folder: ``events/`` Parquet, ``rollups/``, ``catalog.sqlite``."""

    backend = "embedded"

    def __init__(self, root: Path, *, small_files: int = 8, small_rows: int = 250_000) -> None:
        self.root = Path(root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StoreUnavailable(
                f"cannot create the data folder {self.root} ({err}); check HOMEIQ_DATA_DIR"
            ) from err
        self.small_files = small_files
        self.small_rows = small_rows
        self._catalog = Catalog(self.root / "catalog.sqlite")
        self._lock = WriterLock(self.root)
        self._write_mutex = threading.Lock()
        self._db = duckdb.connect(":memory:")
        self._db.execute("SET TimeZone = 'UTC'")
        self._db.execute("SET threads = 2")
        self._db.execute("SET memory_limit = '1GB'")
        self._db.execute("SET preserve_insertion_order = false")

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
            except (duckdb.IOException, duckdb.InvalidInputException, FileNotFoundError) as err:
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

    # --- writing ----------------------------------------------------------------
    def write(self, events: pl.DataFrame) -> WriteResult:
        """Store a batch of events; rows whose key is stored already are skipped."""
        try:
            frame = conform(events)
        except ValueError as err:
            raise InvalidQuery(str(err)) from err
        received = frame.height
        if received == 0:
            return WriteResult(received=0, written=0)
        with self._write_mutex:
            self._take_lock()
            frame = frame.unique(subset=list(KEY_COLUMNS), keep="first", maintain_order=True)
            horizon = self._horizon_us()
            if horizon is not None:
                kept = frame.filter(pl.col("time") >= from_us(horizon))
                if kept.height < frame.height:
                    log.info(
                        "skipped %d event(s) older than the raw retention horizon %s",
                        frame.height - kept.height,
                        from_us(horizon).isoformat(),
                    )
                frame = kept
            new: list[NewFile] = []
            written = 0
            days = frame.with_columns(pl.col("time").dt.date().alias("_day"))
            for part in days.partition_by("_day", include_key=False):
                fresh = self._without_stored(part)
                if fresh.is_empty():
                    continue
                new.append(self._write_day(fresh))
                written += fresh.height
            if new:
                meta = (
                    frame.unique("entity_id", keep="last")
                    .select("entity_id", "domain", "unit", "device_class", "area")
                    .rows()
                )
                self._catalog.register(new, meta=meta)
                for day in sorted({f.day for f in new}):
                    self._compact_day(day)
            self._collect_retired()
        return WriteResult(received=received, written=written)

    def _without_stored(self, part: pl.DataFrame) -> pl.DataFrame:
        """Return the rows of one day's batch whose key is not stored yet."""
        lo = part.get_column("time").min()
        hi = part.get_column("time").max()
        assert isinstance(lo, datetime) and isinstance(hi, datetime)
        names = part.get_column("entity_id").unique().to_list()
        end = hi + timedelta(microseconds=1)
        paths = self._snapshot("raw", lo, end, names)
        if not paths:
            return part
        src = q.Source(paths, start=lo, end=end)
        if len(names) <= ENTITY_PRUNE_MAX:
            src.entities = names
        sql = q.keys(src)
        stored = self._frame(sql, src.params)
        if stored.is_empty():
            return part
        stored = stored.with_columns(pl.col("time").cast(EVENT_SCHEMA["time"]))
        return part.join(stored, on=list(KEY_COLUMNS), how="anti", nulls_equal=True)

    def _write_day(self, part: pl.DataFrame, kind: str = "raw") -> NewFile:
        """Write one day's rows as a new Parquet file and return its catalog entry."""
        ordered = part.sort("entity_id", "time", "source")
        day = ordered.get_column("time").min()
        assert isinstance(day, datetime)
        day_text = day.date().isoformat()
        folder = self.root / "events" / f"day={day_text}"
        path, size = write_parquet_atomic(ordered, folder)
        per_entity = (
            ordered.group_by("entity_id")
            .agg(
                pl.col("time").min().dt.epoch("us").alias("lo"),
                pl.col("time").max().dt.epoch("us").alias("hi"),
                pl.len().alias("rows"),
            )
            .rows()
        )
        times = ordered.get_column("time").dt.epoch("us")
        return NewFile(
            kind=kind,
            day=day_text,
            path=str(path.relative_to(self.root)),
            min_us=int(times.min()),  # type: ignore[arg-type]
            max_us=int(times.max()),  # type: ignore[arg-type]
            rows=ordered.height,
            bytes=size,
            entities=per_entity,
        )

    def _take_lock(self) -> None:
        """Take the writer lock on first write, then clear files a crashed writer left behind."""
        if self._lock.held:
            return
        self._lock.acquire()
        known = self._catalog.known_paths()
        orphans = [
            path
            for folder in ("events", "rollups")
            for path in (self.root / folder).rglob("*")
            if path.is_file()
            and (path.name.endswith(TMP_SUFFIX) or str(path.relative_to(self.root)) not in known)
        ]
        if orphans:
            log.info("removing %d file(s) a stopped writer left unregistered", len(orphans))
            remove_quietly(orphans)

    # --- reading ----------------------------------------------------------------
    def read(
        self,
        entities: Sequence[str] | None,
        start: datetime,
        end: datetime,
        *,
        limit: int | None = None,
    ) -> pl.DataFrame:
        """Return raw events in ``[start, end)`` ordered by entity_id, time."""
        check_range(start, end)
        names = self._names(entities)
        if limit is not None and limit < 0:
            raise InvalidQuery(f"limit {limit} is negative; pass None or a count >= 0")
        if names == []:
            return empty_events()

        def run() -> pl.DataFrame:
            paths = self._snapshot("raw", start, end, names)
            if not paths:
                return empty_events()
            src = q.Source(paths, start=start, end=end, entities=names)
            sql = q.raw_rows(src, limit)
            return self._frame(sql, src.params)

        return _as_events(self._retrying(run))

    def iter_read(
        self,
        entities: Sequence[str] | None,
        start: datetime,
        end: datetime,
        *,
        batch_rows: int = 100_000,
    ) -> Iterator[pl.DataFrame]:
        """Yield the same rows as ``read`` in frames of at most ``batch_rows``."""
        check_range(start, end)
        if batch_rows <= 0:
            raise InvalidQuery(f"batch_rows {batch_rows} must be a positive row count")
        names = self._names(entities)
        if names == []:
            return iter(())
        return self._stream(names, start, end, batch_rows)

    def _stream(
        self, names: list[str] | None, start: datetime, end: datetime, batch_rows: int
    ) -> Iterator[pl.DataFrame]:
        paths = self._snapshot("raw", start, end, names)
        if not paths:
            return
        src = q.Source(paths, start=start, end=end, entities=names)
        sql = q.raw_rows(src, None)
        cursor = self._db.cursor()
        try:
            reader = cursor.sql(sql, params=src.params).to_arrow_reader(batch_rows)
            for batch in reader:
                if batch.num_rows:
                    yield _as_events(pl.DataFrame(pl.from_arrow(batch)))
        finally:
            cursor.close()

    def aggregate(
        self,
        entities: Sequence[str] | None,
        start: datetime,
        end: datetime,
        bucket: str,
        agg: Agg,
    ) -> pl.DataFrame:
        """Return AGGREGATE_SCHEMA rows: numeric value aggregated per entity and bucket."""
        check_range(start, end)
        width = parse_bucket(bucket)
        check_agg(agg)
        names = self._names(entities)
        if names == []:
            return pl.DataFrame(schema=AGGREGATE_SCHEMA)
        width_us = int(width.total_seconds()) * 1_000_000
        horizon = self._horizon_us()
        if horizon is not None and to_us(start) < horizon and width_us % q.HOUR_US == 0:
            return self._retrying(
                lambda: self._from_rollups(names, start, end, width, agg, horizon)
            )
        begin = max(start, from_us(horizon)) if horizon is not None else start
        if begin >= end:
            return pl.DataFrame(schema=AGGREGATE_SCHEMA)

        def run() -> pl.DataFrame:
            since = begin - PRIOR_LOOKBACK if agg == "increase" else begin
            paths = self._snapshot("raw", since, end, names)
            if not paths:
                return pl.DataFrame(schema=AGGREGATE_SCHEMA)
            src = q.Source(paths, start=since, end=end, entities=names, numeric=True)
            if agg == "increase":
                sql = q.increase(src, width_us, begin)
            else:
                sql = q.bucket_aggregate(src, width_us, agg)
            return self._frame(sql, src.params)

        return _as_aggregate(self._retrying(run))

    def _from_rollups(
        self,
        names: list[str] | None,
        start: datetime,
        end: datetime,
        width: timedelta,
        agg: str,
        horizon_us: int,
    ) -> pl.DataFrame:
        """Return an aggregate answered from rollups before the horizon and raw data after."""
        width_us = int(width.total_seconds()) * 1_000_000
        kind = "1d" if width_us % DAY_US == 0 else "1h"
        since = start - PRIOR_LOOKBACK
        old_end_us = min(to_us(end), horizon_us)
        parts = [self._rollup_rows(kind, names, since, from_us(old_end_us))]
        if to_us(end) > horizon_us:
            parts.append(self.partials(names, from_us(horizon_us), end, kind))
        rows = pl.concat(parts).filter(pl.col("bucket") < to_us(end))
        start_us = to_us(start) // q.HOUR_US * q.HOUR_US
        return finish(rows, width, agg, start_us)

    def _rollup_rows(
        self, kind: str, names: list[str] | None, start: datetime, end: datetime
    ) -> pl.DataFrame:
        paths = self._snapshot(kind, start, end, None)
        if not paths:
            return empty_partials()
        frame = pl.read_parquet(paths).cast(PARTIAL_SCHEMA)  # type: ignore[arg-type]
        frame = frame.filter(
            (pl.col("bucket") >= to_us(start) // DAY_US * DAY_US) & (pl.col("bucket") < to_us(end))
        )
        if names is not None:
            frame = frame.filter(pl.col("entity_id").is_in(names))
        return frame

    def latest(self, entities: Sequence[str] | None = None) -> pl.DataFrame:
        """Return the newest event of each entity."""
        names = self._names(entities)
        if names == []:
            return empty_events()

        def run() -> pl.DataFrame:
            files = self._catalog.newest_files(names)
            if not files:
                return empty_events()
            since = from_us(min(f.min_us for f in files))
            src = q.Source([self._abs(f) for f in files], start=since, entities=names)
            return self._frame(q.latest(src), src.params)

        return _as_events(self._retrying(run))

    def entities(self) -> pl.DataFrame:
        """Return one row per entity with raw events: metadata, first/last seen and count."""
        rows = self._catalog.entity_rows()
        if not rows:
            return pl.DataFrame(schema=ENTITY_SCHEMA)
        frame = pl.DataFrame(
            rows,
            schema=["entity_id", "domain", "unit", "device_class", "area", "lo", "hi", "events"],
            orient="row",
        )
        return frame.select(
            "entity_id",
            "domain",
            "unit",
            "device_class",
            "area",
            pl.col("lo").cast(pl.Datetime("us")).dt.replace_time_zone("UTC").alias("first_seen"),
            pl.col("hi").cast(pl.Datetime("us")).dt.replace_time_zone("UTC").alias("last_seen"),
            "events",
        ).cast(ENTITY_SCHEMA)  # type: ignore[arg-type]

    def stats(self) -> StoreStats:
        """Return raw event and entity counts, time span and bytes on disk."""
        rows, entities, oldest, newest, size = self._catalog.totals()
        catalog_bytes = sum(
            p.stat().st_size for p in self.root.glob("catalog.sqlite*") if p.is_file()
        )
        return StoreStats(
            backend=self.backend,
            events=rows,
            entities=entities,
            oldest=from_us(oldest) if oldest is not None else None,
            newest=from_us(newest) if newest is not None else None,
            bytes_on_disk=size + catalog_bytes,
        )

    def live_files(self, kind: str = "raw") -> int:
        """Return how many files of ``kind`` (raw, 1h, 1d) the catalog lists now."""
        return len(self._catalog.files(kind))

    def health(self) -> StoreHealth:
        """Return whether the catalog and DuckDB answer a trivial query now."""
        try:
            self._catalog.ping()
            cursor = self._db.cursor()
            try:
                cursor.execute("SELECT 1").fetchone()
            finally:
                cursor.close()
        except (StoreError, duckdb.Error, OSError, Exception) as err:
            return StoreHealth(
                ok=False,
                backend=self.backend,
                detail=f"embedded store at {self.root} does not answer ({err}); "
                "check the data folder and free disk space",
            )
        rows, entities, _, _, _ = self._catalog.totals()
        return StoreHealth(
            ok=True,
            backend=self.backend,
            detail=f"{rows} events of {entities} entities in {self.root}",
        )

    def close(self) -> None:
        """Release the writer lock, the catalog and DuckDB."""
        self._lock.release()
        self._catalog.close()
        self._db.close()

    def apply_retention(self, raw_days: int) -> RetentionResult:
        """Roll up and drop raw days older than ``raw_days``; rollups keep answering."""
        if raw_days < 1:
            raise InvalidQuery(f"raw_days {raw_days} must be at least 1 day")
        cutoff_us = (to_us(now_utc()) // DAY_US - raw_days) * DAY_US
        with self._write_mutex:
            self._take_lock()
            deleted = self._retire_days_before(cutoff_us)
            self._collect_retired()
        return RetentionResult(raw_rows_deleted=deleted, cutoff=from_us(cutoff_us))


def _as_events(frame: pl.DataFrame) -> pl.DataFrame:
    """Return a DuckDB result cast to EVENT_SCHEMA."""
    if frame.is_empty():
        return empty_events()
    return frame.select(list(EVENT_SCHEMA)).cast(EVENT_SCHEMA)  # type: ignore[arg-type]


def _as_aggregate(frame: pl.DataFrame) -> pl.DataFrame:
    """Return a bucket query result as AGGREGATE_SCHEMA rows ordered by entity and time."""
    if frame.is_empty():
        return pl.DataFrame(schema=AGGREGATE_SCHEMA)
    return (
        frame.select(
            pl.col("bucket").cast(pl.Datetime("us")).dt.replace_time_zone("UTC").alias("time"),
            pl.col("entity_id"),
            pl.col("value").cast(pl.Float64),
        )
        .cast(AGGREGATE_SCHEMA)  # type: ignore[arg-type]
        .sort("entity_id", "time")
    )
