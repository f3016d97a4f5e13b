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
import time as _time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

import polars as pl
import pyarrow as pa
from influxdb_client_3 import InfluxDBClient3, WriteOptions, write_client_options
from influxdb_client_3.write_client.client.write_api import WriteType
from influxdb_client_3.write_client.domain.write_precision import WritePrecision

from storage.errors import StoreError, StoreUnavailable
from storage.events import EVENT_SCHEMA, KEY_COLUMNS, conform, empty_events
from storage.influx3 import queries as q
from storage.influx3.admin import ensure_database
from storage.influx3.failures import MissingTable, TokenRejected, query_failure, write_failure
from storage.influx3.frames import as_utc, to_events, to_frame
from storage.influx3.line_protocol import encode_chunks
from storage.influx3.rollup_reads import RollupsMixin
from storage.protocol import (
    ENTITY_SCHEMA,
    RetentionResult,
    StoreHealth,
    StoreStats,
    TimeSeriesStore,
    WriteResult,
    check_range,
)

log = logging.getLogger(__name__)

HORIZON_TTL_S: Final = 30.0
ENTITY_FILTER_MAX: Final = 1000


class InfluxStore(RollupsMixin):
    """Time-series store on an InfluxDB 3 database (raw) plus ``<database>_rollup``."""

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
        self._token = token
        self._timeout_s = write_timeout_s
        self._databases_ready = False
        self._horizon_cache: tuple[float, datetime | None] | None = None
        self._dirty_since: datetime | None = None
        options = WriteOptions(
            write_type=WriteType.synchronous,
            write_precision=WritePrecision.NS,
            use_v2_api=False,
            accept_partial=False,
            timeout=int(write_timeout_s * 1000),
        )
        self._client = InfluxDBClient3(  # type: ignore[no-untyped-call]
            host=self.host,
            token=token,
            database=database,
            write_client_options=write_client_options(  # type: ignore[no-untyped-call]
                write_options=options
            ),
            write_timeout=int(write_timeout_s * 1000),
            query_timeout=int(query_timeout_s * 1000),
        )

    # --- plumbing ---------------------------------------------------------------
    def _query(
        self, sql: str, params: dict[str, str], *, database: str | None = None
    ) -> pl.DataFrame:
        try:
            table = self._client.query(
                sql,
                language="sql",
                mode="all",
                database=database or self.database,
                query_parameters=params or None,
            )
        except Exception as err:  # the client raises bare Exceptions; classify them all
            raise query_failure(err, self.host) from err
        return to_frame(table)

    def _query_or_empty(self, sql: str, params: dict[str, str], **kw: Any) -> pl.DataFrame | None:
        try:
            return self._query(sql, params, **kw)
        except MissingTable:
            return None

    def _post(self, body: str, database: str) -> None:
        delay = 0.2
        for attempt in range(1, self.write_attempts + 1):
            try:
                self._client.write(record=body, database=database)  # type: ignore[no-untyped-call]
                return
            except Exception as err:  # urllib3 / client errors; classified below
                failure = write_failure(err, self.host)
                retryable = isinstance(failure, StoreUnavailable) and not isinstance(
                    failure, TokenRejected
                )
                if not retryable or attempt == self.write_attempts:
                    raise failure from err
                log.warning("write to InfluxDB 3 failed (attempt %d): %s", attempt, failure)
                _time.sleep(delay)
                delay *= 3

    def _write_lines(self, lines: list[str], database: str) -> None:
        for offset in range(0, len(lines), self.batch_lines):
            self._post("\n".join(lines[offset : offset + self.batch_lines]), database)

    def _ensure_databases(self) -> None:
        if self._databases_ready:
            return
        for name, days in (
            (self.database, self.raw_retention_days),
            (self.rollup_database, self.rollup_retention_days),
        ):
            ensure_database(
                host=self.host,
                token=self._token,
                name=name,
                retention_days=days,
                timeout_s=self._timeout_s,
            )
        self._databases_ready = True

    def _horizon(self) -> datetime | None:
        now = _time.monotonic()
        if self._horizon_cache is not None and now - self._horizon_cache[0] < HORIZON_TTL_S:
            return self._horizon_cache[1]
        frame = self._query_or_empty(q.retention_cutoff(), {})
        cutoff = None
        if frame is not None and frame.height and frame.item(0, 0) is not None:
            cutoff = datetime.fromtimestamp(int(frame.item(0, 0)) / 1e9, UTC)
        self._horizon_cache = (now, cutoff)
        return cutoff

    def _clip(self, start: datetime) -> datetime:
        horizon = self._horizon()
        return max(start, horizon) if horizon is not None else start

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
        self._ensure_databases()
        new = frame.join(self._stored_keys(frame), on=list(KEY_COLUMNS), how="anti")
        for _, body in encode_chunks(new, lines_per_chunk=self.batch_lines):
            self._post(body, self.database)
        if new.height:
            oldest = new.get_column("time").min()
            assert isinstance(oldest, datetime)
            self._dirty_since = min(oldest, self._dirty_since or oldest)
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
        found = self._query_or_empty(q.select_keys(where), where.params)
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
        begin = self._clip(start)
        if begin >= end:
            return empty_events()
        where = q.Where(start=begin, end=end, entities=self._entities(entities))
        found = self._query_or_empty(q.select_raw(where, limit=limit), where.params)
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
        begin = self._clip(start)
        if begin >= end:
            return
        where = q.Where(start=begin, end=end, entities=self._entities(entities))
        try:
            reader = self._client.query(
                q.select_raw(where),
                language="sql",
                mode="reader",
                query_parameters=where.params or None,
            )
        except Exception as err:
            failure = query_failure(err, self.host)
            if isinstance(failure, MissingTable):
                return
            raise failure from err
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
        horizon = self._horizon()
        where = q.Where(start=horizon, entities=self._entities(entities))
        found = self._query_or_empty(q.latest(where), where.params)
        return empty_events() if found is None else conform(as_utc(found))

    def entities(self) -> pl.DataFrame:
        """Return one row per entity: unit/class/area of its newest event, span and count."""
        where = q.Where(start=self._horizon())
        spans = self._query_or_empty(q.entity_spans(where), where.params)
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
        where = q.Where(start=self._horizon())
        found = self._query_or_empty(q.totals(where), where.params)
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
            found = self._query(q.parquet_bytes(), {})
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
        where = q.Where(start=self._horizon(), end=cutoff)
        counted = self._query_or_empty(q.count_rows(where), where.params)
        hidden = int(counted.item(0, 0)) if counted is not None and counted.height else 0
        self._ensure_databases()
        cutoff_ns = int(cutoff.timestamp() * 1_000_000) * 1000
        self._post(f"{q.RETENTION_TABLE} cutoff_ns={cutoff_ns}i {_time.time_ns()}", self.database)
        previous = self._horizon()
        horizon = max(cutoff, previous) if previous is not None else cutoff
        self._horizon_cache = (_time.monotonic(), horizon)
        log.info("raw retention: %d events older than %s hidden", hidden, cutoff.isoformat())
        return RetentionResult(raw_rows_deleted=hidden, cutoff=cutoff)

    def health(self) -> StoreHealth:
        """Return whether InfluxDB answers a trivial query now."""
        try:
            self._query("SELECT 1 AS ok", {})
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
        self._client.close()  # type: ignore[no-untyped-call]


if TYPE_CHECKING:  # mypy proves the class satisfies the protocol the app codes against
    _conforms: TimeSeriesStore = InfluxStore(host="http://x:1", token="t", database="d")
