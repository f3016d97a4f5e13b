"""One authenticated WebSocket connection to Home Assistant.

A reader task owns the socket: command results resolve the future of their id, events go
into a bounded queue (a full queue stops the reader, so a slow sink slows the socket
instead of growing memory), and frames that are not valid JSON messages are counted, never
raised. Liveness uses WebSocket pings with a timeout (websockets' keepalive): a peer that
stops answering is dropped within ``ping_interval + ping_timeout`` + 2 seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any, Final

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from ha_client.errors import (
    HAAuthFailed,
    HACommandFailed,
    HAPermissionDenied,
    HAUnavailable,
)
from ha_client.frames import decode_frame, decode_messages

_log = logging.getLogger(__name__)

MAX_FRAME_BYTES: Final = 64 * 1024 * 1024
_QUEUE_MESSAGES: Final = 500
_AUTH_TIMEOUT: Final = 15.0


class HaConnection:
    """An authenticated HA WebSocket session: commands with results, and an event queue."""

    def __init__(self, ws: ClientConnection, on_malformed: Callable[[str], None]) -> None:
        self._ws = ws
        self._on_malformed = on_malformed
        self._next_id = 1
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._commands: dict[int, str] = {}  # id -> command type, for error messages
        self.events: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(_QUEUE_MESSAGES)
        self.ha_version: str | None = None
        self._reader: asyncio.Task[None] | None = None
        self.closed_reason: str | None = None

    @classmethod
    async def open(
        cls,
        ws_url: str,
        token: str,
        *,
        ping_interval: float,
        ping_timeout: float,
        on_malformed: Callable[[str], None],
    ) -> HaConnection:
        """Return a connection that passed HA's auth handshake; raise our own errors."""
        try:
            ws = await connect(
                ws_url,
                max_size=MAX_FRAME_BYTES,
                ping_interval=ping_interval,
                ping_timeout=ping_timeout,
                open_timeout=_AUTH_TIMEOUT,
                compression=None,
                close_timeout=2.0,  # a hung peer never answers the close frame
            )
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as err:
            raise HAUnavailable(
                f"Cannot reach Home Assistant at {ws_url} ({err}). Is HA running and is "
                "HOMEIQ_HA_URL right?"
            ) from err
        conn = cls(ws, on_malformed)
        try:
            await conn._authenticate(token, ws_url)
        except BaseException:
            await ws.close()
            raise
        conn._reader = asyncio.create_task(conn._read(), name="ha-ws-reader")
        return conn

    async def _authenticate(self, token: str, ws_url: str) -> None:
        try:
            async with asyncio.timeout(_AUTH_TIMEOUT):
                hello = decode_frame(await self._ws.recv())[0]
                if hello.get("type") != "auth_required":
                    raise HAUnavailable(
                        f"{ws_url} did not ask for auth ({hello.get('type')!r}); is "
                        "HOMEIQ_HA_URL the address of Home Assistant?"
                    )
                await self._ws.send(json.dumps({"type": "auth", "access_token": token}))
                answer = decode_frame(await self._ws.recv())[0]
        except (ConnectionClosed, OSError, TimeoutError, ValueError) as err:
            raise HAUnavailable(f"auth handshake with {ws_url} failed: {err!r}") from err
        if answer.get("type") == "auth_invalid":
            raise HAAuthFailed(
                f"Home Assistant at {ws_url} rejected the access token "
                f"({answer.get('message', 'auth_invalid')}); create a new long-lived token "
                "and check HOMEIQ_HA_TOKEN / HOMEIQ_HA_TOKEN_FILE. Not retrying, so HA does "
                "not ban this address."
            )
        if answer.get("type") != "auth_ok":
            raise HAUnavailable(f"unexpected auth answer from {ws_url}: {answer.get('type')}")
        version = answer.get("ha_version")
        self.ha_version = version if isinstance(version, str) else None

    async def command(self, payload: dict[str, Any], timeout: float = 60.0) -> Any:
        """Send one command and return its result; raise HAUnavailable or HACommandFailed."""
        if self._reader is None or self._reader.done():
            raise HAUnavailable(f"Home Assistant connection closed ({self.closed_reason})")
        msg_id = self._next_id
        self._next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[msg_id] = future
        self._commands[msg_id] = str(payload.get("type"))
        try:
            await self._ws.send(json.dumps({**payload, "id": msg_id}))
            async with asyncio.timeout(timeout):
                return await future
        except (ConnectionClosed, OSError) as err:
            raise HAUnavailable(f"HA connection lost during {payload['type']}") from err
        except TimeoutError as err:
            raise HAUnavailable(f"HA did not answer {payload['type']} in {timeout} s") from err
        finally:
            self._pending.pop(msg_id, None)
            self._commands.pop(msg_id, None)

    async def wait_closed(self) -> None:
        """Return once the reader stopped (connection closed or lost)."""
        if self._reader is not None:
            await asyncio.shield(self._reader)

    async def close(self) -> None:
        """Close the socket and stop the reader."""
        await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    async def _read(self) -> None:
        try:
            async for raw in self._ws:
                try:
                    messages = decode_messages(raw)
                except ValueError as err:
                    self._on_malformed(f"undecodable frame ({err})")
                    continue
                for message in messages:
                    await self._dispatch(message)
            self.closed_reason = "closed by Home Assistant"
        except ConnectionClosed as err:
            self.closed_reason = f"connection lost ({err})"
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(HAUnavailable(f"HA connection {self.closed_reason}"))
            await self.events.put(None)

    async def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "event":
            await self.events.put(message)
        elif kind == "result":
            future = self._pending.get(message.get("id", -1))
            if future is None or future.done():
                return
            if message.get("success"):
                future.set_result(message.get("result"))
            else:
                future.set_exception(self._refusal(message))
        elif kind != "pong":
            self._on_malformed(f"unknown message type {str(kind)[:40]!r}")

    def _refusal(self, message: dict[str, Any]) -> Exception:
        error = message.get("error")
        error = error if isinstance(error, dict) else {}
        command = self._commands.get(message.get("id", -1), "a command")
        code, text = str(error.get("code")), str(error.get("message"))
        if code == "unauthorized":
            return HAPermissionDenied(
                f"Home Assistant refused {command}: the token's user is not allowed to ({text}); "
                "use a long-lived token of an administrator (HOMEIQ_HA_TOKEN)"
            )
        return HACommandFailed(command, code, text)
