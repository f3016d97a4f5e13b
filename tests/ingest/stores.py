"""Stores for ingest tests: an outage wrapper over any real store, and a keyed memory store.

``OutageStore`` makes a store unavailable at the protocol boundary, exactly the way a
backend reports it (StoreUnavailable from ``write``), for as long as a test says.
``KeyedMemoryStore`` is the minimal in-test store for unit tests of the writer: it keeps
one row per (entity_id, time, source), like every backend.
"""

from __future__ import annotations

import threading
from typing import Any

import polars as pl

from storage.errors import StoreUnavailable
from storage.events import EVENT_SCHEMA, KEY_COLUMNS, conform
from storage.protocol import StoreHealth, TimeSeriesStore, WriteResult


class OutageStore:
    """Delegates to ``inner``; while ``down`` is set, ``write`` and ``health`` fail."""

    def __init__(self, inner: TimeSeriesStore) -> None:
        self.inner = inner
        self.backend = inner.backend
        self.down = threading.Event()
        self.refused = 0

    def write(self, events: pl.DataFrame) -> WriteResult:
        """Write through, or raise StoreUnavailable during an outage."""
        if self.down.is_set():
            self.refused += 1
            raise StoreUnavailable("test outage: the store is down")
        return self.inner.write(events)

    def health(self) -> StoreHealth:
        """Return the inner health, or not ok during an outage."""
        if self.down.is_set():
            return StoreHealth(ok=False, backend=self.backend, detail="test outage")
        return self.inner.health()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class KeyedMemoryStore:
    """Keeps one row per event key in memory; enough of the protocol for writer tests."""

    backend = "memory"

    def __init__(self) -> None:
        self.frame = pl.DataFrame(schema=EVENT_SCHEMA)
        self.writes = 0

    def write(self, events: pl.DataFrame) -> WriteResult:
        """Store rows whose key is new; return counts."""
        batch = conform(events).unique(subset=list(KEY_COLUMNS), keep="first", maintain_order=True)
        new = batch.join(self.frame.select(KEY_COLUMNS), on=list(KEY_COLUMNS), how="anti")
        self.frame = pl.concat([self.frame, new])
        self.writes += 1
        return WriteResult(received=events.height, written=new.height)

    def health(self) -> StoreHealth:
        """Return ok."""
        return StoreHealth(ok=True, backend=self.backend, detail="memory")

    def close(self) -> None:
        """Nothing to release."""
