"""The embedded default time-series store: day-partitioned Parquet, a SQLite catalog, DuckDB reads.

One writer process (fcntl lock taken on first write) appends immutable Parquet files and
registers them in the catalog; any number of reader processes query a catalog snapshot
through DuckDB. Compaction and retention replace files in one catalog transaction and delete
the old ones after a grace period, so a reader holding an older snapshot still finds them
(and retries with a fresh snapshot if one vanished anyway).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final

import polars as pl

from storage.embedded import queries as q
from storage.embedded.catalog import Catalog
from storage.embedded.compactor import MERGE_ROWS, Compactor
from storage.embedded.reader import DAY_US, ENTITY_PRUNE_MAX, Reader, entity_names
from storage.embedded.rollups import PARTIAL_SCHEMA, empty_partials, finish
from storage.embedded.writer import Writer
from storage.errors import InvalidQuery, StoreUnavailable
from storage.events import EVENT_SCHEMA, empty_events, from_us, to_us
from storage.protocol import (
    AGGREGATE_SCHEMA,
    ENTITY_SCHEMA,
    Agg,
    RetentionResult,
    StoreHealth,
    StoreStats,
    TimeSeriesStore,
    WriteResult,
    check_agg,
    check_range,
    parse_bucket,
)

log = logging.getLogger(__name__)

# Increase counts from the last reading before the range when it is this recent.
PRIOR_LOOKBACK: Final[timedelta] = timedelta(days=2)
# iter_read sorts at most about this many rows at once.
STREAM_GROUP_ROWS: Final[int] = 500_000


class EmbeddedStore:
    """Time-series store in a folder: ``events/`` Parquet, ``rollups/``, ``catalog.sqlite``.

    It holds four parts and calls them: the catalog (which files are live), the reader
    (snapshots through DuckDB), the writer (lock, dedup, new files) and the compactor
    (merges, rollups for retention, deferred deletes).
    """

    backend = "embedded"

    def __init__(self, root: Path, *, small_files: int = 8, merge_rows: int = MERGE_ROWS) -> None:
        self.root = Path(root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StoreUnavailable(
                f"cannot create the data folder {self.root} ({err}); check HOMEIQ_DATA_DIR"
            ) from err
        self._catalog = Catalog(self.root / "catalog.sqlite")
        self._reader = Reader(self.root, self._catalog)
        self._compactor = Compactor(
            self.root, self._catalog, self._reader, small_files=small_files, merge_rows=merge_rows
        )
        self._writer = Writer(self.root, self._catalog, self._reader, self._compactor)

    @property
    def small_files(self) -> int:
        """Return how many files of one size tier a day gathers before they merge."""
        return self._compactor.small_files

    @property
    def merge_rows(self) -> int:
        """Return the most rows one compaction reads."""
        return self._compactor.merge_rows

    def write(self, events: pl.DataFrame) -> WriteResult:
        """Store a batch of events; rows whose key is stored already are skipped."""
        return self._writer.write(events)

    def apply_retention(self, raw_days: int) -> RetentionResult:
        """Roll up and drop raw days older than ``raw_days``; rollups keep answering."""
        return self._writer.apply_retention(raw_days)

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
        names = entity_names(entities)
        if limit is not None and limit < 0:
            raise InvalidQuery(f"limit {limit} is negative; pass None or a count >= 0")
        if names == []:
            return empty_events()

        def run() -> pl.DataFrame:
            paths = self._reader.snapshot("raw", start, end, names)
            if not paths:
                return empty_events()
            src = q.Source(paths, start=start, end=end, entities=names)
            sql = q.raw_rows(src, limit)
            return self._reader.frame(sql, src.params)

        return _as_events(self._reader.retrying(run))

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
        names = entity_names(entities)
        if names == []:
            return iter(())
        return self._stream(names, start, end, batch_rows)

    def _stream(
        self, names: list[str] | None, start: datetime, end: datetime, batch_rows: int
    ) -> Iterator[pl.DataFrame]:
        # Sorting by entity needs every row of an entity at once; query a few entities at a
        # time (sized by the catalog's row counts) so memory stays flat on any range.
        lo, hi = to_us(start), to_us(end)
        wanted = None if names is None else set(names)
        budget = max(batch_rows, STREAM_GROUP_ROWS)
        group: list[str] = []
        rows = 0
        for entity, *_, first_us, last_us, count in self._catalog.entity_rows():
            if (wanted is not None and entity not in wanted) or last_us < lo or first_us >= hi:
                continue
            if group and (rows + count > budget or len(group) >= ENTITY_PRUNE_MAX):
                yield from self._stream_group(group, start, end, batch_rows)
                group, rows = [], 0
            group.append(entity)
            rows += count
        if group:
            yield from self._stream_group(group, start, end, batch_rows)

    def _stream_group(
        self, names: list[str], start: datetime, end: datetime, batch_rows: int
    ) -> Iterator[pl.DataFrame]:
        paths = self._reader.snapshot("raw", start, end, names)
        if not paths:
            return
        src = q.Source(paths, start=start, end=end, entities=names)
        sql = q.raw_rows(src, None)
        cursor = self._reader.db.cursor()
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
        names = entity_names(entities)
        if names == []:
            return pl.DataFrame(schema=AGGREGATE_SCHEMA)
        width_us = int(width.total_seconds()) * 1_000_000
        horizon = self._reader.horizon_us()
        if horizon is not None and to_us(start) < horizon and width_us % q.HOUR_US == 0:
            return self._reader.retrying(
                lambda: self._from_rollups(names, start, end, width, agg, horizon)
            )
        begin = max(start, from_us(horizon)) if horizon is not None else start
        if begin >= end:
            return pl.DataFrame(schema=AGGREGATE_SCHEMA)

        def run() -> pl.DataFrame:
            since = begin - PRIOR_LOOKBACK if agg == "increase" else begin
            paths = self._reader.snapshot("raw", since, end, names)
            if not paths:
                return pl.DataFrame(schema=AGGREGATE_SCHEMA)
            src = q.Source(paths, start=since, end=end, entities=names, numeric=True)
            if agg == "increase":
                sql = q.increase(src, width_us, begin)
            else:
                sql = q.bucket_aggregate(src, width_us, agg)
            return self._reader.frame(sql, src.params)

        return _as_aggregate(self._reader.retrying(run))

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
        # Daily rollups only when the range starts on a day; else hours, so the first
        # bucket holds what the raw events from ``start`` on would give.
        kind = "1d" if width_us % DAY_US == 0 and to_us(start) % DAY_US == 0 else "1h"
        since = start - PRIOR_LOOKBACK
        old_end_us = min(to_us(end), horizon_us)
        parts = [self._rollup_rows(kind, names, since, from_us(old_end_us))]
        if to_us(end) > horizon_us:
            parts.append(self._reader.partials(names, from_us(horizon_us), end, kind))
        rows = pl.concat(parts).filter(pl.col("bucket") < to_us(end))
        start_us = to_us(start) // q.HOUR_US * q.HOUR_US
        return finish(rows, width, agg, start_us)

    def _rollup_rows(
        self, kind: str, names: list[str] | None, start: datetime, end: datetime
    ) -> pl.DataFrame:
        paths = self._reader.snapshot(kind, start, end, None)
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
        names = entity_names(entities)
        if names == []:
            return empty_events()

        def run() -> pl.DataFrame:
            files = self._catalog.newest_files(names)
            if not files:
                return empty_events()
            since = from_us(min(f.min_us for f in files))
            src = q.Source([self._reader.path_of(f) for f in files], start=since, entities=names)
            return self._reader.frame(q.latest(src), src.params)

        return _as_events(self._reader.retrying(run))

    def entities(self) -> pl.DataFrame:
        """Return one row per entity with raw events: metadata, first/last seen and count."""
        rows = self._catalog.entity_rows()
        if not rows:
            return pl.DataFrame(schema=ENTITY_SCHEMA)
        frame = pl.DataFrame(
            rows,
            schema={
                "entity_id": pl.String,
                "domain": pl.String,
                "unit": pl.String,
                "device_class": pl.String,
                "area": pl.String,
                "lo": pl.Int64,
                "hi": pl.Int64,
                "events": pl.Int64,
            },
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

    def maintain_rollups(self, now: datetime) -> dict[str, int]:
        """Do nothing and return ``{}``: rollups are built by ``apply_retention`` here."""
        return {}

    def health(self) -> StoreHealth:
        """Return whether the catalog and DuckDB answer a trivial query now."""
        try:
            self._catalog.ping()
            cursor = self._reader.db.cursor()
            try:
                cursor.execute("SELECT 1").fetchone()
            finally:
                cursor.close()
        except Exception as err:  # any failure here means the store does not answer
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
        self._writer.close()
        self._catalog.close()
        self._reader.close()


if TYPE_CHECKING:  # mypy proves the class satisfies the protocol the app codes against
    _conforms: TimeSeriesStore = EmbeddedStore(Path("."))


def _as_events(frame: pl.DataFrame) -> pl.DataFrame:
    """Return a DuckDB result cast to EVENT_SCHEMA; columns older files lack become null."""
    if frame.is_empty():
        return empty_events()
    missing = [name for name in EVENT_SCHEMA if name not in frame.columns]
    if missing:
        frame = frame.with_columns(pl.lit(None, dtype=EVENT_SCHEMA[n]).alias(n) for n in missing)
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
