"""Store outage of 60 s while MQTT messages keep arriving: nothing is lost afterwards.

The worker runs in-process with the real embedded store wrapped in OutageStore, which
raises StoreUnavailable from ``write`` during the outage, as a backend does when its
database cannot be reached.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiomqtt
import pytest

from ingest_worker.worker import Worker, WorkerConfig
from storage.factory import open_store
from tests.ingest.stores import OutageStore
from tests.support.mosquitto import Broker, free_port

OUTAGE_SECONDS = 60
ENTITY = "mqtt.outage_meter.seq"


async def _publish(port: int, seqs: range, pause: float) -> None:
    async with aiomqtt.Client("127.0.0.1", port, identifier="outage-publisher") as client:
        for seq in seqs:
            await client.publish("outage/meter", b'{"seq": %d}' % seq, qos=1)
            if pause:
                await asyncio.sleep(pause)


async def _until(predicate, timeout: float) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.1)


@pytest.mark.timeout(240)
async def test_store_outage_of_60_s_loses_nothing(
    tmp_path: Path, broker: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    real = open_store(backend="embedded", data_dir=tmp_path / "data")
    store = OutageStore(real)
    config = WorkerConfig(
        spool_path=tmp_path / "data" / "spool.sqlite",
        spool_max_bytes=64 * 1024 * 1024,
        health_port=free_port(),
        mqtt_url=broker.url,
        mqtt_topics=["outage/#"],
        mqtt_client_id="homeiq-outage",
    )
    worker = Worker(config, store=store, metadata=None)  # type: ignore[arg-type]
    running = asyncio.create_task(worker.run())
    await _until(
        lambda: worker.board is not None and worker.board.sources["mqtt"].state == "connected", 20
    )
    board = worker.board
    assert board is not None
    await _publish(broker.port, range(0, 100), 0)
    await _until(lambda: board.writer.written_total == 100, 20)

    store.down.set()
    outage = asyncio.create_task(_publish(broker.port, range(100, 100 + 20 * OUTAGE_SECONDS), 0.05))
    await asyncio.sleep(OUTAGE_SECONDS)
    await outage
    assert board.writer.written_total == 100
    assert board.spool.stats().depth == 20 * OUTAGE_SECONDS
    assert not board.writer.ok
    store.down.clear()

    total = 100 + 20 * OUTAGE_SECONDS
    await _until(lambda: board.writer.written_total >= total and board.spool.stats().depth == 0, 60)
    worker.request_stop()
    assert await asyncio.wait_for(running, 10) == 0
    now = datetime.now(UTC)
    frame = real.read([ENTITY], now - timedelta(hours=1), now + timedelta(hours=1))
    real.close()
    assert sorted(int(s) for s in frame.get_column("state")) == list(range(total))
    messages = [r.getMessage() for r in caplog.records if r.name == "ingest_worker.writer"]
    assert sum(m.startswith("store unavailable") for m in messages) == 1
