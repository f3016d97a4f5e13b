"""Ingest benchmark: HA-shaped state_changed frames into `homeiq ingest`, as fast as it takes them.

A local WebSocket server speaks enough of Home Assistant's API (auth handshake,
supported_features/coalesce_messages, get_states, registries, subscribe_events, ping,
history) for the worker's HA source, then streams state_changed events, coalesced into
array frames, as fast as the worker reads them. Frames come from tests/fixtures/ha/ when
recorded ones hold state_changed events (re-stamped with fresh times), else synthetic.

Prints: events/s sustained into the store, p50/p99 latency from send to queryable (probe
events every ``--probe-every`` events, polled in the store every 50 ms), and the worker's
peak RSS. Usage: ``.venv/bin/python bench/ingest.py [--events 200000] [--entities 500]``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any

import orjson
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

ROOT = Path(__file__).resolve().parent.parent
PROBE = "sensor.bench_probe"
TOKEN = "bench-token"


def _fixture_states() -> list[dict[str, Any]]:
    """Return new_state objects from recorded HA frames, if any were recorded."""
    states: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("event_type") == "state_changed":
                new = node.get("data", {}).get("new_state")
                if isinstance(new, dict) and "entity_id" in new:
                    states.append(new)
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted((ROOT / "tests" / "fixtures" / "ha").glob("**/*.json*")):
        text = path.read_text(errors="replace")
        if "state_changed" not in text:
            continue
        for line in [text] if path.suffix == ".json" else text.splitlines():
            try:
                walk(orjson.loads(line))
            except orjson.JSONDecodeError:
                continue
    return states


def _synthetic_states(entities: int) -> list[dict[str, Any]]:
    kinds = [
        ("power", "W", "measurement"),
        ("temperature", "°C", "measurement"),
        ("energy", "kWh", "total_increasing"),
        ("humidity", "%", "measurement"),
    ]
    out = []
    for i in range(entities):
        device_class, unit, state_class = kinds[i % len(kinds)]
        out.append(
            {
                "entity_id": f"sensor.bench_{device_class}_{i}",
                "state": "0",
                "attributes": {
                    "unit_of_measurement": unit,
                    "device_class": device_class,
                    "state_class": state_class,
                    "friendly_name": f"Bench {device_class} {i}",
                },
            }
        )
    return out


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _event(
    sub_id: int, template: dict[str, Any], state: str, moment: datetime, n: int
) -> dict[str, Any]:
    stamp = _iso(moment)
    new_state = {
        "entity_id": template["entity_id"],
        "state": state,
        "attributes": template.get("attributes", {}),
        "last_changed": stamp,
        "last_reported": stamp,
        "last_updated": stamp,
        "context": {"id": f"01BENCH{n:019d}", "parent_id": None, "user_id": None},
    }
    return {
        "id": sub_id,
        "type": "event",
        "event": {
            "event_type": "state_changed",
            "data": {"entity_id": template["entity_id"], "old_state": None, "new_state": new_state},
            "origin": "LOCAL",
            "time_fired": stamp,
            "context": new_state["context"],
        },
    }


class FakeHomeAssistant:
    """Enough of HA's WebSocket API for the worker; streams the benchmark events."""

    def __init__(self, templates: list[dict[str, Any]], events: int, probe_every: int) -> None:
        self.templates = templates
        self.events = events
        self.probe_every = probe_every
        self.sent_at: dict[int, float] = {}
        self.subscribed = asyncio.Event()
        self.first_send: float | None = None
        self.last_send: float | None = None

    def _states(self) -> list[dict[str, Any]]:
        stamp = _iso(datetime.now(UTC) - timedelta(hours=2))
        return [
            {**t, "last_changed": stamp, "last_updated": stamp, "context": {"id": "snap"}}
            for t in self.templates
        ]

    async def handler(self, ws: ServerConnection) -> None:
        await ws.send(orjson.dumps({"type": "auth_required", "ha_version": "2025.10.0"}).decode())
        auth = orjson.loads(await ws.recv())
        if auth.get("access_token") != TOKEN:
            await ws.send(orjson.dumps({"type": "auth_invalid", "message": "bad token"}).decode())
            return
        await ws.send(orjson.dumps({"type": "auth_ok", "ha_version": "2025.10.0"}).decode())
        coalesce = False
        stream: asyncio.Task[None] | None = None
        try:
            async for raw in ws:
                msg = orjson.loads(raw)
                kind, msg_id = msg.get("type"), msg.get("id")
                if kind == "ping":
                    await ws.send(orjson.dumps({"id": msg_id, "type": "pong"}).decode())
                    continue
                result: Any = None
                if kind == "supported_features":
                    coalesce = bool(msg.get("features", {}).get("coalesce_messages"))
                elif kind == "get_states":
                    result = self._states()
                elif kind in {
                    "config/entity_registry/list",
                    "config/device_registry/list",
                    "config/area_registry/list",
                    "config/floor_registry/list",
                    "config/label_registry/list",
                }:
                    result = []
                elif kind == "history/history_during_period":
                    result = {}
                reply = {"id": msg_id, "type": "result", "success": True, "result": result}
                await ws.send(orjson.dumps(reply).decode())
                if (
                    kind == "subscribe_events"
                    and msg.get("event_type") == "state_changed"
                    and stream is None
                ):
                    stream = asyncio.create_task(self._stream(ws, msg_id, coalesce))
        finally:
            if stream is not None:
                stream.cancel()

    async def _stream(self, ws: ServerConnection, sub_id: int, coalesce: bool) -> None:
        self.subscribed.set()
        base = datetime.now(UTC) - timedelta(hours=1)
        templates = itertools.cycle(self.templates)
        probe = {"entity_id": PROBE, "attributes": {"friendly_name": "Bench probe"}}
        per_frame = 200 if coalesce else 1
        n = 0
        self.first_send = time.monotonic()
        while n < self.events:
            frame: list[dict[str, Any]] = []
            probes: list[int] = []
            for _ in range(min(per_frame, self.events - n)):
                moment = base + timedelta(microseconds=n * 10)
                if n % self.probe_every == 0 or n == self.events - 1:
                    frame.append(_event(sub_id, probe, str(n), moment, n))
                    probes.append(n)
                else:
                    frame.append(_event(sub_id, next(templates), str(n % 997), moment, n))
                n += 1
            payload = orjson.dumps(frame if coalesce else frame[0]).decode()
            now = time.monotonic()
            for p in probes:
                self.sent_at[p] = now
            await ws.send(payload)
        self.last_send = time.monotonic()


async def _history(connection: ServerConnection, request: Request) -> Response | None:
    if request.path.startswith("/api/websocket"):
        return None
    body = b"[]" if request.path.startswith("/api/history") else b"{}"
    response = connection.respond(HTTPStatus.OK, body.decode())
    response.headers["Content-Type"] = "application/json"
    return response


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


async def main() -> None:
    """Run the benchmark and print its numbers."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--entities", type=int, default=500)
    parser.add_argument("--probe-every", type=int, default=2_000)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()

    recorded = _fixture_states()
    templates = recorded or _synthetic_states(args.entities)
    origin = "recorded fixtures" if recorded else "synthetic"
    fake = FakeHomeAssistant(templates, args.events, args.probe_every)
    tmp = Path(tempfile.mkdtemp(prefix="homeiq-bench-"))
    async with serve(
        fake.handler, "127.0.0.1", 0, process_request=_history, max_size=None
    ) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("HOMEIQ_")},
            "HOMEIQ_DATA_DIR": str(tmp),
            "HOMEIQ_HA_URL": f"http://127.0.0.1:{port}",
            "HOMEIQ_HA_TOKEN": TOKEN,
            "HOMEIQ_BACKFILL_HOURS": "0",
            "HOMEIQ_WORKER_PORT": str(_free_port()),
            "HOMEIQ_LOG_LEVEL": "WARNING",
        }
        log = (tmp / "worker.log").open("wb")
        worker = subprocess.Popen(
            [str(Path(sys.executable).with_name("homeiq")), "ingest"],
            env=env,
            cwd=tmp,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            await asyncio.wait_for(fake.subscribed.wait(), 60)
            queryable_at: dict[int, float] = {}
            poller = _probe_poller(tmp)
            deadline = time.monotonic() + args.timeout
            last = args.events - 1
            while last not in queryable_at and time.monotonic() < deadline:
                seen = await asyncio.to_thread(next, poller)
                now = time.monotonic()
                if seen is not None:
                    for probe, _ in fake.sent_at.items():
                        if probe <= seen and probe not in queryable_at:
                            queryable_at[probe] = now
                await asyncio.sleep(0.05)
            rss = _peak_rss_mb(worker.pid)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(30)
            log.close()
    if last not in queryable_at or fake.first_send is None:
        print(f"did not finish in {args.timeout} s; worker log: {tmp / 'worker.log'}")
        return
    latencies = sorted(queryable_at[p] - fake.sent_at[p] for p in queryable_at)
    elapsed = queryable_at[last] - fake.first_send
    print(f"events:            {args.events} over {len(templates)} {origin} entity templates")
    print(
        f"sustained:         {args.events / elapsed:,.0f} events/s into the store ({elapsed:.1f} s)"
    )
    print(
        f"send rate:         {args.events / ((fake.last_send or 0) - fake.first_send):,.0f} "
        "events/s taken by the worker"
    )
    print(
        f"latency p50/p99:   {statistics.median(latencies):.2f} s / "
        f"{latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]:.2f} s "
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
