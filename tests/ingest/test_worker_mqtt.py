"""The worker process with a real Mosquitto and the real store: SIGKILL, SIGTERM, health."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiomqtt
import pytest

from storage.factory import open_store
from storage.metadata import MetadataStore
from tests.support.mosquitto import Broker
from tests.support.worker_process import WorkerProcess, worker_process

MESSAGES = 10_000
TOPIC = "load/counter"
ENTITY = "mqtt.load_counter.seq"


@pytest.fixture
def worker(tmp_path: Path, broker: Broker) -> Iterator[WorkerProcess]:
    """Yield an unstarted `homeiq ingest` wired to the broker, killed at teardown."""
    proc = worker_process(
        tmp_path,
        HOMEIQ_MQTT_URL=broker.url,
        HOMEIQ_MQTT_TOPICS="load/#",
        HOMEIQ_MQTT_CLIENT_ID="homeiq-acceptance",
    )
    yield proc
    proc.stop()


def _connected(health: dict[str, object]) -> bool:
    sources = health["sources"]
    assert isinstance(sources, dict)
    return bool(sources["mqtt"]["state"] == "connected")


def _publish_all(port: int, count: int, published: list[int]) -> None:
    async def main() -> None:
        async with aiomqtt.Client("127.0.0.1", port, identifier="load-publisher") as client:
            for seq in range(count):
                await client.publish(TOPIC, b'{"seq": %d}' % seq, qos=1)
                published.append(seq)

    asyncio.run(main())


def _stored_seqs(data_dir: Path) -> list[int]:
    store = open_store(backend="embedded", data_dir=data_dir)
    try:
        now = datetime.now(UTC)
        frame = store.read([ENTITY], now - timedelta(days=1), now + timedelta(days=1))
    finally:
        store.close()
    return sorted(int(state) for state in frame.get_column("state"))


def test_sigkill_and_restart_while_publishing_stores_each_message_once(
    worker: WorkerProcess, broker: Broker
) -> None:
    worker.start()
    worker.wait_for(_connected, 30)
    published: list[int] = []
    publisher = threading.Thread(target=_publish_all, args=(broker.port, MESSAGES, published))
    publisher.start()
    for kill_at in (2_500, 6_000):
        while len(published) < kill_at and publisher.is_alive():
            threading.Event().wait(0.01)
        worker.kill()
        worker.start()
    publisher.join(120)
    assert len(published) == MESSAGES
    # Every message reached the spool at least once (redeliveries count again) and the
    # writer emptied it.
    worker.wait_for(
        lambda h: h["sources"]["mqtt"]["events_total"] >= MESSAGES and h["spool"]["depth"] == 0,
        90,
    )
    assert worker.terminate(timeout=10) == 0
    seqs = _stored_seqs(worker.data_dir)
    assert len(seqs) == MESSAGES
    assert seqs == list(range(MESSAGES))


def test_sigterm_flushes_and_exits_within_5_s(worker: WorkerProcess, broker: Broker) -> None:
    worker.start()
    worker.wait_for(_connected, 30)
    published: list[int] = []
    _publish_all(broker.port, 200, published)
    worker.wait_for(lambda h: h["writer"]["written_total"] >= 200, 20)
    assert worker.terminate(timeout=5) == 0
    assert _stored_seqs(worker.data_dir) == list(range(200))


def test_healthz_of_running_worker_reports_mqtt_and_store(
    worker: WorkerProcess, broker: Broker
) -> None:
    worker.start()
    health = worker.wait_for(_connected, 30)
    assert health["sources"]["ha"]["state"] == "disabled"
    assert health["store"]["backend"] == "embedded"
    assert health["spool"]["budget_bytes"] == 1024 * 1024 * 1024
    assert worker.terminate(timeout=5) == 0


def _publish_raw(port: int, messages: list[tuple[str, bytes]]) -> None:
    async def main() -> None:
        async with aiomqtt.Client("127.0.0.1", port, identifier="raw-publisher") as client:
            for topic, payload in messages:
                await client.publish(topic, payload, qos=1)

    asyncio.run(main())


def test_bad_payloads_go_to_quarantine_and_worker_keeps_running(
    worker: WorkerProcess, broker: Broker
) -> None:
    worker.start()
    worker.wait_for(_connected, 30)
    _publish_raw(
        broker.port,
        [
            ("load/bad", b"\xc3\x28 invalid utf-8"),
            ("load/bad", b'{"temperature": 21.5,'),
            ("load/bad", b"z" * (300 * 1024)),
            ("load/odd", b'{"a": NaN, "b": Infinity}'),
            ("load/odd", b"-inf"),
        ],
    )
    health = worker.wait_for(lambda h: h["writer"]["written_total"] >= 3, 20)
    assert health["quarantined"] == {"invalid_utf8": 1, "unparseable_json": 1, "oversized": 1}
    status = worker.wait_for(lambda h: _connected(h), 5)
    assert status["sources"]["mqtt"]["state"] == "connected"
    assert worker.terminate(timeout=5) == 0
    metadata = MetadataStore(worker.data_dir / "homeiq.sqlite")
    try:
        assert metadata.quarantine_counts() == {
            "invalid_utf8": 1,
            "unparseable_json": 1,
            "oversized": 1,
        }
        row = metadata.worker_status()["worker"]
        assert row.payload["pid"] > 0
        assert row.payload["spool"]["budget_bytes"] == 1024 * 1024 * 1024
    finally:
        metadata.close()
    store = open_store(backend="embedded", data_dir=worker.data_dir)
    try:
        now = datetime.now(UTC)
        frame = store.read(None, now - timedelta(days=1), now + timedelta(days=1))
    finally:
        store.close()
    rows = sorted(
        zip(
            frame.get_column("entity_id"),
            frame.get_column("state"),
            frame.get_column("value"),
            strict=True,
        )
    )
    assert rows == [
        ("mqtt.load_odd", "-inf", None),
        ("mqtt.load_odd.a", "nan", None),
        ("mqtt.load_odd.b", "inf", None),
    ]
