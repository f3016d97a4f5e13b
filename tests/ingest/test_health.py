"""Health server: /healthz JSON, /metrics in Prometheus format, rates over 1 and 15 min."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

from ingest_worker.base import SourceState, SourceStatus
from ingest_worker.health import HealthServer
from ingest_worker.spool import Spool
from ingest_worker.status import RateMeter, StatusBoard
from ingest_worker.writer import WriterState
from storage.events import Event


async def _get(port: int, path: str) -> tuple[str, str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    await writer.drain()
    raw = await reader.read()
    writer.close()
    head, _, body = raw.decode().partition("\r\n\r\n")
    return head.split("\r\n", 1)[0], body


async def _serve(tmp_path: Path) -> tuple[HealthServer, Spool, asyncio.Task[None]]:
    spool = await Spool(tmp_path / "s.sqlite", max_bytes=1000_000).open()
    mqtt = SourceStatus(name="mqtt", state=SourceState.CONNECTED, last_error="earlier blip")
    mqtt.extra.update({"connects": 2, "note": "not a counter"})
    board = StatusBoard(
        spool=spool,
        writer=WriterState(ok=False, detail="StoreUnavailable: down"),
        sources={"mqtt": mqtt},
        backend="embedded",
    )
    await spool.put(
        [Event(time=datetime(2026, 1, 1, tzinfo=UTC), entity_id="mqtt.a", state="1", source="mqtt")]
    )
    board.count_quarantine("invalid_utf8")
    server = HealthServer(board, host="127.0.0.1", port=0)
    task = asyncio.create_task(server.run())
    while server.bound_port is None:
        await asyncio.sleep(0.01)
    return server, spool, task


async def test_healthz_reports_sources_spool_and_store(tmp_path: Path) -> None:
    server, spool, task = await _serve(tmp_path)
    assert server.bound_port is not None
    status, body = await _get(server.bound_port, "/healthz")
    task.cancel()
    payload = json.loads(body)
    assert status == "HTTP/1.1 200 OK"
    assert payload["sources"]["mqtt"]["state"] == "connected"
    assert payload["sources"]["mqtt"]["last_event"] == "2026-01-01T00:00:00+00:00"
    assert payload["sources"]["mqtt"]["last_error"] == "earlier blip"
    assert payload["sources"]["mqtt"]["counters"] == {"connects": 2}
    assert payload["sources"]["ha"]["state"] == "disabled"
    assert payload["spool"]["depth"] == 1
    assert payload["spool"]["budget_bytes"] == 1000_000
    assert payload["store"] == {
        "ok": False,
        "backend": "embedded",
        "detail": "StoreUnavailable: down",
    }
    assert payload["ok"] is False
    await spool.close()


async def test_metrics_are_prometheus_text(tmp_path: Path) -> None:
    server, spool, task = await _serve(tmp_path)
    assert server.bound_port is not None
    status, body = await _get(server.bound_port, "/metrics")
    missing, _ = await _get(server.bound_port, "/nope")
    task.cancel()
    assert status == "HTTP/1.1 200 OK"
    assert 'homeiq_events_received_total{source="mqtt"} 1.0' in body
    assert 'homeiq_source_counts_total{counter="connects",source="mqtt"} 2.0' in body
    assert "homeiq_spool_depth 1.0" in body
    assert "homeiq_store_up 0.0" in body
    assert 'homeiq_quarantined_total{reason="invalid_utf8"} 1.0' in body
    assert missing == "HTTP/1.1 404 Not Found"
    await spool.close()


def test_rate_meter_averages_over_window() -> None:
    meter = RateMeter()
    for second in range(0, 901, 10):
        meter.sample({"ha": second * 2 if second <= 840 else 1680 + (second - 840) * 10}, at=second)
    assert meter.rate("ha", 60) == 10.0
    assert round(meter.rate("ha", 900), 3) == round((1680 + 600) / 900, 3)
    assert meter.rate("mqtt", 60) == 0.0


SOURCE_KEYS = ["state", "last_event", "events_per_s_1m", "events_per_s_15m", "last_error"]


async def test_healthz_json_shape_is_pinned(tmp_path: Path) -> None:
    # Scripts read /healthz: its keys, their order and nesting are a public interface.
    server, spool, task = await _serve(tmp_path)
    assert server.bound_port is not None
    _, body = await _get(server.bound_port, "/healthz")
    task.cancel()
    payload = json.loads(body)
    assert list(payload) == [
        "pid",
        "started_at",
        "sources",
        "spool",
        "store",
        "writer",
        "quarantined",
        "ok",
    ]
    assert list(payload["sources"]) == ["ha", "mqtt"]
    assert list(payload["sources"]["ha"]) == [*SOURCE_KEYS, "events_total"]
    assert list(payload["sources"]["mqtt"]) == [*SOURCE_KEYS, "events_total", "counters"]
    assert list(payload["spool"]) == ["depth", "bytes", "budget_bytes"]
    assert list(payload["store"]) == ["ok", "backend", "detail"]
    assert list(payload["writer"]) == ["written_total", "batches_total", "failures_total"]
    assert payload["quarantined"] == {"invalid_utf8": 1}
    assert isinstance(payload["pid"], int)
    assert datetime.fromisoformat(payload["started_at"]).tzinfo is not None
    assert payload["sources"]["mqtt"]["events_total"] == 1
    assert payload["sources"]["ha"] == {
        "state": "disabled",
        "last_event": None,
        "events_per_s_1m": 0.0,
        "events_per_s_15m": 0.0,
        "last_error": None,
        "events_total": 0,
    }
    await spool.close()
