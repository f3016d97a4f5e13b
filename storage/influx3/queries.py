"""SQL text the InfluxDB 3 backend sends over Flight, built in one place.

Values never get pasted into SQL: entity ids travel as ``$e0, $e1, ...`` query parameters
(InfluxDB 3 binds them server-side); times are RFC 3339 literals made from datetimes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

from storage.influx3.line_protocol import MEASUREMENT

RETENTION_TABLE: Final = "homeiq_retention"
STATE_TABLE: Final = "homeiq_rollup_state"
SQL_AGG: Final[dict[str, str]] = {
    "mean": "avg(value)",
    "min": "min(value)",
    "max": "max(value)",
    "count": "CAST(count(value) AS DOUBLE)",
    "last": "last_value(value ORDER BY time)",
}


def literal_time(moment: datetime) -> str:
    """Return a timestamp literal InfluxDB 3 SQL compares with ``time``."""
    text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"'{text}'"


def interval(width: timedelta) -> str:
    """Return an SQL interval literal of ``width`` in whole seconds."""
    return f"INTERVAL '{int(width.total_seconds())} seconds'"


def date_bin(width: timedelta, column: str = "time") -> str:
    """Return the epoch-aligned ``date_bin`` expression for buckets of ``width``."""
    return f"date_bin({interval(width)}, {column}, TIMESTAMP '1970-01-01T00:00:00Z')"


@dataclass
class Where:
    """A WHERE clause over time and entities, with its query parameters."""

    start: datetime | None = None
    end: datetime | None = None
    entities: Sequence[str] | None = None
    numeric: bool = False
    params: dict[str, str] = field(default_factory=dict)

    def sql(self) -> str:
        """Return the clause text (starting with WHERE) and fill ``params``."""
        terms: list[str] = []
        if self.start is not None:
            terms.append(f"time >= {literal_time(self.start)}")
        if self.end is not None:
            terms.append(f"time < {literal_time(self.end)}")
        if self.numeric:
            terms.append("value IS NOT NULL")
        if self.entities is not None:
            names = []
            for index, entity in enumerate(dict.fromkeys(self.entities)):
                self.params[f"e{index}"] = entity
                names.append(f"$e{index}")
            terms.append(f"entity_id IN ({', '.join(names)})" if names else "FALSE")
        return ("WHERE " + " AND ".join(terms)) if terms else ""


def select_raw(where: Where, *, limit: int | None = None) -> str:
    """Return SQL for raw events in a range, ordered by entity and time."""
    sql = f"SELECT * FROM {MEASUREMENT} {where.sql()} ORDER BY entity_id, time, source"
    return sql + (f" LIMIT {int(limit)}" if limit is not None else "")


def select_keys(where: Where) -> str:
    """Return SQL for the identity columns of stored events in a range."""
    return f"SELECT entity_id, time, source FROM {MEASUREMENT} {where.sql()}"


def bucket_aggregate(where: Where, width: timedelta, agg: str) -> str:
    """Return SQL for one aggregate per entity and epoch-aligned bucket."""
    return (
        f"SELECT {date_bin(width)} AS time, entity_id, {SQL_AGG[agg]} AS value "
        f"FROM {MEASUREMENT} {where.sql()} GROUP BY 1, 2 ORDER BY entity_id, time"
    )


def bucket_rollup(where: Where, width: timedelta) -> str:
    """Return SQL for count, sum, min, max and last per entity and bucket."""
    return (
        f"SELECT {date_bin(width)} AS time, entity_id, count(value) AS count, "
        "sum(value) AS sum, min(value) AS min, max(value) AS max, "
        "last_value(value ORDER BY time) AS last "
        f"FROM {MEASUREMENT} {where.sql()} GROUP BY 1, 2"
    )


def samples(where: Where) -> str:
    """Return SQL for the numeric samples of a range, ordered per entity by time."""
    return (
        f"SELECT entity_id, time, value FROM {MEASUREMENT} {where.sql()} ORDER BY entity_id, time"
    )


def last_before(where: Where) -> str:
    """Return SQL for each entity's last numeric value in a range (the meter's prior reading)."""
    return (
        "SELECT entity_id, last_value(value ORDER BY time) AS value "
        f"FROM {MEASUREMENT} {where.sql()} GROUP BY entity_id"
    )


def latest(where: Where) -> str:
    """Return SQL for the newest event of each entity."""
    return (
        "SELECT * FROM (SELECT *, row_number() OVER "
        "(PARTITION BY entity_id ORDER BY time DESC, source) AS homeiq_rank "
        f"FROM {MEASUREMENT} {where.sql()}) WHERE homeiq_rank = 1 ORDER BY entity_id"
    )


def entity_spans(where: Where) -> str:
    """Return SQL for first/last seen and event count per entity."""
    return (
        "SELECT entity_id, min(time) AS first_seen, max(time) AS last_seen, "
        f"count(*) AS events FROM {MEASUREMENT} {where.sql()} GROUP BY entity_id"
    )


def totals(where: Where) -> str:
    """Return SQL for event count, entity count and time span."""
    return (
        "SELECT count(*) AS events, count(DISTINCT entity_id) AS entities, "
        f"min(time) AS oldest, max(time) AS newest FROM {MEASUREMENT} {where.sql()}"
    )


def count_rows(where: Where) -> str:
    """Return SQL counting raw events in a range."""
    return f"SELECT count(*) AS n FROM {MEASUREMENT} {where.sql()}"


def parquet_bytes() -> str:
    """Return SQL for the size of the raw table's persisted Parquet files."""
    return (
        "SELECT sum(size_bytes) AS bytes FROM system.parquet_files "
        f"WHERE table_name = '{MEASUREMENT}'"
    )


def retention_cutoff() -> str:
    """Return SQL for the newest retention cutoff recorded by ``apply_retention``."""
    return f"SELECT max(cutoff_ns) AS cutoff FROM {RETENTION_TABLE}"


def rollup_watermark(level: str) -> str:
    """Return SQL for how far the rollups of ``level`` are complete."""
    return f"SELECT max(through_ns) AS through FROM {STATE_TABLE} WHERE level = '{level}'"


def rollup_rows(table: str, where: Where) -> str:
    """Return SQL for rollup rows of one level in a range."""
    return (
        "SELECT time, entity_id, count, sum, min, max, last, increase "
        f"FROM {table} {where.sql()} ORDER BY entity_id, time"
    )


def increase_steps(where: Where, width: timedelta, reset_drop: float) -> str:
    """Return SQL for the meter increase per entity and bucket, within the range only.

    Each sample adds its rise over the previous sample in the range; a drop of more than
    ``reset_drop`` (a fraction of the previous reading) is a meter reset that adds the new
    reading. The first sample of the range adds nothing here: the caller adds its rise over
    the reading before the range (see ``first_samples`` and ``last_before``).
    """
    return (
        f"SELECT {date_bin(width)} AS time, entity_id, sum(step) AS increase FROM ("
        "SELECT entity_id, time, CASE WHEN prev IS NULL THEN 0.0 "
        "WHEN value >= prev THEN value - prev "
        f"WHEN (prev - value) > {float(reset_drop)!r} * abs(prev) THEN value "
        "ELSE 0.0 END AS step FROM ("
        "SELECT entity_id, time, value, "
        "lag(value) OVER (PARTITION BY entity_id ORDER BY time) AS prev "
        f"FROM {MEASUREMENT} {where.sql()})) GROUP BY 1, 2"
    )


def first_samples(where: Where) -> str:
    """Return SQL for each entity's first numeric sample (time and value) in a range."""
    return (
        "SELECT entity_id, min(time) AS time, first_value(value ORDER BY time) AS value "
        f"FROM {MEASUREMENT} {where.sql()} GROUP BY entity_id"
    )
