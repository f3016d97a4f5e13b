"""DuckDB SQL over a snapshot of catalog files; every statement reads only the files it is given.

Times are bound as parameters; file paths come from the catalog (our own names) and are
quoted as SQL string literals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

# A drop of more than this fraction of the previous reading is a meter reset.
RESET_DROP: Final[float] = 0.10
HOUR_US: Final[int] = 3_600_000_000

_STEP: Final[str] = (
    "CASE WHEN prev IS NULL THEN 0.0 WHEN value >= prev THEN value - prev "
    f"WHEN (prev - value) > {RESET_DROP!r} * abs(prev) THEN value ELSE 0.0 END"
)


@dataclass(slots=True)
class Source:
    """A ``read_parquet`` over files with a WHERE clause and its parameters."""

    paths: Sequence[str]
    start: datetime | None = None
    end: datetime | None = None
    entities: Sequence[str] | None = None
    numeric: bool = False
    params: list[object] = field(default_factory=list)

    def sql(self, columns: str = "*") -> str:
        """Return ``SELECT columns FROM read_parquet(...) WHERE ...`` and fill ``params``."""
        files = ", ".join("'" + p.replace("'", "''") + "'" for p in self.paths)
        clauses: list[str] = []
        self.params = []
        if self.start is not None:
            clauses.append("time >= ?")
            self.params.append(self.start)
        if self.end is not None:
            clauses.append("time < ?")
            self.params.append(self.end)
        if self.entities is not None:
            clauses.append(f"entity_id IN ({', '.join('?' * len(self.entities))})")
            self.params.extend(self.entities)
        if self.numeric:
            clauses.append("value IS NOT NULL")
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        # union_by_name: files written before a column was added lack it; without this
        # DuckDB reads by the first file's columns and can drop or misplace one.
        return f"SELECT {columns} FROM read_parquet([{files}], union_by_name = true){where}"


def raw_rows(src: Source, limit: int | None) -> str:
    """Return SQL for raw events ordered by entity and time.

    Every stored column (``*``): a column no file of the snapshot has yet would fail an
    explicit list; the caller adds it as null.
    """
    tail = f" LIMIT {int(limit)}" if limit is not None else ""
    return f"{src.sql('*')} ORDER BY entity_id, time, source{tail}"


def keys(src: Source) -> str:
    """Return SQL for the identity columns of stored events."""
    return src.sql("entity_id, time, source")


def bucket_aggregate(src: Source, width_us: int, agg: str) -> str:
    """Return SQL for mean/min/max/last/count of numeric values per entity and bucket."""
    expr = {
        "mean": "avg(value)",
        "min": "min(value)",
        "max": "max(value)",
        "last": "arg_max(value, time)",
        "count": "CAST(count(value) AS DOUBLE)",
    }[agg]
    inner = src.sql("entity_id, time, value")
    return (
        f"SELECT (epoch_us(time) // {width_us}) * {width_us} AS bucket, entity_id, "
        f"{expr} AS value FROM ({inner}) GROUP BY 1, 2 ORDER BY entity_id, bucket"
    )


def increase(src: Source, width_us: int, start: datetime) -> str:
    """Return SQL for per-bucket meter increase; ``src`` starts early to find prior readings."""
    inner = src.sql("entity_id, time, value")
    src.params.append(start)
    return (
        f"SELECT (epoch_us(time) // {width_us}) * {width_us} AS bucket, entity_id, "
        f"sum({_STEP}) AS value FROM (SELECT entity_id, time, value, "
        "lag(value) OVER (PARTITION BY entity_id ORDER BY time) AS prev "
        f"FROM ({inner})) WHERE time >= ? GROUP BY 1, 2 ORDER BY entity_id, bucket"
    )


def latest(src: Source) -> str:
    """Return SQL for each entity's newest event (every stored column, as ``raw_rows``)."""
    return (
        f"SELECT * FROM ({src.sql('*')}) "
        "QUALIFY row_number() OVER (PARTITION BY entity_id ORDER BY time DESC, source) = 1 "
        "ORDER BY entity_id"
    )
