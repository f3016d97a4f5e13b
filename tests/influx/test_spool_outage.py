"""The worker's spool and writer over InfluxDB: an outage delays events, it never loses them."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ingest_worker.spool import Spool
from ingest_worker.writer import SpoolWriter
from storage.events import Event
from storage.influx3 import InfluxStore
from tests.support.influx_standin import InfluxStandIn

T0 = datetime(2026, 6, 1, tzinfo=UTC)


def _events(start: int, count: int) -> list[Event]:
    return [
        Event(
            time=T0 + timedelta(seconds=index),
            entity_id=f"sensor.room_{index % 4}_temperature",
            state=f"{20 + index % 7}.5",
            source="mqtt",
            topic=f"zigbee2mqtt/room_{index % 4}",
        )
        for index in range(start, start + count)
    ]


async def test_outage_keeps_batches_in_the_spool_until_influxdb_answers(
    standin: InfluxStandIn, store: InfluxStore, tmp_path: Path
) -> None:
    spool = await Spool(tmp_path / "spool.sqlite", max_bytes=50_000_000).open()
    writer = SpoolWriter(spool, store, batch_size=250, max_backoff=0.3)
    try:
        await spool.put(_events(0, 500))
        assert (await writer.write_once() or 0) > 0
        standin.outage(2.0)
        for chunk in range(1, 5):
            await spool.put(_events(500 * chunk, 500))
        assert await writer.write_once() is None  # refused: the batch stays spooled
        assert not writer.state.ok
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            moved = await writer.write_once()
            if moved == 0:
                break
            if moved is None:
                await asyncio.sleep(0.2)
        stored = store.read(None, T0, T0 + timedelta(hours=2))
        assert stored.height == 2500
        assert stored.select("entity_id", "time", "source").is_duplicated().sum() == 0
        assert writer.state.ok
    finally:
        standin.end_outage()
        await spool.close()
