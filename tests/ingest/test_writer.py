"""Spool writer: ordered drain, delete only after the store confirmed, outage backoff."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ingest_worker.spool import Spool
from ingest_worker.writer import SpoolWriter
from storage.events import Event
from tests.ingest.stores import KeyedMemoryStore, OutageStore

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _events(n: int, start: int = 0) -> list[Event]:
    return [
        Event(time=T0 + timedelta(seconds=i), entity_id="sensor.x", state=str(i), source="mqtt")
        for i in range(start, start + n)
    ]


async def test_writer_drains_spool_in_order_in_batches(tmp_path: Path) -> None:
    spool = await Spool(tmp_path / "s.sqlite", max_bytes=10**8).open()
    for i in range(10):
        await spool.put(_events(100, start=i * 100))
    store = KeyedMemoryStore()
    writer = SpoolWriter(spool, store, batch_size=100)  # type: ignore[arg-type]
    moved = await writer.drain(asyncio.get_running_loop().time() + 10**6)
    assert moved == 1000
    assert store.frame.get_column("state").to_list() == [str(i) for i in range(1000)]
    # A backlog beyond batch_size is written up to 2x batch_size at a time: 5 x 200.
    assert store.writes == 5
    assert spool.stats().depth == 0
    await spool.close()


async def test_outage_keeps_events_spooled_then_drains(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spool = await Spool(tmp_path / "s.sqlite", max_bytes=10**8).open()
    store = OutageStore(KeyedMemoryStore())  # type: ignore[arg-type]
    store.down.set()
    writer = SpoolWriter(spool, store, batch_size=1000, max_backoff=0.2)  # type: ignore[arg-type]
    caplog.set_level(logging.INFO, logger="ingest_worker.writer")
    task = asyncio.create_task(writer.run())
    for i in range(5):
        await spool.put(_events(10, start=i * 10))
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)
    assert spool.stats().depth == 50
    assert not writer.state.ok
    assert store.refused >= 2
    store.down.clear()
    for _ in range(100):
        if spool.stats().depth == 0 and writer.state.ok:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.2)  # the idle poll notices the empty spool and logs "resumed"
    task.cancel()
    inner: KeyedMemoryStore = store.inner  # type: ignore[assignment]
    assert inner.frame.get_column("state").to_list() == [str(i) for i in range(50)]
    messages = [r.getMessage() for r in caplog.records]
    assert sum("store unavailable" in m for m in messages) == 1
    assert sum("drained 50" in m for m in messages) == 1
    await spool.close()


async def test_store_failure_deletes_nothing(tmp_path: Path) -> None:
    spool = await Spool(tmp_path / "s.sqlite", max_bytes=10**8).open()
    await spool.put(_events(10))
    store = OutageStore(KeyedMemoryStore())  # type: ignore[arg-type]
    store.down.set()
    writer = SpoolWriter(spool, store, batch_size=1000)  # type: ignore[arg-type]
    assert await writer.write_once() is None
    assert spool.stats().depth == 10
    await spool.close()
