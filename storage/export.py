"""Streaming export of raw events or aggregates to CSV or Parquet, memory flat at any size.

Rows are read a group of entities and a week at a time through the store (``iter_read``
batches or ``aggregate``) and appended to the file as they come; within each week the rows
are ordered by entity and time. CSV times are ISO-8601 UTC
(``2026-01-05T12:00:00.000000Z``); text cells a spreadsheet would run as a formula (starting
with ``=``, ``+``, ``-``, ``@``, tab or carriage return, and not a number) get a leading ``'``.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Final, Literal

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from storage.errors import StoreError
from storage.events import EVENT_SCHEMA
from storage.protocol import (
    AGGREGATE_SCHEMA,
    TimeSeriesStore,
    check_agg,
    check_range,
    parse_bucket,
)

_log = logging.getLogger(__name__)

Format = Literal["csv", "parquet"]
FORMATS: Final[tuple[str, ...]] = ("csv", "parquet")
ENTITY_GROUP: Final[int] = 64  # entities per store query
WINDOW: Final[timedelta] = timedelta(days=7)  # time span per store query
EPOCH: Final[datetime] = datetime(1970, 1, 1, tzinfo=UTC)
_NOTHING: Final[pl.DataFrame] = pl.DataFrame()
_FORMULA_START: Final[str] = r"^[=+\-@\t\r]"
ISO_UTC: Final[str] = "%Y-%m-%dT%H:%M:%S%.6fZ"

Progress = Callable[[int, float], None]  # rows written so far, fraction of entities done


class ExportError(StoreError):
    """The export file could not be written; the message names the path and what to check."""


def neutralize(column: str) -> pl.Expr:
    """Return ``column`` with formula-looking text that is not a number prefixed by ``'``."""
    text = pl.col(column)
    risky = text.str.contains(_FORMULA_START) & text.cast(pl.Float64, strict=False).is_null()
    return pl.when(risky).then(pl.lit("'") + text).otherwise(text).alias(column)


def csv_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Return ``frame`` with ISO-8601 UTC times and every text column neutralized."""
    exprs = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime):
            exprs.append(pl.col(name).dt.convert_time_zone("UTC").dt.strftime(ISO_UTC))
        elif dtype == pl.String:
            exprs.append(neutralize(name))
        else:
            exprs.append(pl.col(name))
    return frame.select(exprs)


def _groups(store: TimeSeriesStore, entities: Sequence[str] | None) -> list[list[str]]:
    known = sorted(store.latest(None).get_column("entity_id").unique().to_list())
    wanted = known if not entities else sorted(set(entities))
    return [wanted[i : i + ENTITY_GROUP] for i in range(0, len(wanted), ENTITY_GROUP)]


def _windows(start: datetime, end: datetime, width: timedelta | None) -> list[datetime]:
    """Return boundaries cutting ``[start, end)`` into about-a-week pieces on bucket edges."""
    step = WINDOW if width is None else width * max(1, math.ceil(WINDOW / width))
    step_us = step // timedelta(microseconds=1)
    start_us = (start - EPOCH) // timedelta(microseconds=1)
    edges = [start]
    edge = EPOCH + timedelta(microseconds=(start_us // step_us + 1) * step_us)
    while edge < end:
        edges.append(edge)
        edge += step
    edges.append(end)
    return edges


def _batches(
    store: TimeSeriesStore,
    groups: list[list[str]],
    start: datetime,
    end: datetime,
    bucket: str | None,
    agg: str | None,
    batch_rows: int,
) -> Iterator[tuple[pl.DataFrame, float]]:
    # Entity groups x week windows keep each store query (and its sort) small, so memory
    # stays flat however long the range; rows come ordered by entity and time per window.
    edges = _windows(start, end, parse_bucket(bucket) if bucket else None)
    pieces = len(groups) * (len(edges) - 1)
    done = 0
    for group in groups:
        for lo, hi in itertools.pairwise(edges):
            done += 1
            if bucket is None:
                for frame in store.iter_read(group, lo, hi, batch_rows=batch_rows):
                    yield frame, done / pieces
            else:
                frame = store.aggregate(group, lo, hi, bucket, check_agg(agg or "mean"))
                for offset in range(0, frame.height, batch_rows):
                    yield frame.slice(offset, batch_rows), done / pieces
            yield _NOTHING, done / pieces


def export_events(
    store: TimeSeriesStore,
    out: Path,
    *,
    fmt: str,
    start: datetime,
    end: datetime,
    entities: Sequence[str] | None = None,
    bucket: str | None = None,
    agg: str | None = None,
    batch_rows: int = 100_000,
    progress: Progress | None = None,
) -> int:
    """Write events in ``[start, end)`` (aggregated when ``bucket`` is given) to ``out``.

    Returns the number of rows written. The file appears complete or not at all: rows go
    to a temporary sibling that is renamed at the end.
    """
    if fmt not in FORMATS:
        raise ExportError(f"export format {fmt!r} is unknown; use csv or parquet")
    check_range(start, end)
    if bucket is not None:
        parse_bucket(bucket)
        check_agg(agg or "mean")
    if out.exists() and not out.is_file():
        # The file is renamed into place at the end; renaming over a device such as
        # /dev/null or a folder would replace it, so refuse instead.
        raise ExportError(f"export target {out} exists and is not a regular file; give a file path")
    groups = _groups(store, entities)
    temp = out.with_name(f".{out.name}.partial")
    rows = 0
    try:
        with _writer(temp, fmt) as write:
            for frame, done in _batches(store, groups, start, end, bucket, agg, batch_rows):
                if frame.height:
                    write(frame)
                    rows += frame.height
                if progress is not None:
                    progress(rows, done)
            if rows == 0:  # still a valid file with the columns, for tools that read it
                write(pl.DataFrame(schema=EVENT_SCHEMA if bucket is None else AGGREGATE_SCHEMA))
        temp.replace(out)
    except OSError as err:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise ExportError(
            f"cannot write the export to {out} ({err.strerror or err}); check that the folder "
            "exists and is writable and that the disk has room"
        ) from err
    _log.debug("exported %d rows to %s", rows, out)
    return rows


@contextlib.contextmanager
def _writer(path: Path, fmt: str) -> Iterator[Callable[[pl.DataFrame], None]]:
    handle: IO[bytes] = path.open("wb")
    parquet: pq.ParquetWriter | None = None
    schema: pa.Schema | None = None
    header = True

    def write(frame: pl.DataFrame) -> None:
        nonlocal parquet, schema, header
        if fmt == "csv":
            csv_ready(frame).write_csv(handle, include_header=header)
            header = False
            return
        table = frame.to_arrow()
        if parquet is None:
            schema = table.schema
            parquet = pq.ParquetWriter(handle, schema, compression="zstd")
        parquet.write_table(table.cast(schema))

    try:
        yield write
        if parquet is not None:
            parquet.close()
    finally:
        handle.close()
