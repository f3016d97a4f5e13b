"""MQTT source against a real Mosquitto: spooling, quarantine, persistent session."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import aiomqtt

from ingest_worker.base import SourceState, SourceStatus
from ingest_worker.mqtt import MqttSource, parse_broker_url
from ingest_worker.spool import Spool
from tests.support.mosquitto import Broker


class ListQuarantine:
    """Collects quarantined payloads the way MetadataStore.add_quarantine receives them."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, bytes, str | None]] = []

    def add_quarantine(
        self,
        *,
        source: str,
        reason: str,
        payload: bytes,
        topic: str | None = None,
        received_at: datetime | None = None,
    ) -> None:
        self.rows.append((source, reason, payload, topic))


def _source(broker: Broker, spool: Spool, quarantine: ListQuarantine, **kw: object) -> MqttSource:
    return MqttSource(
        broker=parse_broker_url(broker.url),
        topics=["test/#"],
        client_id=str(kw.get("client_id", "homeiq-test")),
        sink=spool,
        status=SourceStatus(name="mqtt"),
        quarantine=quarantine,
        max_payload_bytes=1024,
    )


async def _publish(broker: Broker, messages: list[tuple[str, bytes]], retain: bool = False) -> None:
    async with aiomqtt.Client("127.0.0.1", broker.port, identifier="publisher") as client:
        for topic, payload in messages:
            await client.publish(topic, payload, qos=1, retain=retain)


async def _until(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def _spooled_states(spool: Spool) -> list[tuple[str, str]]:
    batch = await spool.peek(10**6)
    if batch is None:
        return []
    frame = batch.frame()
    return list(zip(frame.get_column("entity_id"), frame.get_column("state"), strict=True))


async def test_messages_are_spooled_as_events(broker: Broker, tmp_path: Path) -> None:
    spool = await Spool(tmp_path / "spool.sqlite", max_bytes=10**8).open()
    source = _source(broker, spool, ListQuarantine())
    task = asyncio.create_task(source.run())
    await _until(lambda: source.status.state == SourceState.CONNECTED)
    await _publish(broker, [("test/a", b'{"temperature": 20.5, "ok": true}'), ("test/b", b"7")])
    await _until(lambda: spool.stats().depth == 3)
    task.cancel()
    assert sorted(await _spooled_states(spool)) == [
        ("mqtt.test_a.ok", "on"),
        ("mqtt.test_a.temperature", "20.5"),
        ("mqtt.test_b", "7"),
    ]
    await spool.close()


async def test_bad_payloads_are_quarantined_and_source_keeps_running(
    broker: Broker, tmp_path: Path
) -> None:
    spool = await Spool(tmp_path / "spool.sqlite", max_bytes=10**8).open()
    quarantine = ListQuarantine()
    source = _source(broker, spool, quarantine)
    task = asyncio.create_task(source.run())
    await _until(lambda: source.status.state == SourceState.CONNECTED)
    await _publish(
        broker,
        [
            ("test/bad", b"\xff\xfe"),
            ("test/bad", b"{not json"),
            ("test/bad", b"y" * 5000),
            ("test/good", b"1"),
        ],
    )
    await _until(lambda: spool.stats().depth == 1)
    task.cancel()
    assert [(r[1], r[3]) for r in quarantine.rows] == [
        ("invalid_utf8", "test/bad"),
        ("unparseable_json", "test/bad"),
        ("oversized", "test/bad"),
    ]
    assert source.quarantined == {"invalid_utf8": 1, "unparseable_json": 1, "oversized": 1}
    assert await _spooled_states(spool) == [("mqtt.test_good", "1")]
    await spool.close()


async def test_broker_keeps_messages_while_source_is_down(broker: Broker, tmp_path: Path) -> None:
    spool = await Spool(tmp_path / "spool.sqlite", max_bytes=10**8).open()
    first = _source(broker, spool, ListQuarantine())
    task = asyncio.create_task(first.run())
    await _until(lambda: first.status.state == SourceState.CONNECTED)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await _publish(broker, [("test/offline", str(i).encode()) for i in range(50)])
    second = _source(broker, spool, ListQuarantine())
    task = asyncio.create_task(second.run())
    await _until(lambda: spool.stats().depth == 50)
    task.cancel()
    states = [state for _, state in await _spooled_states(spool)]
    assert states == [str(i) for i in range(50)]
    await spool.close()


async def test_topic_entities_are_registered_in_metadata(broker: Broker, tmp_path: Path) -> None:
    from storage.metadata import MetadataStore

    spool = await Spool(tmp_path / "spool.sqlite", max_bytes=10**8).open()
    meta = MetadataStore(tmp_path / "homeiq.sqlite")
    source = MqttSource(
        broker=parse_broker_url(broker.url),
        topics=["test/#"],
        client_id="homeiq-registry",
        sink=spool,
        status=SourceStatus(name="mqtt"),
        quarantine=None,
        registry=meta,
        max_payload_bytes=1024,
    )
    task = asyncio.create_task(source.run())
    try:
        await _until(lambda: source.status.state == SourceState.CONNECTED)
        await _publish(broker, [("test/kitchen", b'{"temperature": 20.5}'), ("test/b", b"7")])
        await _until(lambda: len(meta.list_entities()) == 2)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await spool.close()
    rows = {row.entity_id: row for row in meta.list_entities()}
    meta.close()
    assert set(rows) == {"mqtt.test_kitchen.temperature", "mqtt.test_b"}
    assert all(row.source == "mqtt" and row.domain == "mqtt" for row in rows.values())
    assert all(row.first_seen is not None and row.last_seen is not None for row in rows.values())
