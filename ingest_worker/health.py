"""The worker's loopback HTTP server: ``/healthz`` (JSON) and ``/metrics`` (Prometheus).

A few lines of asyncio stream handling serve two GET routes; a web framework would bring
its own signal handling into the worker's shutdown path. Metrics come from a collector
that reads the StatusBoard at scrape time, in a registry of our own (not the global one).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Final

import orjson
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ingest_worker.status import SOURCE_NAMES, StatusBoard, source_counters

_log = logging.getLogger(__name__)
_MAX_REQUEST_BYTES: Final = 8192
_PROM_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"


class _BoardCollector(Collector):
    def __init__(self, board: StatusBoard) -> None:
        self._board = board

    def collect(self) -> Iterator[Metric]:
        board = self._board
        received = board.spool.received()
        events = CounterMetricFamily(
            "homeiq_events_received", "Events committed to the spool", labels=["source"]
        )
        up = GaugeMetricFamily(
            "homeiq_source_connected", "1 when the source is connected", labels=["source"]
        )
        counts = CounterMetricFamily(
            "homeiq_source_counts",
            "A source's own counters (HA: malformed, removed, backfilled, connects)",
            labels=["source", "counter"],
        )
        for name in SOURCE_NAMES:
            events.add_metric([name], received.get(name, 0))
            status = board.sources.get(name)
            up.add_metric([name], 1.0 if status and status.state == "connected" else 0.0)
            for counter, value in sorted(source_counters(status).items() if status else ()):
                counts.add_metric([name, counter], value)
        yield events
        yield up
        yield counts
        stats = board.spool.stats()
        yield GaugeMetricFamily("homeiq_spool_depth", "Events waiting in the spool", stats.depth)
        yield GaugeMetricFamily("homeiq_spool_bytes", "Bytes of spooled events", stats.bytes)
        yield GaugeMetricFamily(
            "homeiq_spool_budget_bytes", "Disk budget of the spool", stats.budget_bytes
        )
        writer = board.writer
        yield CounterMetricFamily(
            "homeiq_store_events_written", "Events the store confirmed", writer.written_total
        )
        yield CounterMetricFamily(
            "homeiq_store_write_failures", "Failed store writes", writer.failures_total
        )
        yield GaugeMetricFamily(
            "homeiq_store_up", "1 when the store took the last write", 1.0 if writer.ok else 0.0
        )
        quarantined = CounterMetricFamily(
            "homeiq_quarantined", "Payloads sent to quarantine", labels=["reason"]
        )
        for reason, count in sorted(board.quarantined.items()):
            quarantined.add_metric([reason], count)
        yield quarantined


class HealthServer:
    """Serves /healthz and /metrics for one StatusBoard."""

    def __init__(self, board: StatusBoard, *, host: str, port: int) -> None:
        self._board = board
        self._host = host
        self._port = port
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(_BoardCollector(board))
        self.bound_port: int | None = None

    async def run(self) -> None:
        """Serve until cancelled; raise OSError naming the port when it is taken."""
        try:
            server = await asyncio.start_server(self._handle, self._host, self._port)
        except OSError as err:
            raise OSError(
                f"health server cannot listen on {self._host}:{self._port} ({err.strerror}); "
                "is another worker running, or set HOMEIQ_WORKER_PORT"
            ) from err
        self.bound_port = int(server.sockets[0].getsockname()[1])
        _log.info("health server on http://%s:%d/healthz", self._host, self.bound_port)
        async with server:
            await server.serve_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            status, ctype, body = self.respond(head[:_MAX_REQUEST_BYTES])
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            status, ctype, body = "400 Bad Request", "text/plain", b"bad request\n"
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n".encode()
            + body
        )
        try:
            await writer.drain()
        finally:
            writer.close()

    def respond(self, head: bytes) -> tuple[str, str, bytes]:
        """Return (status line, content type, body) for a raw request head."""
        parts = head.split(b"\r\n", 1)[0].split()
        if len(parts) < 2 or parts[0] not in (b"GET", b"HEAD"):
            return "405 Method Not Allowed", "text/plain", b"only GET\n"
        path = parts[1].split(b"?", 1)[0]
        if path == b"/healthz":
            report = self._board.report()
            payload = report.to_json()
            payload["ok"] = report.healthy
            return "200 OK", "application/json", orjson.dumps(payload)
        if path == b"/metrics":
            return "200 OK", _PROM_TYPE, generate_latest(self.registry)
        return "404 Not Found", "text/plain", b"try /healthz or /metrics\n"
