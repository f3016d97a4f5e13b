"""Bucketed aggregates and rollup maintenance of ``InfluxStore`` (a part the store holds).

Short ranges aggregate raw events in SQL with ``date_bin``. Long ranges, and ranges older
than the raw retention cutoff, read the worker-maintained rollups for the part the rollups
cover and aggregate raw events for the rest, composing both exactly (see rollups.py).
"""

from __future__ import annotations

import logging
import time as _time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Final

import polars as pl

from storage.influx3 import queries as q
from storage.influx3.connection import InfluxConnection
from storage.influx3.frames import as_utc
from storage.influx3.rollups import (
    LEVELS,
    RESET_DROP,
    ROLLUP_SCHEMA,
    compose,
    encode_rollups,
    finish,
    level_for,
    table_of,
    with_first_steps,
)
from storage.protocol import AGGREGATE_SCHEMA, Agg, check_agg, check_range, parse_bucket

log = logging.getLogger(__name__)

PRIOR_LOOKBACK: Final = timedelta(days=7)
WATERMARK_TTL_S: Final = 30.0
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def floor_to(moment: datetime, width: timedelta) -> datetime:
    """Return ``moment`` floored to an epoch-aligned multiple of ``width``."""
    return _EPOCH + ((moment - _EPOCH) // width) * width


class Rollups:
    """Aggregation over raw events and the worker-maintained rollup tables."""

    def __init__(
        self,
        conn: InfluxConnection,
        *,
        min_range: timedelta,
        retention_days: int | None,
    ) -> None:
        self._conn = conn
        self._min_range = min_range
        self._retention_days = retention_days
        # Oldest event written since the last maintenance: its day is recomputed.
        self._dirty_since: datetime | None = None
        self._watermark_cache: tuple[float, datetime | None] | None = None

    def mark_written(self, oldest: datetime) -> None:
        """Note that raw events from ``oldest`` on were written (rollups must cover them)."""
        self._dirty_since = min(oldest, self._dirty_since or oldest)

    # --- reads ------------------------------------------------------------------
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
        names = list(entities) if entities is not None else None
        level = level_for(width)
        if level is not None:
            through = self.rollup_watermark()
            horizon = self._conn.horizon()
            long_range = end - start >= self._min_range
            expired = horizon is not None and start < horizon
            if through is not None and through > start and (long_range or expired):
                return self._from_rollups(names, start, end, width, agg, level, through)
        begin = self._conn.clip(start)
        if begin >= end:
            return pl.DataFrame(schema=AGGREGATE_SCHEMA)
        if agg == "increase":
            rows = self._increase_rows(names, begin, end, width)
            return (
                rows.rename({"increase": "value"})
                .select(list(AGGREGATE_SCHEMA))
                .cast(AGGREGATE_SCHEMA)  # type: ignore[arg-type]
                .sort("entity_id", "time")
            )
        where = q.Where(start=begin, end=end, entities=names, numeric=True)
        found = self._conn.query_or_empty(q.bucket_aggregate(where, width, agg), where.params)
        if found is None:
            return pl.DataFrame(schema=AGGREGATE_SCHEMA)
        return as_utc(found).select(list(AGGREGATE_SCHEMA)).cast(AGGREGATE_SCHEMA)  # type: ignore[arg-type]

    def _from_rollups(
        self,
        names: list[str] | None,
        start: datetime,
        end: datetime,
        width: timedelta,
        agg: str,
        level: str,
        through: datetime,
    ) -> pl.DataFrame:
        step = LEVELS[level]
        split = min(through, end)
        where = q.Where(start=floor_to(start, step), end=split, entities=names)
        stored = self._conn.query_or_empty(
            q.rollup_rows(table_of(level), where), where.params, database=self._conn.rollup_database
        )
        parts = [_rollup_frame(stored)]
        if split < end:
            parts.append(self._raw_rollup(names, max(split, self._conn.clip(split)), end, step))
        rows = compose(pl.concat(parts), width)
        return finish(rows.filter(pl.col("time") < end), agg)

    def _raw_rollup(
        self, names: list[str] | None, start: datetime, end: datetime, width: timedelta
    ) -> pl.DataFrame:
        """Return ROLLUP_SCHEMA rows computed from raw events in ``[start, end)``."""
        if start >= end:
            return pl.DataFrame(schema=ROLLUP_SCHEMA)
        where = q.Where(start=start, end=end, entities=names, numeric=True)
        stats = self._conn.query_or_empty(q.bucket_rollup(where, width), where.params)
        if stats is None or stats.is_empty():
            return pl.DataFrame(schema=ROLLUP_SCHEMA)
        increase = self._increase_rows(names, start, end, width)
        joined = as_utc(stats).with_columns(pl.col("entity_id").cast(pl.String))
        joined = joined.join(increase, on=["time", "entity_id"], how="left")
        return _rollup_frame(joined.with_columns(pl.col("increase").fill_null(0.0)))

    def _increase_rows(
        self, names: list[str] | None, start: datetime, end: datetime, width: timedelta
    ) -> pl.DataFrame:
        where = q.Where(start=start, end=end, entities=names, numeric=True)
        steps = self._conn.query_or_empty(q.increase_steps(where, width, RESET_DROP), where.params)
        where = q.Where(start=start, end=end, entities=names, numeric=True)
        firsts = self._conn.query_or_empty(q.first_samples(where), where.params)
        where = q.Where(
            start=self._conn.clip(start - PRIOR_LOOKBACK), end=start, entities=names, numeric=True
        )
        prior = self._conn.query_or_empty(q.last_before(where), where.params)
        empty = pl.DataFrame(
            schema={
                "time": ROLLUP_SCHEMA["time"],
                "entity_id": pl.String(),
                "increase": pl.Float64(),
            }
        )
        if steps is None or steps.is_empty():
            return empty
        return with_first_steps(
            as_utc(steps).with_columns(pl.col("entity_id").cast(pl.String)),
            as_utc(firsts) if firsts is not None else pl.DataFrame(),
            prior if prior is not None else pl.DataFrame(),
            width,
        )

    # --- maintenance ------------------------------------------------------------
    def rollup_watermark(self) -> datetime | None:
        """Return the time up to which rollups are complete, or None before the first run."""
        now = _time.monotonic()
        if self._watermark_cache is not None and now - self._watermark_cache[0] < WATERMARK_TTL_S:
            return self._watermark_cache[1]
        found = self._conn.query_or_empty(
            q.rollup_watermark("all"), {}, database=self._conn.rollup_database
        )
        through = None
        if found is not None and found.height and found.item(0, 0) is not None:
            through = datetime.fromtimestamp(int(found.item(0, 0)) / 1e9, UTC)
        self._watermark_cache = (now, through)
        return through

    def maintain_rollups(self, now: datetime) -> dict[str, int]:
        """Bring the 1m/1h/1d rollups up to ``now`` (floored to the minute); return rows per level.

        Recomputes whole UTC days from the day holding the older of the watermark and the
        oldest event written since the last run, so late and backfilled events are counted;
        rewriting a rollup point overwrites it (same series and time in InfluxDB).
        """
        through = floor_to(now, LEVELS["1m"])
        watermark = self.rollup_watermark()
        begin = watermark
        if begin is None:
            where = q.Where(start=self._conn.horizon())
            found = self._conn.query_or_empty(q.totals(where), where.params)
            if found is None or not found.height or found.item(0, "oldest") is None:
                return {}
            begin = as_utc(found, "oldest").item(0, "oldest")
        if self._dirty_since is not None:
            begin = min(begin, self._dirty_since)
        assert begin is not None
        day = floor_to(self._conn.clip(begin), LEVELS["1d"])
        written = dict.fromkeys(LEVELS, 0)
        days = self._retention_days
        keep_from = (
            now - timedelta(days=days) if days is not None else floor_to(begin, LEVELS["1d"])
        )
        self._conn.ensure_databases()
        while day < through:
            chunk_end = min(day + LEVELS["1d"], through)
            minute = self._raw_rollup(None, self._conn.clip(day), chunk_end, LEVELS["1m"])
            for level, rows in (
                ("1m", minute),
                ("1h", compose(minute, LEVELS["1h"])),
                ("1d", compose(minute, LEVELS["1d"])),
            ):
                lines = encode_rollups(rows.filter(pl.col("time") >= keep_from), level)
                self._conn.write_lines(lines, self._conn.rollup_database)
                written[level] += len(lines)
            day += LEVELS["1d"]
        stamp = int(through.timestamp()) * 1_000_000_000
        self._conn.write_lines(
            [f"{q.STATE_TABLE},level=all through_ns={stamp}i {_time.time_ns()}"],
            self._conn.rollup_database,
        )
        self._dirty_since = None
        self._watermark_cache = (_time.monotonic(), through)
        log.info("rollups maintained through %s: %s", through.isoformat(), written)
        return written


def _rollup_frame(frame: pl.DataFrame | None) -> pl.DataFrame:
    if frame is None or frame.is_empty():
        return pl.DataFrame(schema=ROLLUP_SCHEMA)
    return (
        as_utc(frame)
        .with_columns(pl.col("entity_id").cast(pl.String))
        .select(list(ROLLUP_SCHEMA))
        .cast(ROLLUP_SCHEMA)  # type: ignore[arg-type]
    )
