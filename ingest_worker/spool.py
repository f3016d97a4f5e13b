"""The worker's durable spool: every received event is committed here before it counts.

One SQLite file in WAL mode. Sources call ``put``; concurrent puts are merged into one
transaction (group commit), so one fsync covers many events. Each transaction stores its
events as one *chunk* row (column lists as JSON, time in integer microseconds), which keeps
the per-event cost low. The writer reads chunks oldest first (``peek``), writes them to the
store and deletes them (``ack``) only after the store confirmed them.

Durability: ``synchronous=FULL``. In WAL mode NORMAL already survives a killed process,
but not a power cut: the last commits can roll back. The MQTT source acknowledges a message
to the broker once ``put`` returns and the broker then forgets it, so "committed" must mean
"on disk"; FULL costs one fsync per group commit, which group commit amortizes.

Disk budget: ``max_bytes`` caps the bytes of spooled, not yet stored, events. At 80 % a
warning is logged once (again only after the spool fell below 70 %). When the budget is
reached, ``put`` waits until the writer frees space: nothing is dropped. HA then stops
reading its WebSocket (HA disconnects a slow client, and backfill fills the gap later);
MQTT stops acknowledging, so the broker keeps the messages. One group may overshoot the
budget by its own size. The file itself can be larger than the budget by free pages, which
SQLite reuses.

Redelivery receipts: the MQTT source stores, in the same transaction as the events, the
time it gave each message (keyed by a fingerprint of topic, payload and packet id). A
broker redelivery after a crash looks the time up, so the redelivered event has the same
identity and the store keeps one. Receipts of this run are pruned 60 s after their commit
(by then the acknowledgement reached the broker); receipts from before a restart are kept
for the first 10 minutes of the run, while the broker redelivers.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time as _time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final, TypeVar

from ingest_worker.spool_chunks import (
    SCHEMA as _SCHEMA,
)
from ingest_worker.spool_chunks import (
    SpoolBatch,
    SpoolStats,
    encode_chunk,
)
from storage.events import Event, from_us
from storage.sqlite_files import ensure_wal

_log = logging.getLogger(__name__)
_T = TypeVar("_T")

_WARN_FRACTION: Final = 0.8
_REARM_FRACTION: Final = 0.7
_RECEIPT_TTL_US: Final = 60 * 1_000_000
_OLD_RUN_RECEIPTS_US: Final = 600 * 1_000_000


@dataclass(slots=True)
class _Pending:
    events: list[Event]
    receipts: dict[str, int]
    waiters: list[asyncio.Future[None]]


class Spool:
    """Durable FIFO of received events (an EventSink), drained by the writer."""

    def __init__(self, path: Path, *, max_bytes: int) -> None:
        self._path = path
        self._max_bytes = max_bytes
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spool")
        self._db: sqlite3.Connection | None = None
        self._depth = 0
        self._bytes = 0
        self._chunks = 0
        self._last_seen: dict[str, int] = {}
        self._received: dict[str, int] = {}
        self._pending = _Pending([], {}, [])
        self._run_start_us = int(_time.time() * 1_000_000)
        self._commit_task: asyncio.Task[None] | None = None
        self._space = asyncio.Condition()
        self._data = asyncio.Event()
        self._warned = False
        self._full_logged = False
        self._closed = False
        self._lock = threading.Lock()

    # --- lifecycle -----------------------------------------------------------------
    async def open(self) -> Spool:
        """Open (creating if needed) the spool file and load its counters; return self."""
        await self._run(self._open_sync)
        if self._depth:
            self._data.set()
            _log.info("spool holds %d events from before the restart", self._depth)
        return self

    def _open_sync(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        ensure_wal(db, self._path)
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA journal_size_limit=67108864")
        db.executescript(_SCHEMA)
        row = db.execute(
            "SELECT COALESCE(SUM(events), 0), COALESCE(SUM(LENGTH(body)), 0), COUNT(*) FROM chunks"
        ).fetchone()
        self._depth, self._bytes, self._chunks = int(row[0]), int(row[1]), int(row[2])
        for source, last_us, received in db.execute(
            "SELECT source, last_seen_us, received FROM sources"
        ):
            self._last_seen[source] = int(last_us)
            self._received[source] = int(received)
        self._db = db

    async def close(self) -> None:
        """Commit what is pending, then close the file."""
        if self._closed:
            return
        await self.flush()
        self._closed = True
        await self._run(self._close_sync)
        self._executor.shutdown(wait=True)

    def _close_sync(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    async def _run(self, func: Any, *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, func, *args)

    # --- intake (EventSink) ----------------------------------------------------------
    async def put(
        self, events: Sequence[Event], *, receipts: Mapping[str, int] | None = None
    ) -> None:
        """Commit ``events`` to disk; return only once they are durable.

        ``receipts`` maps message fingerprints to the event time (µs) given to them; they
        are stored in the same transaction (see the module docstring).
        """
        if self._closed:
            raise RuntimeError("spool is closed; the worker is shutting down")
        if not events and not receipts:
            return
        await self._wait_for_space()
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.events.extend(events)
        if receipts:
            self._pending.receipts.update(receipts)
        self._pending.waiters.append(future)
        if self._commit_task is None or self._commit_task.done():
            self._commit_task = asyncio.create_task(self._commit_loop(), name="spool-commit")
        # Shield: a cancelled caller must not abort a commit other callers wait on.
        await asyncio.shield(future)

    async def _wait_for_space(self) -> None:
        if self._bytes < self._max_bytes:
            return
        if not self._full_logged:
            self._full_logged = True
            _log.warning(
                "spool is full (%d of %d bytes, HOMEIQ_SPOOL_MAX_MB); holding new events until "
                "the store takes the spooled ones",
                self._bytes,
                self._max_bytes,
            )
        async with self._space:
            await self._space.wait_for(lambda: self._bytes < self._max_bytes or self._closed)

    async def _commit_loop(self) -> None:
        while self._pending.waiters:
            batch, self._pending = self._pending, _Pending([], {}, [])
            try:
                await self._run(self._commit_sync, batch)
            except BaseException as err:  # hand the failure to every waiter, then stop
                for waiter in batch.waiters:
                    if not waiter.done():
                        waiter.set_exception(
                            err if isinstance(err, Exception) else RuntimeError(str(err))
                        )
                if not isinstance(err, Exception):
                    raise
                continue
            for waiter in batch.waiters:
                if not waiter.done():
                    waiter.set_result(None)
            if batch.events:
                self._data.set()
            self._check_budget()

    def _commit_sync(self, batch: _Pending) -> None:
        db = self._require_db()
        body, newest = encode_chunk(batch.events) if batch.events else (b"", {})
        now_us = int(_time.time() * 1_000_000)
        counts: dict[str, int] = {}
        for event in batch.events:
            counts[event.source] = counts.get(event.source, 0) + 1
        db.execute("BEGIN IMMEDIATE")
        try:
            if batch.events:
                db.execute(
                    "INSERT INTO chunks (events, body) VALUES (?, ?)", (len(batch.events), body)
                )
            for source, micros in newest.items():
                db.execute(
                    "INSERT INTO sources (source, last_seen_us, received) VALUES (?, ?, ?) "
                    "ON CONFLICT(source) DO UPDATE SET "
                    "last_seen_us = MAX(last_seen_us, excluded.last_seen_us), "
                    "received = received + excluded.received",
                    (source, micros, counts[source]),
                )
            self._prune_receipts(db, now_us)
            if batch.receipts:
                db.executemany(
                    "INSERT OR REPLACE INTO receipts (fingerprint, time_us, created_us) "
                    "VALUES (?, ?, ?)",
                    [(fp, micros, now_us) for fp, micros in batch.receipts.items()],
                )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        with self._lock:
            if batch.events:
                self._depth += len(batch.events)
                self._bytes += len(body)
                self._chunks += 1
            for source, micros in newest.items():
                self._last_seen[source] = max(self._last_seen.get(source, micros), micros)
                self._received[source] = self._received.get(source, 0) + counts[source]

    def _prune_receipts(self, db: sqlite3.Connection, now_us: int) -> None:
        start = self._run_start_us
        db.execute(
            "DELETE FROM receipts WHERE (created_us >= ? AND created_us < ?) "
            "OR (created_us < ? AND ? > ?)",
            (start, now_us - _RECEIPT_TTL_US, start, now_us, start + _OLD_RUN_RECEIPTS_US),
        )

    def _check_budget(self) -> None:
        used = self._bytes / self._max_bytes
        if used >= _WARN_FRACTION and not self._warned:
            self._warned = True
            _log.warning(
                "spool is %.0f%% of its disk budget (%d of %d bytes); the store is not keeping "
                "up or is down. Check the store, or raise HOMEIQ_SPOOL_MAX_MB",
                used * 100,
                self._bytes,
                self._max_bytes,
            )
        elif used < _REARM_FRACTION:
            self._warned = False

    async def flush(self) -> None:
        """Return once every put made so far is committed."""
        while self._commit_task is not None and not self._commit_task.done():
            await asyncio.shield(self._commit_task)

    # --- receipts (MQTT redelivery) --------------------------------------------------
    async def receipt_times(self, fingerprints: Sequence[str]) -> dict[str, int]:
        """Return the stored event time (µs) of each fingerprint that has a receipt."""
        if not fingerprints:
            return {}
        return dict(await self._run(self._receipts_sync, list(fingerprints)))

    def _receipts_sync(self, fingerprints: list[str]) -> list[tuple[str, int]]:
        db = self._require_db()
        found: list[tuple[str, int]] = []
        for start in range(0, len(fingerprints), 500):
            part = fingerprints[start : start + 500]
            marks = ",".join("?" * len(part))
            found.extend(
                db.execute(
                    f"SELECT fingerprint, time_us FROM receipts WHERE fingerprint IN ({marks})",
                    part,
                ).fetchall()
            )
        return found

    # --- drain (writer side) ---------------------------------------------------------
    async def peek(self, max_events: int) -> SpoolBatch | None:
        """Return the oldest chunks holding up to ``max_events`` (at least one), or None."""
        if self._chunks == 0:
            self._data.clear()
            return None
        rows: list[tuple[int, int, bytes]] = await self._run(self._peek_sync, max_events)
        if not rows:
            return None
        return SpoolBatch(
            ids=tuple(row[0] for row in rows),
            events=sum(row[1] for row in rows),
            bodies=tuple(row[2] for row in rows),
        )

    def _peek_sync(self, max_events: int) -> list[tuple[int, int, bytes]]:
        db = self._require_db()
        rows: list[tuple[int, int, bytes]] = []
        total = 0
        for chunk_id, events, body in db.execute(
            "SELECT id, events, body FROM chunks ORDER BY id LIMIT 1000"
        ):
            if rows and total + events > max_events:
                break
            rows.append((int(chunk_id), int(events), bytes(body)))
            total += events
        return rows

    async def ack(self, batch: SpoolBatch) -> None:
        """Delete a batch the store confirmed, freeing its budget."""
        freed = await self._run(self._delete_sync, batch.ids, None)
        await self._after_delete(batch, freed)

    async def reject(self, batch: SpoolBatch, reason: str) -> None:
        """Move a batch the store refuses as invalid aside (table ``rejected``)."""
        freed = await self._run(self._delete_sync, batch.ids, reason)
        await self._after_delete(batch, freed)

    def _delete_sync(self, ids: tuple[int, ...], reason: str | None) -> int:
        db = self._require_db()
        marks = ",".join("?" * len(ids))
        db.execute("BEGIN IMMEDIATE")
        try:
            freed = int(
                db.execute(
                    f"SELECT COALESCE(SUM(LENGTH(body)), 0) FROM chunks WHERE id IN ({marks})", ids
                ).fetchone()[0]
            )
            if reason is not None:
                db.execute(
                    "INSERT INTO rejected (id, events, body, reason, rejected_us) "
                    f"SELECT id, events, body, ?, ? FROM chunks WHERE id IN ({marks})",
                    (reason, int(_time.time() * 1_000_000), *ids),
                )
            db.execute(f"DELETE FROM chunks WHERE id IN ({marks})", ids)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return freed

    async def _after_delete(self, batch: SpoolBatch, freed: int) -> None:
        with self._lock:
            self._depth -= batch.events
            self._bytes -= freed
            self._chunks -= len(batch.ids)
        self._check_budget()
        if self._bytes < self._max_bytes:
            self._full_logged = False
        async with self._space:
            self._space.notify_all()

    async def wait_for_data(self, timeout: float) -> bool:
        """Return True once the spool may hold events, False after ``timeout`` seconds."""
        if self._chunks:
            return True
        try:
            await asyncio.wait_for(self._data.wait(), timeout)
        except TimeoutError:
            return False
        return True

    # --- state -----------------------------------------------------------------------
    async def last_seen(self, source: str) -> datetime | None:
        """Return the newest event time ever spooled for ``source``, or None."""
        micros = self._last_seen.get(source)
        return None if micros is None else from_us(micros)

    def received(self) -> dict[str, int]:
        """Return the number of events ever committed per source (persisted)."""
        with self._lock:
            return dict(self._received)

    def last_seen_now(self) -> dict[str, datetime]:
        """Return the newest spooled event time per source."""
        with self._lock:
            return {source: from_us(micros) for source, micros in self._last_seen.items()}

    def stats(self) -> SpoolStats:
        """Return depth, bytes and budget of the spool now."""
        with self._lock:
            return SpoolStats(
                depth=self._depth,
                bytes=self._bytes,
                budget_bytes=self._max_bytes,
                chunks=self._chunks,
            )

    def _require_db(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("spool is not open; call open() first")
        return self._db
