"""The worker's housekeeping drops old raw data on schedule and keeps the rollups."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from ingest_worker.maintenance import StoreMaintenance
from storage.errors import StoreUnavailable
from storage.events import Event, events_to_frame
from storage.factory import open_store


def _meter(start: datetime, hours: int) -> pl.DataFrame:
    return events_to_frame(
        [
            Event(
                time=start + timedelta(hours=i),
                entity_id="sensor.meter",
                state=str(float(i)),
                source="sim",
            )
            for i in range(hours)
        ]
    )


async def test_retention_runs_at_start_and_keeps_rollups(tmp_path: Path) -> None:
    store = open_store(backend="embedded", data_dir=tmp_path)
    now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = now - timedelta(days=12)
    store.write(_meter(start, 24 * 12))
    daily_before = store.aggregate(None, start, now, "1d", "increase")
    housekeeping = StoreMaintenance(store, raw_days=5, rollup_interval=0.05)
    task = asyncio.create_task(housekeeping.run())
    for _ in range(100):
        await asyncio.sleep(0.05)
        if housekeeping.retention_runs:
            break
    task.cancel()
    assert housekeeping.retention_runs == 1
    assert store.read(None, start, now - timedelta(days=6)).height == 0
    assert store.read(None, now - timedelta(days=4), now).height > 0
    daily_after = store.aggregate(None, start, now, "1d", "increase")
    assert daily_after["value"].to_list() == daily_before["value"].to_list()
    store.close()


class _FlakyInflux:
    """A store whose rollups fail twice, as an InfluxDB outage would, then work."""

    backend = "influxdb3"

    def __init__(self) -> None:
        self.rollups: list[datetime] = []
        self.failures = 2

    def apply_retention(self, raw_days: int) -> None:
        return None

    def maintain_rollups(self, now: datetime) -> None:
        if self.failures:
            self.failures -= 1
            raise StoreUnavailable("influx down")
        self.rollups.append(now)


async def test_rollups_are_maintained_on_schedule_through_an_outage() -> None:
    store = _FlakyInflux()
    housekeeping = StoreMaintenance(store, raw_days=90, rollup_interval=0.02)  # type: ignore[arg-type]
    task = asyncio.create_task(housekeeping.run())
    for _ in range(200):
        await asyncio.sleep(0.02)
        if len(store.rollups) >= 2:
            break
    task.cancel()
    assert store.failures == 0
    assert len(store.rollups) >= 2
