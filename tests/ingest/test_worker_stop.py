"""Stopping the worker is bounded even when the store hangs mid-write; nothing is lost."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import aiomqtt
import polars as pl

from ingest_worker.spool import Spool
from ingest_worker.worker import Worker, WorkerConfig
from storage.protocol import WriteResult
from tests.ingest.stores import KeyedMemoryStore
from tests.support.mosquitto import Broker, free_port


class HangingStore(KeyedMemoryStore):
    """A store whose writes block until released, like a server that stopped answering."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.entered = threading.Event()

    def write(self, events: pl.DataFrame) -> WriteResult:
        """Block until released, then store."""
        self.entered.set()
        self.release.wait(60)
        return super().write(events)


async def test_stop_with_hanging_store_returns_within_5_s_and_keeps_spool(
    tmp_path: Path, broker: Broker
) -> None:
    store = HangingStore()
    config = WorkerConfig(
        spool_path=tmp_path / "spool.sqlite",
        spool_max_bytes=10**8,
        health_port=free_port(),
        mqtt_url=broker.url,
        mqtt_topics=["stop/#"],
        mqtt_client_id="homeiq-stop",
    )
    worker = Worker(config, store=store, metadata=None)  # type: ignore[arg-type]
    running = asyncio.create_task(worker.run())
    while worker.board is None or worker.board.sources["mqtt"].state != "connected":
        await asyncio.sleep(0.05)
    async with aiomqtt.Client("127.0.0.1", broker.port, identifier="stop-pub") as client:
        for seq in range(20):
            await client.publish("stop/x", str(seq).encode(), qos=1)
    await asyncio.to_thread(store.entered.wait, 10)
    board = worker.board
    while board.spool.received().get("mqtt", 0) < 20:
        await asyncio.sleep(0.05)
    worker.request_stop()
    code = await asyncio.wait_for(running, 5)  # the bound: flush and exit within 5 s
    store.release.set()
    assert code == 0
    spool = await Spool(config.spool_path, max_bytes=10**8).open()
    assert spool.stats().depth == 20
    await spool.close()
