"""The spool's on-disk format: its SQLite schema and how events become chunk rows.

Each group commit stores its events as one chunk: the event columns as JSON lists with time
in integer microseconds, which keeps the per-event cost low (see ingest_worker.spool).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import orjson
import polars as pl

from storage.events import EVENT_COLUMNS, EVENT_SCHEMA, Event, to_us

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    events INTEGER NOT NULL,
    body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS sources (
    source TEXT PRIMARY KEY,
    last_seen_us INTEGER NOT NULL,
    received INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS receipts (
    fingerprint TEXT PRIMARY KEY,
    time_us INTEGER NOT NULL,
    created_us INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS receipts_created ON receipts (created_us);
CREATE TABLE IF NOT EXISTS rejected (
    id INTEGER PRIMARY KEY,
    events INTEGER NOT NULL,
    body BLOB NOT NULL,
    reason TEXT NOT NULL,
    rejected_us INTEGER NOT NULL
);
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class SpoolStats:
    """How much the spool holds now, and its budget."""

    depth: int
    bytes: int
    budget_bytes: int
    chunks: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SpoolBatch:
    """Spooled chunks, oldest first, as handed to the writer."""

    ids: tuple[int, ...]
    events: int
    bodies: tuple[bytes, ...]

    def frame(self) -> pl.DataFrame:
        """Return the batch's events as one EVENT_SCHEMA frame, in spool order."""
        return decode_chunks(self.bodies)


def encode_chunk(events: Sequence[Event]) -> tuple[bytes, dict[str, int]]:
    """Return events as one chunk body, and the newest event time (µs) per source."""
    columns: dict[str, list[Any]] = {name: [] for name in EVENT_COLUMNS}
    newest: dict[str, int] = {}
    for event in events:
        row = event.row()
        micros = to_us(row["time"])
        row["time"] = micros
        for name in EVENT_COLUMNS:
            columns[name].append(row[name])
        if micros > newest.get(event.source, -(2**62)):
            newest[event.source] = micros
    return orjson.dumps(columns), newest


def decode_chunks(bodies: Sequence[bytes]) -> pl.DataFrame:
    """Return the events of chunk bodies as one EVENT_SCHEMA frame, in order."""
    columns: dict[str, list[Any]] = {name: [] for name in EVENT_COLUMNS}
    for body in bodies:
        chunk = orjson.loads(body)
        rows = len(chunk["time"])
        for name in EVENT_COLUMNS:
            # A chunk spooled before a column was added lacks it: null for those rows.
            columns[name].extend(chunk.get(name) or [None] * rows)
    schema = dict(EVENT_SCHEMA)
    schema["time"] = pl.Int64()
    frame = pl.DataFrame(columns, schema=schema)
    return frame.with_columns(
        pl.col("time").cast(pl.Datetime("us")).dt.replace_time_zone("UTC").alias("time")
    )
