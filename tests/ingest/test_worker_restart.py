"""After a restart the worker keeps when its previous run last reported (Health: time away)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ingest_worker.worker import Worker, WorkerConfig
from storage.metadata import MetadataStore
from storage.metadata.worker_report import RESTART_COMPONENT, WorkerReport, WorkerRestart
from tests.ingest.stores import KeyedMemoryStore
from tests.support.mosquitto import Broker, free_port


async def _run_once(tmp_path: Path, broker: Broker, metadata: MetadataStore) -> Worker:
    config = WorkerConfig(
        spool_path=tmp_path / "spool.sqlite",
        spool_max_bytes=10**8,
        health_port=free_port(),
        mqtt_url=broker.url,
        mqtt_topics=["restart/#"],
        mqtt_client_id="homeiq-restart",
    )
    worker = Worker(config, store=KeyedMemoryStore(), metadata=metadata)  # type: ignore[arg-type]
    running = asyncio.create_task(worker.run())
    while worker.board is None or worker.board.sources["mqtt"].state != "connected":
        await asyncio.sleep(0.05)
    worker.request_stop()
    assert await asyncio.wait_for(running, 10) == 0
    return worker


async def test_second_run_records_how_long_the_worker_was_away(
    tmp_path: Path, broker: Broker
) -> None:
    metadata = MetadataStore(tmp_path / "homeiq.sqlite")
    try:
        await _run_once(tmp_path, broker, metadata)
        assert RESTART_COMPONENT not in metadata.worker_status()  # a first start has no gap
        first_stop = WorkerReport.from_json(metadata.worker_status()["worker"].payload).stopped_at
        await asyncio.sleep(1.2)
        second = await _run_once(tmp_path, broker, metadata)
        rows = metadata.worker_status()
    finally:
        metadata.close()
    assert second.board is not None
    restart = WorkerRestart.from_json(rows[RESTART_COMPONENT].payload)
    assert restart is not None
    assert restart.clean_stop
    assert restart.away_from == first_stop
    assert restart.back_at == second.board.started_at
    assert 1.0 <= restart.away.total_seconds() < 30
