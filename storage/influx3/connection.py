"""The InfluxDB 3 connection every part of ``InfluxStore`` works through.

One ``influxdb_client_3`` client for SQL over Flight and line-protocol writes, the creation
of both databases before the first write, write retries, and the raw retention horizon
(the newest cutoff recorded in ``homeiq_retention``, cached for a few seconds).
"""

from __future__ import annotations

import logging
import time as _time
from datetime import UTC, datetime
from typing import Any, Final

import polars as pl
import pyarrow as pa
from influxdb_client_3 import InfluxDBClient3, WriteOptions, write_client_options
from influxdb_client_3.write_client.client.write_api import WriteType
from influxdb_client_3.write_client.domain.write_precision import WritePrecision

from storage.errors import StoreUnavailable
from storage.influx3 import queries as q
from storage.influx3.admin import ensure_database
from storage.influx3.failures import MissingTable, TokenRejected, query_failure, write_failure
from storage.influx3.frames import to_frame

log = logging.getLogger(__name__)

HORIZON_TTL_S: Final = 30.0


class InfluxConnection:
    """Queries, writes, database creation and the retention horizon of one InfluxDB 3."""

    def __init__(
        self,
        *,
        host: str,
        token: str,
        database: str,
        rollup_database: str,
        raw_retention_days: int | None,
        rollup_retention_days: int | None,
        batch_lines: int,
        write_attempts: int,
        write_timeout_s: float,
        query_timeout_s: float,
    ) -> None:
        self.host = host
        self.database = database
        self.rollup_database = rollup_database
        self.batch_lines = batch_lines
        self._retention = ((database, raw_retention_days), (rollup_database, rollup_retention_days))
        self._write_attempts = write_attempts
        self._token = token
        self._timeout_s = write_timeout_s
        self._databases_ready = False
        self._horizon_cache: tuple[float, datetime | None] | None = None
        options = WriteOptions(
            write_type=WriteType.synchronous,
            write_precision=WritePrecision.NS,
            use_v2_api=False,
            accept_partial=False,
            timeout=int(write_timeout_s * 1000),
        )
        self._client = InfluxDBClient3(  # type: ignore[no-untyped-call]
            host=host,
            token=token,
            database=database,
            write_client_options=write_client_options(  # type: ignore[no-untyped-call]
                write_options=options
            ),
            write_timeout=int(write_timeout_s * 1000),
            query_timeout=int(query_timeout_s * 1000),
        )

    # --- queries ----------------------------------------------------------------
    def query(
        self, sql: str, params: dict[str, str], *, database: str | None = None
    ) -> pl.DataFrame:
        """Return the result of one SQL query; raise our StoreError subclasses on failure."""
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

    def query_or_empty(self, sql: str, params: dict[str, str], **kw: Any) -> pl.DataFrame | None:
        """Return the result of ``query``, or None when its table does not exist yet."""
        try:
            return self.query(sql, params, **kw)
        except MissingTable:
            return None

    def stream(self, sql: str, params: dict[str, str]) -> pa.RecordBatchReader | None:
        """Return a Flight reader of the raw database, or None when the table does not exist."""
        try:
            reader: pa.RecordBatchReader = self._client.query(
                sql, language="sql", mode="reader", query_parameters=params or None
            )
        except Exception as err:
            failure = query_failure(err, self.host)
            if isinstance(failure, MissingTable):
                return None
            raise failure from err
        return reader

    # --- writes -----------------------------------------------------------------
    def post(self, body: str, database: str) -> None:
        """Write one line-protocol body, retrying outages (not refusals) a few times."""
        delay = 0.2
        for attempt in range(1, self._write_attempts + 1):
            try:
                self._client.write(record=body, database=database)  # type: ignore[no-untyped-call]
                return
            except Exception as err:  # urllib3 / client errors; classified below
                failure = write_failure(err, self.host)
                retryable = isinstance(failure, StoreUnavailable) and not isinstance(
                    failure, TokenRejected
                )
                if not retryable or attempt == self._write_attempts:
                    raise failure from err
                log.warning("write to InfluxDB 3 failed (attempt %d): %s", attempt, failure)
                _time.sleep(delay)
                delay *= 3

    def write_lines(self, lines: list[str], database: str) -> None:
        """Write lines in bodies of at most ``batch_lines``."""
        for offset in range(0, len(lines), self.batch_lines):
            self.post("\n".join(lines[offset : offset + self.batch_lines]), database)

    def ensure_databases(self) -> None:
        """Create the raw and rollup databases with their retention unless done already."""
        if self._databases_ready:
            return
        for name, days in self._retention:
            ensure_database(
                host=self.host,
                token=self._token,
                name=name,
                retention_days=days,
                timeout_s=self._timeout_s,
            )
        self._databases_ready = True

    # --- retention horizon ------------------------------------------------------
    def horizon(self) -> datetime | None:
        """Return the newest raw retention cutoff any process recorded, or None."""
        now = _time.monotonic()
        if self._horizon_cache is not None and now - self._horizon_cache[0] < HORIZON_TTL_S:
            return self._horizon_cache[1]
        frame = self.query_or_empty(q.retention_cutoff(), {})
        cutoff = None
        if frame is not None and frame.height and frame.item(0, 0) is not None:
            cutoff = datetime.fromtimestamp(int(frame.item(0, 0)) / 1e9, UTC)
        self._horizon_cache = (now, cutoff)
        return cutoff

    def clip(self, start: datetime) -> datetime:
        """Return ``start`` moved up to the retention horizon when it lies before it."""
        horizon = self.horizon()
        return max(start, horizon) if horizon is not None else start

    def record_cutoff(self, cutoff: datetime) -> None:
        """Record a raw retention cutoff that every process's reads start from."""
        self.ensure_databases()
        cutoff_ns = int(cutoff.timestamp() * 1_000_000) * 1000
        self.post(f"{q.RETENTION_TABLE} cutoff_ns={cutoff_ns}i {_time.time_ns()}", self.database)
        previous = self.horizon()
        horizon = max(cutoff, previous) if previous is not None else cutoff
        self._horizon_cache = (_time.monotonic(), horizon)

    def close(self) -> None:
        """Close the HTTP pool and the Flight client."""
        self._client.close()  # type: ignore[no-untyped-call]
