"""Arrow results of InfluxDB 3 queries as polars frames with our column types."""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from storage.events import conform


def plain(table: pa.Table) -> pa.Table:
    """Return ``table`` with dictionary-encoded columns (InfluxDB tags) as plain strings."""
    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def to_frame(table: pa.Table) -> pl.DataFrame:
    """Return an Arrow query result as a polars frame with plain string tags."""
    frame = pl.from_arrow(plain(table))
    assert isinstance(frame, pl.DataFrame)
    return frame


def as_utc(frame: pl.DataFrame, *names: str) -> pl.DataFrame:
    """Return ``frame`` with naive nanosecond times (InfluxDB's) as microsecond UTC datetimes."""
    out = frame
    for name in names or ("time",):
        if name in out.columns:
            dtype = out.schema[name]
            column = pl.col(name)
            if isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
                column = column.dt.replace_time_zone("UTC")
            out = out.with_columns(column.cast(pl.Datetime("us", "UTC")).alias(name))
    return out


def to_events(table: pa.Table) -> pl.DataFrame:
    """Return raw ``events`` rows as an EVENT_SCHEMA frame."""
    return conform(as_utc(to_frame(table)))
