"""Helpers of the HA source tests: the source wired to a real spool, writer and store;
a TCP proxy whose connections a test can drop; and a fake HA for frames a real one never sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any

import polars as pl
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from ingest_worker.base import SourceState, SourceStatus
from ingest_worker.ha import HomeAssistantSource
from ingest_worker.ha.resume import ResumeFile
from ingest_worker.spool import Spool
from ingest_worker.writer import SpoolWriter
from storage.factory import open_store
from storage.protocol import TimeSeriesStore


@dataclass
class Harness:
    """A running HomeAssistantSource -> Spool -> SpoolWriter -> embedded store."""

    store: TimeSeriesStore
    spool: Spool
    source: HomeAssistantSource
    status: SourceStatus
    task: asyncio.Task[None]

    async def wait_connected(self, timeout: float = 60.0, connects: int = 1) -> None:
        """Return once the source finished ``connects`` connects (snapshot + backfill)."""
        async with asyncio.timeout(timeout):
            while not (
                self.status.state == SourceState.CONNECTED
                and self.source.counters["connects"] >= connects
            ):
                if self.task.done():
                    self.task.result()
                await asyncio.sleep(0.05)

    async def wait_stored(self, timeout: float = 10.0) -> None:
        """Return once the spool is empty (everything received is in the store)."""
        async with asyncio.timeout(timeout):
            while self.spool.stats().depth:
                await asyncio.sleep(0.05)

    def rows(self, entities: Sequence[str] | None = None) -> pl.DataFrame:
        """Return every stored event of ``entities`` (all when None)."""
        from datetime import UTC, datetime

        far = datetime(1970, 1, 2, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
        return self.store.read(list(entities) if entities else None, *far)


@contextlib.asynccontextmanager
async def running_source(
    url: str, token: str, data_dir: Path, **kwargs: Any
) -> AsyncIterator[Harness]:
    """Yield a Harness streaming from HA at ``url`` into an embedded store in ``data_dir``."""
    store = open_store(backend="embedded", data_dir=data_dir / "store")
    spool = await Spool(data_dir / "spool.db", max_bytes=256 * 1024 * 1024).open()
    writer = SpoolWriter(spool, store, batch_size=5000, idle_poll=0.05)
    status = SourceStatus(name="ha")

    async def last_seen() -> Any:
        return await spool.last_seen("ha")

    options: dict[str, Any] = {"first_backfill": timedelta(minutes=30), "backoff_cap": 1.0}
    options.update(kwargs)
    source = HomeAssistantSource(
        url=url,
        token=token,
        sink=spool,
        status=status,
        last_seen=last_seen,
        resume=ResumeFile(data_dir / "spool.db.ha-resume"),
        **options,
    )
    writer_task = asyncio.create_task(writer.run())
    task = asyncio.create_task(source.run())
    try:
        yield Harness(store=store, spool=spool, source=source, status=status, task=task)
    finally:
        for running in (task, writer_task):
            running.cancel()
            with contextlib.suppress(BaseException):
                await running
        await spool.close()
        store.close()


@dataclass
class DroppingProxy:
    """TCP proxy to ``target_port``.

    ``drop()`` cuts live connections, ``blocked`` refuses new ones, ``frozen`` stops
    forwarding without closing anything (a peer that hangs).
    """

    target_port: int
    port: int = 0
    blocked: bool = False
    frozen: bool = False
    accepted: int = 0
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)
    _server: asyncio.Server | None = None

    async def start(self) -> DroppingProxy:
        """Listen on a free loopback port; return self."""
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        """Return the HTTP base URL through the proxy."""
        return f"http://127.0.0.1:{self.port}"

    def drop(self) -> None:
        """Cut every connection now, as a network failure would."""
        for writer in self._writers:
            with contextlib.suppress(Exception):
                writer.transport.abort()
        self._writers.clear()

    async def close(self) -> None:
        """Stop listening and cut everything."""
        self.drop()
        if self._server is not None:
            self._server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.blocked:
            writer.transport.abort()
            return
        self.accepted += 1
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self._writers += [writer, up_writer]
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            while data := await reader.read(65536):
                while self.frozen:  # a hung peer: bytes go nowhere, nothing is closed
                    await asyncio.sleep(0.05)
                writer.write(data)
                await writer.drain()
        with contextlib.suppress(Exception):
            writer.close()


@dataclass
class FakeHA:
    """A fake HA WebSocket API that, after the handshake, sends ``frames`` verbatim."""

    frames: list[str]
    states: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0
    commands: list[str] = field(default_factory=list)
    token: str = "good-token"

    @property
    def url(self) -> str:
        """Return the HTTP base URL."""
        return f"http://127.0.0.1:{self.port}"

    def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.path.startswith("/api/history/"):
            return connection.respond(HTTPStatus.OK, "[]")
        return None

    async def _session(self, ws: ServerConnection) -> None:
        await ws.send(json.dumps({"type": "auth_required"}))
        auth = json.loads(await ws.recv())
        if auth.get("access_token") != self.token:
            await ws.send(json.dumps({"type": "auth_invalid", "message": "Invalid access"}))
            return
        await ws.send(json.dumps({"type": "auth_ok", "ha_version": "fake"}))
        async for raw in ws:
            message = json.loads(raw)
            self.commands.append(message["type"])
            result: Any = None
            if message["type"] == "get_states":
                result = self.states
            elif message["type"].endswith("/list"):
                result = []
            await ws.send(
                json.dumps(
                    {"id": message["id"], "type": "result", "success": True, "result": result}
                )
            )
            if message["type"] == "get_states":
                for frame in self.frames:
                    await ws.send(frame)

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[FakeHA]:
        """Serve on a free loopback port while the context is open."""
        async with serve(
            self._session, "127.0.0.1", 0, process_request=self._http, max_size=None
        ) as server:
            self.port = next(iter(server.sockets)).getsockname()[1]
            yield self


def ws_command(peer_ws_url: str, token: str, payload: dict[str, Any]) -> Any:
    """Return the result of one WebSocket command sent to a real HA (raises on failure)."""
    from websockets.sync.client import connect

    with connect(peer_ws_url, open_timeout=10, max_size=None) as ws:
        ws.recv(10)
        ws.send(json.dumps({"type": "auth", "access_token": token}))
        if json.loads(ws.recv(10)).get("type") != "auth_ok":
            raise RuntimeError("HA refused the test token")
        ws.send(json.dumps({**payload, "id": 1}))
        reply = json.loads(ws.recv(30))
        if not reply.get("success"):
            raise RuntimeError(f"{payload['type']} failed: {reply.get('error')}")
        return reply["result"]


def state_changed(
    new_state: dict[str, Any] | None, *, entity_id: str = "sensor.removed", fired: str = ""
) -> dict[str, Any]:
    """Return an HA ``state_changed`` event message carrying ``new_state``.

    A removal (``new_state`` None) names ``entity_id`` and is fired at ``fired``.
    """
    if new_state is not None:
        entity_id = new_state["entity_id"]
        fired = new_state.get("last_updated", fired)
    return {
        "type": "event",
        "id": 5,
        "event": {
            "event_type": "state_changed",
            "data": {"entity_id": entity_id, "new_state": new_state},
            "time_fired": fired,
        },
    }
