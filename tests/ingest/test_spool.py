"""Spool: durable group commit, ordered drain, persisted last_seen, budget backpressure."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ingest_worker.spool import Spool
from storage.events import Event

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _events(n: int, *, start: int = 0, source: str = "mqtt") -> list[Event]:
    return [
        Event(
            time=T0 + timedelta(seconds=start + i),
            entity_id="sensor.t",
            state=str(start + i),
            source=source,  # type: ignore[arg-type]
        )
        for i in range(n)
    ]


async def test_concurrent_puts_share_commits_and_survive_reopen(tmp_path: Path) -> None:
    spool = await Spool(tmp_path / "s.sqlite", max_bytes=10**8).open()
    await asyncio.gather(*(spool.put(_events(1, start=i)) for i in range(200)))
    assert spool.stats().depth == 200
    assert spool.stats().chunks < 200  # group commit merged puts
    await spool.close()
    again = await Spool(tmp_path / "s.sqlite", max_bytes=10**8).open()
    batch = await again.peek(1000)
    assert batch is not None
    states = batch.frame().get_column("state").to_list()
    assert sorted(int(s) for s in states) == list(range(200))
    await again.close()


async def test_peek_returns_oldest_first_and_ack_removes(tmp_path: Path) -> None:
    spool = await Spool(tmp_path / "s.sqlite", max_bytes=10**8).open()
    for i in range(3):
        await spool.put(_events(10, start=i * 10))
    first = await spool.peek(10)
    assert first is not None
    assert first.frame().get_column("state").to_list() == [str(i) for i in range(10)]
    await spool.ack(first)
    second = await spool.peek(100)
    assert second is not None
    assert second.frame().get_column("state").to_list() == [str(i) for i in range(10, 30)]
    assert spool.stats().depth == 20
    await spool.close()


async def test_frame_keeps_time_and_values(tmp_path: Path) -> None:
    spool = await Spool(tmp_path / "s.sqlite", max_bytes=10**8).open()
    event = Event(
        time=datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC),
        entity_id="sensor.power",
        state="12.5",
        source="ha",
        unit="W",
        attributes={"friendly_name": "Power"},
    )
    await spool.put([event])
    batch = await spool.peek(10)
    assert batch is not None
    row = batch.frame().row(0, named=True)
    assert row["time"] == event.time
    assert row["value"] == 12.5
    assert row["unit"] == "W"
    assert row["domain"] == "sensor"
    assert row["attributes"] == '{"friendly_name":"Power"}'
    await spool.close()


async def test_last_seen_is_persisted_after_ack(tmp_path: Path) -> None:
    spool = await Spool(tmp_path / "s.sqlite", max_bytes=10**8).open()
    await spool.put(_events(5, source="ha"))
    batch = await spool.peek(100)
    assert batch is not None
    await spool.ack(batch)
    await spool.close()
    again = await Spool(tmp_path / "s.sqlite", max_bytes=10**8).open()
    assert await again.last_seen("ha") == T0 + timedelta(seconds=4)
    assert await again.last_seen("mqtt") is None
    assert again.received() == {"ha": 5}
    await again.close()


async def test_full_spool_blocks_put_until_acked(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spool = await Spool(tmp_path / "s.sqlite", max_bytes=2000).open()
    with caplog.at_level(logging.WARNING):
        await spool.put(_events(30))
    assert spool.stats().bytes >= 2000
    assert any("disk budget" in r.getMessage() for r in caplog.records)
    blocked = asyncio.create_task(spool.put(_events(1, start=100)))
    await asyncio.sleep(0.3)
    assert not blocked.done()
    batch = await spool.peek(1000)
    assert batch is not None
    await spool.ack(batch)
    await asyncio.wait_for(blocked, 5)
    assert spool.stats().depth == 1
    await spool.close()


async def test_receipts_survive_restart(tmp_path: Path) -> None:
    spool = await Spool(tmp_path / "s.sqlite", max_bytes=10**8).open()
    await spool.put(_events(1), receipts={"abc": 123})
    assert await spool.receipt_times(["abc", "zzz"]) == {"abc": 123}
    await spool.close()
    again = await Spool(tmp_path / "s.sqlite", max_bytes=10**8).open()
    await again.put(_events(1, start=1))
    assert await again.receipt_times(["abc"]) == {"abc": 123}
    await again.close()


def test_a_chunk_spooled_before_the_context_columns_decodes_them_as_null() -> None:
    import orjson

    from ingest_worker.spool_chunks import decode_chunks, encode_chunk

    event = Event(
        time=datetime(2026, 3, 1, tzinfo=UTC),
        entity_id="light.hall",
        state="on",
        source="ha",
        context_user_id="c5755c724e4845978b6ec011e1931da6",
    )
    body, _ = encode_chunk([event, event])
    columns = orjson.loads(body)
    del columns["context_user_id"], columns["context_parent_id"]
    old = decode_chunks([orjson.dumps(columns), body])
    user = event.context_user_id
    assert old["context_user_id"].to_list() == [None, None, user, user]
    assert old["context_parent_id"].to_list() == [None] * 4
    assert old["state"].to_list() == ["on"] * 4
