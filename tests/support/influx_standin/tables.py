"""In-memory Arrow tables of the stand-in, with InfluxDB 3's write semantics.

- A table's columns are typed by their first write: a tag is ``Dictionary(Int32, Utf8)``, a
  field keeps the line-protocol type it was first written with, ``time`` is
  ``Timestamp(ns)``. Writing a field with another type, or a tag name as a field, is refused
  with InfluxDB's message.
- Same table + tag set + timestamp is one point: a later write overwrites the fields it
  carries and keeps the others (InfluxDB deduplicates this way at query time).
- A database may have a retention period; older points are hidden from queries, as InfluxDB 3
  Core enforces retention at query time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Final

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from tests.support.influx_standin.lp_parser import LineError, ParsedLine

FIELD_TYPES: Final[dict[str, pa.DataType]] = {
    "float": pa.float64(),
    "int": pa.int64(),
    "uint": pa.uint64(),
    "string": pa.string(),
    "bool": pa.bool_(),
}
_IOX_KIND: Final[dict[str, str]] = {
    "float": "field::float",
    "int": "field::integer",
    "uint": "field::uinteger",
    "string": "field::string",
    "bool": "field::boolean",
    "tag": "tag",
}
_POLARS: Final[dict[str, pl.DataType]] = {
    "float": pl.Float64(),
    "int": pl.Int64(),
    "uint": pl.UInt64(),
    "string": pl.String(),
    "bool": pl.Boolean(),
    "tag": pl.String(),
}


@dataclass
class Table:
    """Columns (name -> kind: 'tag' or a field type) and the rows written so far."""

    kinds: dict[str, str] = field(default_factory=dict)
    pending: list[dict[str, Any]] = field(default_factory=list)
    merged: pl.DataFrame | None = None
    arrow: pa.Table | None = None
    seq: int = 0

    def check(self, line: ParsedLine) -> None:
        """Raise LineError when the line's column types clash with the table's."""
        seen: dict[str, str] = {}
        for key, _ in line.tags:
            seen[key] = "tag"
        for key, kind, _ in line.fields:
            if key in seen:
                raise LineError(f"tag and field both named '{key}'")
            seen[key] = kind
        for key, kind in seen.items():
            if key == "time":
                raise LineError("column name 'time' is reserved")
            known = self.kinds.get(key)
            if known is not None and known != kind:
                raise LineError(
                    f"invalid column type for column '{key}', expected "
                    f"iox::column_type::{_IOX_KIND[known]}, got iox::column_type::{_IOX_KIND[kind]}"
                )

    def add(self, line: ParsedLine, timestamp_ns: int) -> None:
        """Append a checked line as a row."""
        row: dict[str, Any] = {"time": timestamp_ns, "__seq": self.seq}
        self.seq += 1
        for key, value in line.tags:
            self.kinds.setdefault(key, "tag")
            row[key] = value
        for key, kind, value in line.fields:
            self.kinds.setdefault(key, kind)
            row[key] = value
        self.pending.append(row)
        self.arrow = None

    def to_arrow(self, min_time_ns: int | None) -> pa.Table:
        """Return the table's points (last write wins per series and time) as Arrow."""
        if self.arrow is None:
            self._merge()
            assert self.merged is not None
            self.arrow = _as_arrow(self.merged, self.kinds)
        if min_time_ns is None:
            return self.arrow
        times = self.arrow.column("time").cast(pa.int64())
        mask = pc.greater_equal(times, pa.scalar(min_time_ns, pa.int64()))
        return self.arrow.filter(mask)

    def _merge(self) -> None:
        schema: dict[str, pl.DataType] = {"time": pl.Int64(), "__seq": pl.Int64()}
        schema.update({name: _POLARS[kind] for name, kind in self.kinds.items()})
        fresh = pl.from_dicts(self.pending, schema=schema) if self.pending else None
        self.pending = []
        frames = [frame for frame in (self.merged, fresh) if frame is not None]
        if not frames:
            self.merged = pl.DataFrame(schema=schema)
            return
        combined = pl.concat(frames, how="diagonal_relaxed")
        keys = ["time", *sorted(name for name, kind in self.kinds.items() if kind == "tag")]
        for name in keys:
            if name not in combined.columns:
                combined = combined.with_columns(pl.lit(None, dtype=pl.String).alias(name))
        if combined.select(pl.struct(keys).is_duplicated().any()).item():
            values = [c for c in combined.columns if c not in keys and c != "__seq"]
            combined = (
                combined.sort("__seq")
                .group_by(keys, maintain_order=True)
                .agg(
                    pl.col("__seq").last(),
                    *(pl.col(name).drop_nulls().last() for name in values),
                )
            )
        self.merged = combined


def _as_arrow(frame: pl.DataFrame, kinds: dict[str, str]) -> pa.Table:
    arrays: dict[str, pa.Array] = {}
    ordered = sorted(kinds.items(), key=lambda item: (item[1] != "tag", item[0]))
    for name, kind in ordered:
        column = frame.get_column(name).to_arrow() if name in frame.columns else None
        if kind == "tag":
            target: pa.DataType = pa.dictionary(pa.int32(), pa.string())
            base = column if column is not None else pa.nulls(frame.height, pa.string())
            arrays[name] = base.cast(pa.string()).dictionary_encode().cast(target)
        else:
            target = FIELD_TYPES[kind]
            arrays[name] = (
                column.cast(target) if column is not None else pa.nulls(frame.height, target)
            )
    arrays["time"] = frame.get_column("time").to_arrow().cast(pa.timestamp("ns"))
    return pa.table(arrays)


@dataclass
class Database:
    """A database: tables and an optional retention period in seconds."""

    retention_seconds: int | None = None
    tables: dict[str, Table] = field(default_factory=dict)

    def horizon_ns(self) -> int | None:
        """Return the oldest timestamp still queryable, or None without retention."""
        if self.retention_seconds is None:
            return None
        return time.time_ns() - self.retention_seconds * 1_000_000_000


class Catalog:
    """All databases of the stand-in, guarded by one lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.databases: dict[str, Database] = {}

    def database(self, name: str, *, create: bool) -> Database | None:
        """Return the database ``name``, creating it on first write like InfluxDB does."""
        db = self.databases.get(name)
        if db is None and create:
            db = self.databases[name] = Database()
        return db

    def snapshot(self, name: str) -> dict[str, pa.Table] | None:
        """Return Arrow tables of database ``name`` as of now, or None when it is unknown."""
        with self.lock:
            db = self.databases.get(name)
            if db is None:
                return None
            horizon = db.horizon_ns()
            return {table: data.to_arrow(horizon) for table, data in db.tables.items()}

    def rows(self, name: str) -> int:
        """Return how many points database ``name`` holds (after overwrites)."""
        tables = self.snapshot(name) or {}
        return sum(table.num_rows for table in tables.values())
