"""``InfluxStore``: the TimeSeriesStore on InfluxDB 3 through ``influxdb_client_3``.

Writes are line protocol to ``/api/v3/write_lp`` (nanosecond timestamps, all-or-nothing per
request); reads are SQL over Arrow Flight, returned as polars frames.

Identity: InfluxDB keys a point by table + tag set + timestamp and lets a later write win.
Our identity is (entity_id, time, source), and ``area`` / ``device_class`` are tags that can
change for an entity, which would make a second series for the same event. So ``write``
first asks which keys of the batch are stored already and sends only new rows: a re-sent
event is skipped whatever its tags are now, as the protocol requires (first write wins).

Retention: see ``apply_retention`` and storage/influx3/admin.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final

import polars as pl
import pyarrow as pa

from storage.errors import StoreError
from storage.events import EVENT_SCHEMA, KEY_COLUMNS, conform, empty_events
from storage.influx3 import queries as q
from storage.influx3.connection import InfluxConnection
from storage.influx3.failures import MissingTable
from storage.influx3.frames import as_utc, to_events
from storage.influx3.line_protocol import encode_chunks
from storage.influx3.rollup_reads import Rollups
from storage.protocol import (
    ENTITY_SCHEMA,
    Agg,
    RetentionResult,
    StoreHealth,
    StoreStats,
    TimeSeriesStore,
    WriteResult,
    check_range,
)

log = logging.getLogger(__name__)

ENTITY_FILTER_MAX: Final = 1000


class InfluxStore:
    """Time-series store on an InfluxDB 3 database (raw) plus ``<database>_rollup``.

    It holds two parts and calls them: the connection (queries, writes, databases, the
    retention horizon) and the rollups (bucketed aggregates and their maintenance).
    """

    backend = "influxdb3"

    def __init__(
        self,
        *,
        host: str,
        token: str,
        database: str,
        rollup_database: str | None = None,
        raw_retention_days: int | None = 90,
        rollup_retention_days: int | None = 730,
        batch_lines: int = 5000,
        write_attempts: int = 3,
        write_timeout_s: float = 10.0,
        query_timeout_s: float = 60.0,
        rollup_min_range: timedelta = timedelta(days=2),
    ) -> None:
        if not host.startswith(("http://", "https://")):
            raise StoreError(
                f"InfluxDB 3 host {host!r} needs a scheme and port, "
                "for example http://influxdb3:8181; check HOMEIQ_INFLUX_HOST"
            )
        if not token:
            raise StoreError("no InfluxDB 3 token given; set HOMEIQ_INFLUX_TOKEN")
        self.host = host.rstrip("/")
        self.database = database
        self.rollup_database = rollup_database or f"{database}_rollup"
        self.raw_retention_days = raw_retention_days
        self.rollup_retention_days = rollup_retention_days
        self.batch_lines = batch_lines
        self.write_attempts = max(1, write_attempts)
        self.rollup_min_range = rollup_min_range
        self._conn = InfluxConnection(
            host=self.host,
            token=token,
            database=database,
            rollup_database=self.rollup_database,
            raw_retention_days=raw_retention_days,
            rollup_retention_days=rollup_retention_days,
            batch_lines=batch_lines,
            write_attempts=self.write_attempts,
            write_timeout_s=write_timeout_s,
            query_timeout_s=query_timeout_s,
        )
        self._rollups = Rollups(
            self._conn, min_range=rollup_min_range, retention_days=rollup_retention_days
        )

    @staticmethod
    def _entities(entities: Sequence[str] | None) -> Sequence[str] | None:
        return list(entities) if entities is not None else None

    # --- writes -----------------------------------------------------------------
    def write(self, events: pl.DataFrame) -> WriteResult:
        """Store a batch of events; rows whose key is stored already are skipped."""
        frame = conform(events)
        if frame.is_empty():
            return WriteResult(received=0, written=0)
        frame = frame.unique(subset=list(KEY_COLUMNS), keep="first", maintain_order=True)
        if self.raw_retention_days is not None:
            # InfluxDB 3 refuses points older than the database's retention period; dropping
            # them here keeps one old event from failing (and blocking) a whole batch.
            floor = datetime.now(UTC) - timedelta(days=self.raw_retention_days)
            expired = frame.filter(pl.col("time") < floor).height
            if expired:
                log.info(
                    "skipped %d events older than the %d-day raw retention",
                    expired,
                    self.raw_retention_days,
                )
                frame = frame.filter(pl.col("time") >= floor)
            if frame.is_empty():
                return WriteResult(received=events.height, written=0)
        self._conn.ensure_databases()
        new = frame.join(self._stored_keys(frame), on=list(KEY_COLUMNS), how="anti")
        for _, body in encode_chunks(new, lines_per_chunk=self.batch_lines):
            self._conn.post(body, self.database)
        if new.height:
            oldest = new.get_column("time").min()
            assert isinstance(oldest, datetime)
            self._rollups.mark_written(oldest)
        return WriteResult(received=events.height, written=new.height)

    def _stored_keys(self, frame: pl.DataFrame) -> pl.DataFrame:
        names = frame.get_column("entity_id").unique().to_list()
        oldest, newest = frame.get_column("time").min(), frame.get_column("time").max()
        assert isinstance(oldest, datetime) and isinstance(newest, datetime)
        where = q.Where(
            start=oldest,
            end=newest + timedelta(microseconds=1),
            entities=names if len(names) <= ENTITY_FILTER_MAX else None,
        )
        found = self._conn.query_or_empty(q.select_keys(where), where.params)
        schema = {name: EVENT_SCHEMA[name] for name in KEY_COLUMNS}
        if found is None or found.is_empty():
            return pl.DataFrame(schema=schema)
        return as_utc(found).select(list(KEY_COLUMNS)).cast(schema)  # type: ignore[arg-type]

    # --- reads ------------------------------------------------------------------
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
        begin = self._conn.clip(start)
        if begin >= end:
            return empty_events()
        where = q.Where(start=begin, end=end, entities=self._entities(entities))
        found = self._conn.query_or_empty(q.select_raw(where, limit=limit), where.params)
        return empty_events() if found is None else conform(as_utc(found))

    def iter_read(
        self,
        entities: Sequence[str] | None,
        start: datetime,
        end: datetime,
        *,
        batch_rows: int = 100_000,
    ) -> Iterator[pl.DataFrame]:
        """Yield the rows of ``read`` in frames of at most ``batch_rows``, streamed from Flight."""
        check_range(start, end)
        begin = self._conn.clip(start)
        if begin >= end:
            return
        where = q.Where(start=begin, end=end, entities=self._entities(entities))
        reader = self._conn.stream(q.select_raw(where), where.params)
        if reader is None:
            return
        pending: list[pa.RecordBatch] = []
        rows = 0
        for batch in reader:
            pending.append(batch)
            rows += batch.num_rows
            while rows >= batch_rows:
                table = pa.Table.from_batches(pending)
                yield to_events(table.slice(0, batch_rows))
                rest = table.slice(batch_rows)
                pending, rows = rest.to_batches(), rest.num_rows
        if rows:
            yield to_events(pa.Table.from_batches(pending))

    def latest(self, entities: Sequence[str] | None = None) -> pl.DataFrame:
        """Return the newest event of each entity."""
        horizon = self._conn.horizon()
        where = q.Where(start=horizon, entities=self._entities(entities))
        found = self._conn.query_or_empty(q.latest(where), where.params)
        return empty_events() if found is None else conform(as_utc(found))

    def entities(self) -> pl.DataFrame:
        """Return one row per entity: unit/class/area of its newest event, span and count."""
        where = q.Where(start=self._conn.horizon())
        spans = self._conn.query_or_empty(q.entity_spans(where), where.params)
        if spans is None or spans.is_empty():
            return pl.DataFrame(schema=ENTITY_SCHEMA)
        newest = self.latest().select("entity_id", "domain", "unit", "device_class", "area")
        return (
            as_utc(spans, "first_seen", "last_seen")
            .with_columns(pl.col("entity_id").cast(pl.String))
            .join(newest, on="entity_id", how="left")
            .select(list(ENTITY_SCHEMA))
            .cast(ENTITY_SCHEMA)  # type: ignore[arg-type]
            .sort("entity_id")
        )

    def stats(self) -> StoreStats:
        """Return event and entity counts, time span and the Parquet bytes InfluxDB reports."""
        where = q.Where(start=self._conn.horizon())
        found = self._conn.query_or_empty(q.totals(where), where.params)
        if found is None or found.is_empty() or not found.item(0, "events"):
            return StoreStats(
                backend=self.backend,
                events=0,
                entities=0,
                oldest=None,
                newest=None,
                bytes_on_disk=None,
            )
        row = as_utc(found, "oldest", "newest").row(0, named=True)
        return StoreStats(
            backend=self.backend,
            events=int(row["events"]),
            entities=int(row["entities"]),
            oldest=row["oldest"],
            newest=row["newest"],
            bytes_on_disk=self._parquet_bytes(),
        )

    def _parquet_bytes(self) -> int | None:
        # InfluxDB 3 lists persisted Parquet files in a system table; the WAL is not counted.
        try:
            found = self._conn.query(q.parquet_bytes(), {})
        except StoreError:
            return None
        value = found.item(0, 0) if found.height and found.width else None
        return int(value) if value is not None else None

    # --- retention and health ---------------------------------------------------
    def apply_retention(self, raw_days: int) -> RetentionResult:
        """Hide raw events older than ``raw_days`` days from every read; rollups stay.

        InfluxDB 3 Core cannot delete points by time (no DELETE in SQL; only whole tables or
        databases can be dropped). The raw database is created with the raw retention period,
        so InfluxDB itself expires old points; this call first brings the rollups up to date,
        then records the cutoff in table ``homeiq_retention``, and every raw read of every
        process starts at the newest recorded cutoff. The points stay on disk until the
        database's own retention period deletes them.
        """
        now = datetime.now(UTC)
        cutoff = now - timedelta(days=raw_days)
        self.maintain_rollups(now)
        where = q.Where(start=self._conn.horizon(), end=cutoff)
        counted = self._conn.query_or_empty(q.count_rows(where), where.params)
        hidden = int(counted.item(0, 0)) if counted is not None and counted.height else 0
        self._conn.record_cutoff(cutoff)
        log.info("raw retention: %d events older than %s hidden", hidden, cutoff.isoformat())
        return RetentionResult(raw_rows_deleted=hidden, cutoff=cutoff)

    # --- rollups ----------------------------------------------------------------
    def aggregate(
        self,
        entities: Sequence[str] | None,
        start: datetime,
        end: datetime,
        bucket: str,
        agg: Agg,
    ) -> pl.DataFrame:
        """Return AGGREGATE_SCHEMA rows: numeric value aggregated per entity and bucket."""
        return self._rollups.aggregate(entities, start, end, bucket, agg)

    def rollup_watermark(self) -> datetime | None:
        """Return the time up to which rollups are complete, or None before the first run."""
        return self._rollups.rollup_watermark()

    def maintain_rollups(self, now: datetime) -> dict[str, int]:
        """Bring the 1m/1h/1d rollups up to ``now``; return rows written per level."""
        return self._rollups.maintain_rollups(now)

    def health(self) -> StoreHealth:
        """Return whether InfluxDB answers a trivial query now."""
        try:
            self._conn.query("SELECT 1 AS ok", {})
        except MissingTable:
            return StoreHealth(
                ok=True,
                backend=self.backend,
                detail=f"InfluxDB 3 at {self.host} answers; database {self.database} "
                "is created by the first write",
            )
        except StoreError as err:
            return StoreHealth(ok=False, backend=self.backend, detail=str(err))
        return StoreHealth(
            ok=True,
            backend=self.backend,
            detail=f"InfluxDB 3 at {self.host} answers (database {self.database})",
        )

    def close(self) -> None:
        """Close the HTTP pool and the Flight client."""
        self._conn.close()


if TYPE_CHECKING:  # mypy proves the class satisfies the protocol the app codes against
    _conforms: TimeSeriesStore = InfluxStore(host="http://x:1", token="t", database="d")
