"""Ingest benchmark: HA-shaped state_changed frames into `homeiq ingest`, as fast as it takes them.

A local WebSocket server (fake_ha.py) speaks enough of Home Assistant's API for the
worker's HA source, then streams state_changed events, coalesced into array frames and
with each entity's previous state as old_state like HA's, as fast as the worker reads them.
Frames come from tests/fixtures/ha/ when recorded ones hold state_changed events
(re-stamped with fresh times), else synthetic.

Prints: events/s sustained into the store, p50/p99 latency from send to queryable (probe
events every ``--probe-every`` events, polled in the store every 50 ms), and the worker's
peak RSS. Usage: ``.venv/bin/python bench/ingest.py [--source ha|mqtt] [--events 200000]``.
``--source mqtt`` drives the same worker through a real Mosquitto instead (QoS 1, manual
acknowledgement after the spool commit), which measures spool, writer and store without
the HA source.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

# Run as a script, so this folder is on sys.path.
from fake_ha import TOKEN, FakeHomeAssistant, fixture_states, history, synthetic_states
from websockets.asyncio.server import serve

ROOT = Path(__file__).resolve().parent.parent
PROBE = "sensor.bench_probe"


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _probe_poller(data_dir: Path) -> Iterator[int | None]:
    sys.path.insert(0, str(ROOT))
    from storage.factory import open_store

    store = None
    while True:
        try:
            if store is None:
                store = open_store(backend="embedded", data_dir=data_dir)
            latest = store.latest([PROBE])
            yield int(latest.get_column("state")[0]) if latest.height else None
        except Exception:  # the store may not exist yet
            yield None


class MqttFeeder:
    """Publishes zigbee2mqtt-style JSON with QoS 1 to a real Mosquitto as fast as it goes."""

    def __init__(self, port: int, events: int, entities: int, probe_every: int) -> None:
        self.port = port
        self.events = events
        self.entities = entities
        self.probe_every = probe_every
        self.sent_at: dict[int, float] = {}
        self.first_send: float | None = None
        self.last_send: float | None = None

    def run(self) -> None:
        """Publish every message (blocking; run it in a thread)."""
        import paho.mqtt.client as paho

        client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="bench-publisher")
        client.max_inflight_messages_set(1000)
        client.max_queued_messages_set(0)
        client.connect("127.0.0.1", self.port)
        client.loop_start()
        self.first_send = time.monotonic()
        pending = []
        for n in range(self.events):
            if n % self.probe_every == 0 or n == self.events - 1:
                self.sent_at[n] = time.monotonic()
                info = client.publish("bench/probe", str(n).encode(), qos=1)
            else:
                payload = b'{"power": %d}' % (n % 997)
                info = client.publish(f"bench/plug_{n % self.entities}", payload, qos=1)
            pending.append(info)
            if len(pending) >= 5000:
                pending[-1].wait_for_publish(60)
                pending.clear()
        for info in pending:
            info.wait_for_publish(60)
        self.last_send = time.monotonic()
        client.loop_stop()
        client.disconnect()


def _worker(env: dict[str, str], tmp: Path) -> subprocess.Popen[bytes]:
    log = (tmp / "worker.log").open("wb")
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("homeiq")), "ingest"],
        env={**{k: v for k, v in os.environ.items() if not k.startswith("HOMEIQ_")}, **env},
        cwd=tmp,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


async def _measure(
    sent_at: dict[int, float], last: int, tmp: Path, timeout: float
) -> dict[int, float]:
    queryable_at: dict[int, float] = {}
    poller = _probe_poller(tmp)
    deadline = time.monotonic() + timeout
    while last not in queryable_at and time.monotonic() < deadline:
        seen = await asyncio.to_thread(next, poller)
        now = time.monotonic()
        if seen is not None:
            for probe in list(sent_at):
                if probe <= seen and probe not in queryable_at:
                    queryable_at[probe] = now
        await asyncio.sleep(0.05)
    return queryable_at


async def _wait_mqtt_connected(port: int, timeout: float) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if orjson.loads(r.read())["sources"]["mqtt"]["state"] == "connected":
                    return
        except OSError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("worker did not connect to the broker")


async def bench_ha(args: argparse.Namespace, tmp: Path) -> tuple[Any, dict[int, float], float, str]:
    """Run the HA replay; return the feeder, probe queryable times, peak RSS and a label."""
    recorded = fixture_states()
    templates = recorded or synthetic_states(args.entities)
    origin = "recorded" if recorded else "synthetic"
    fake = FakeHomeAssistant(templates, args.events, args.probe_every)
    async with serve(
        fake.handler, "127.0.0.1", 0, process_request=history, max_size=None
    ) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        worker = _worker(
            {
                "HOMEIQ_DATA_DIR": str(tmp),
                "HOMEIQ_HA_URL": f"http://127.0.0.1:{port}",
                "HOMEIQ_HA_TOKEN": TOKEN,
                "HOMEIQ_BACKFILL_HOURS": "0",
                "HOMEIQ_BATCH_SIZE": str(args.batch_size),
                "HOMEIQ_WORKER_PORT": str(_free_port()),
                "HOMEIQ_LOG_LEVEL": "WARNING",
            },
            tmp,
        )
        try:
            for _ in range(600):
                if fake.subscribed.is_set() or worker.poll() is not None:
                    break
                await asyncio.sleep(0.1)
            if not fake.subscribed.is_set():
                raise RuntimeError(f"worker never subscribed; see {tmp / 'worker.log'}")
            queryable_at = await _measure(fake.sent_at, args.events - 1, tmp, args.timeout)
            rss = _peak_rss_mb(worker.pid)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(30)
    label = f"HA state_changed frames, {len(templates)} {origin} entities"
    return fake, queryable_at, rss, label


async def bench_mqtt(
    args: argparse.Namespace, tmp: Path
) -> tuple[Any, dict[int, float], float, str]:
    """Run the MQTT load through a real Mosquitto; same results as ``bench_ha``."""
    sys.path.insert(0, str(ROOT))
    from tests.support.mosquitto import running_mosquitto

    global PROBE
    PROBE = "mqtt.bench_probe"
    with running_mosquitto(tmp / "mosquitto") as broker:
        health_port = _free_port()
        worker = _worker(
            {
                "HOMEIQ_DATA_DIR": str(tmp),
                "HOMEIQ_MQTT_URL": broker.url,
                "HOMEIQ_MQTT_TOPICS": "bench/#",
                "HOMEIQ_BATCH_SIZE": str(args.batch_size),
                "HOMEIQ_WORKER_PORT": str(health_port),
                "HOMEIQ_LOG_LEVEL": "WARNING",
            },
            tmp,
        )
        try:
            await _wait_mqtt_connected(health_port, 60)
            feeder = MqttFeeder(broker.port, args.events, args.entities, args.probe_every)
            publishing = asyncio.create_task(asyncio.to_thread(feeder.run))
            queryable_at = await _measure(feeder.sent_at, args.events - 1, tmp, args.timeout)
            await publishing
            rss = _peak_rss_mb(worker.pid)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(30)
    return feeder, queryable_at, rss, f"MQTT QoS 1 JSON messages, {args.entities} topics"


async def main() -> None:
    """Run the benchmark and print its numbers."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--source", choices=("ha", "mqtt"), default="ha")
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--entities", type=int, default=500)
    parser.add_argument("--probe-every", type=int, default=2_000)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--batch-size", type=int, default=5000, help="HOMEIQ_BATCH_SIZE")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="homeiq-bench-"))
    run = bench_ha if args.source == "ha" else bench_mqtt
    feeder, queryable_at, rss, label = await run(args, tmp)
    last = args.events - 1
    if last not in queryable_at or feeder.first_send is None:
        print(f"did not finish in {args.timeout} s; worker log: {tmp / 'worker.log'}")
        return
    latencies = sorted(queryable_at[p] - feeder.sent_at[p] for p in queryable_at)
    elapsed = queryable_at[last] - feeder.first_send
    taken = (feeder.last_send or queryable_at[last]) - feeder.first_send
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"events:            {args.events} ({label})")
    print(
        f"sustained:         {args.events / elapsed:,.0f} events/s into the store ({elapsed:.1f} s)"
    )
    print(f"taken by worker:   {args.events / taken:,.0f} events/s")
    print(
        f"latency p50/p99:   {statistics.median(latencies):.2f} s / {p99:.2f} s "
        f"(send -> queryable, {len(latencies)} probes)"
    )
    print(f"worker peak RSS:   {rss:.0f} MB")
    print(f"cores:             {os.cpu_count()}")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    asyncio.run(main())
