"""Drains the spool into the time-series store, oldest first, deleting only what was stored.

The store's own identity rule (entity_id, time, source) makes a repeated write harmless, so
after a crash between "store confirmed" and "spool deleted" the batch is simply written
again. When the store is down the writer backs off (ingest_worker.backoff), the spool
grows, and the backlog drains in order once the store answers again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import polars as pl

from ingest_worker.backoff import Backoff
from ingest_worker.daemon_thread import in_daemon_thread
from ingest_worker.spool import Spool
from ingest_worker.spool_chunks import SpoolBatch
from storage.errors import StoreError, StoreLocked
from storage.protocol import TimeSeriesStore, WriteResult

_log = logging.getLogger(__name__)


@dataclass(slots=True, kw_only=True)
class WriterState:
    """What the writer last saw of the store, for /healthz and the status payload."""

    ok: bool = True
    detail: str = "no write yet"
    written_total: int = 0
    batches_total: int = 0
    failures_total: int = 0
    last_write_at: float | None = None
    last_batch_seconds: float = 0.0


class SpoolWriter:
    """Moves spooled events into the store in ordered batches."""

    def __init__(
        self,
        spool: Spool,
        store: TimeSeriesStore,
        *,
        batch_size: int,
        max_backoff: float = 5.0,
        idle_poll: float = 1.0,
    ) -> None:
        self._spool = spool
        self._store = store
        self._batch_size = batch_size
        self._idle_poll = idle_poll
        self._backoff = Backoff(base=min(0.2, max_backoff), cap=max_backoff)
        self.state = WriterState()
        self._outage_since: float | None = None
        self._drained_since_outage = 0
        # A store write runs in a thread that a cancelled await cannot stop; shutdown waits
        # for it instead of starting a second, concurrent write.
        self._inflight: asyncio.Future[WriteResult] | None = None

    async def run(self) -> None:
        """Drain the spool forever (until cancelled), backing off while the store is down."""
        while True:
            if not await self._spool.wait_for_data(self._idle_poll):
                continue
            moved = await self.write_once()
            if moved is None:
                await self._backoff.sleep()

    async def drain(self, deadline: float) -> int:
        """Write spooled events until the spool is empty or ``deadline`` (monotonic) passes.

        Returns the number of events stored; used on shutdown, so it never backs off.
        """
        moved_total = 0
        if self._inflight is not None and not self._inflight.done():
            await asyncio.wait({self._inflight}, timeout=max(0.0, deadline - time.monotonic()))
            if not self._inflight.done():
                return 0  # the store hangs; a second write beside it would not help
        while time.monotonic() < deadline:
            moved = await self.write_once()
            if not moved:
                break
            moved_total += moved
        return moved_total

    async def write_once(self) -> int | None:
        """Write the oldest spooled batch; return its event count, 0 if empty, None on failure."""
        # With a backlog, bigger writes: the per-write cost of the store (files, catalog,
        # fsync) and of our spool delete is what limits catching up, not the row count.
        backlog = self._spool.stats().depth
        limit = self._batch_size if backlog <= self._batch_size else 2 * self._batch_size
        batch = await self._spool.peek(limit)
        if batch is None:
            self._note_empty()
            return 0
        started = time.monotonic()
        self._inflight = in_daemon_thread(self._write_sync, batch, name="store-write")
        try:
            await asyncio.shield(self._inflight)
        except ValueError as err:
            # The store refuses the data itself; retrying would block the spool forever.
            _log.error(
                "store refused %d spooled events as invalid (%s); moved them to the spool's "
                "'rejected' table",
                batch.events,
                err,
            )
            await self._spool.reject(batch, str(err))
            return batch.events
        except (StoreError, OSError) as err:
            self._note_failure(err)
            return None
        await self._spool.ack(batch)
        self._note_success(batch.events, time.monotonic() - started)
        return batch.events

    def _write_sync(self, batch: SpoolBatch) -> WriteResult:
        frame: pl.DataFrame = batch.frame()
        return self._store.write(frame)

    def _note_failure(self, err: Exception) -> None:
        self.state.ok = False
        self.state.failures_total += 1
        self.state.detail = f"{type(err).__name__}: {err}"
        if self._outage_since is None:
            self._outage_since = time.monotonic()
            self._drained_since_outage = 0
            hint = "" if isinstance(err, StoreLocked) else " Check the store (HOMEIQ_STORE)."
            _log.warning(
                "store unavailable (%s); spooling events and retrying with backoff.%s",
                err,
                hint,
            )

    def _note_success(self, events: int, seconds: float) -> None:
        self._backoff.reset()
        self.state.ok = True
        self.state.detail = "writing"
        self.state.written_total += events
        self.state.batches_total += 1
        self.state.last_write_at = time.time()
        self.state.last_batch_seconds = seconds
        if self._outage_since is not None:
            self._drained_since_outage += events

    def _note_empty(self) -> None:
        if self._outage_since is not None:
            _log.info(
                "store resumed after %.0f s, drained %d spooled events",
                time.monotonic() - self._outage_since,
                self._drained_since_outage,
            )
            self._outage_since = None
        self.state.detail = "idle, spool empty" if self.state.ok else self.state.detail
