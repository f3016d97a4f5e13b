"""One-shot Home Assistant WebSocket sessions for the app and the CLI.

``async with HAClient(url, token) as ha: await ha.command({"type": "get_config"})``
connects, passes auth, answers commands and closes. ``call(url, token, get_config)`` does
the same from blocking code (a Streamlit page, a CLI command) and returns the result.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self, TypeVar

from ha_client.connection import HaConnection
from ha_client.errors import HAUnavailable
from ha_client.urls import ws_url_of

_log = logging.getLogger(__name__)
_T = TypeVar("_T")


class HAClient:
    """An authenticated WebSocket session, open inside ``async with``."""

    def __init__(self, url: str, token: str, *, ping_interval: float = 20.0) -> None:
        self.ws_url = ws_url_of(url)
        self._token = token
        self._ping_interval = ping_interval
        self._conn: HaConnection | None = None

    async def __aenter__(self) -> Self:
        self._conn = await HaConnection.open(
            self.ws_url,
            self._token,
            ping_interval=self._ping_interval,
            ping_timeout=self._ping_interval,
            on_malformed=self._malformed,
        )
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    @property
    def ha_version(self) -> str | None:
        """Return the HA version the server announced at auth, if any."""
        return self._conn.ha_version if self._conn is not None else None

    async def command(self, payload: dict[str, Any], timeout: float = 60.0) -> Any:
        """Send one command and return its result; raise an ha_client error on failure."""
        if self._conn is None:
            raise HAUnavailable("HAClient is not open; use it inside 'async with'")
        return await self._conn.command(payload, timeout)

    def _malformed(self, reason: str) -> None:
        _log.warning("Home Assistant at %s sent a malformed message (%s)", self.ws_url, reason)


def call(url: str, token: str, action: Callable[[HAClient], Awaitable[_T]]) -> _T:
    """Return ``action(client)`` run on a fresh session, from code without an event loop."""

    async def run() -> _T:
        async with HAClient(url, token) as ha:
            return await action(ha)

    return asyncio.run(run())


def run_command(url: str, token: str, payload: dict[str, Any], timeout: float = 60.0) -> Any:
    """Return the result of one command on a fresh session, from code without an event loop."""
    return call(url, token, lambda ha: ha.command(payload, timeout))
