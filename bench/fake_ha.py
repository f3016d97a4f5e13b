"""A stand-in for HA's WebSocket API that streams state_changed frames (for bench/ingest.py).

It speaks the auth handshake, supported_features/coalesce_messages, get_states, the
registries, subscribe_events, ping and an empty history, then sends state_changed events,
coalesced into array frames, as fast as the client reads them. Each event carries the
entity's previous state as ``old_state``, as HA does. Templates come from recorded frames
in tests/fixtures/ha/ when there are any, else synthetic sensors.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any

import orjson
from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

ROOT = Path(__file__).resolve().parent.parent
PROBE = "sensor.bench_probe"
TOKEN = "bench-token"


def fixture_states() -> list[dict[str, Any]]:
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


def synthetic_states(entities: int) -> list[dict[str, Any]]:
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
    sub_id: int,
    template: dict[str, Any],
    state: str,
    moment: datetime,
    n: int,
    old_state: dict[str, Any] | None,
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
            # Like HA: old_state is the entity's previous state object, in full.
            "data": {
                "entity_id": template["entity_id"],
                "old_state": old_state,
                "new_state": new_state,
            },
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
        sub_id: int | None = None
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
                if kind == "subscribe_events" and msg.get("event_type") == "state_changed":
                    sub_id = msg_id
                # Stream once the client took its snapshot: it sends get_states after it
                # started consuming events.
                if kind == "get_states" and stream is None and sub_id is not None:
                    stream = asyncio.create_task(self._stream(ws, sub_id, coalesce))
        finally:
            if stream is not None:
                stream.cancel()

    async def _stream(self, ws: ServerConnection, sub_id: int, coalesce: bool) -> None:
        self.subscribed.set()
        base = datetime.now(UTC) - timedelta(hours=1)
        templates = itertools.cycle(self.templates)
        probe = {"entity_id": PROBE, "attributes": {"friendly_name": "Bench probe"}}
        per_frame = 200 if coalesce else 1
        previous: dict[str, dict[str, Any]] = {}
        n = 0
        self.first_send = time.monotonic()
        while n < self.events:
            frame: list[dict[str, Any]] = []
            probes: list[int] = []
            for _ in range(min(per_frame, self.events - n)):
                moment = base + timedelta(microseconds=n * 10)
                if n % self.probe_every == 0 or n == self.events - 1:
                    template, state = probe, str(n)
                    probes.append(n)
                else:
                    template, state = next(templates), str(n % 997)
                old = previous.get(template["entity_id"])
                event = _event(sub_id, template, state, moment, n, old)
                previous[template["entity_id"]] = event["event"]["data"]["new_state"]
                frame.append(event)
                n += 1
            payload = orjson.dumps(frame if coalesce else frame[0]).decode()
            now = time.monotonic()
            for p in probes:
                self.sent_at[p] = now
            await ws.send(payload)
        self.last_send = time.monotonic()


async def history(connection: ServerConnection, request: Request) -> Response | None:
    if request.path.startswith("/api/websocket"):
        return None
    body = b"[]" if request.path.startswith("/api/history") else b"{}"
    response = connection.respond(HTTPStatus.OK, body.decode())
    response.headers["Content-Type"] = "application/json"
    return response
