"""Home Assistant URLs: one base URL, given as http(s):// or ws(s)://, serves both APIs."""

from __future__ import annotations


def _base(url: str) -> str:
    return url.strip().rstrip("/").removesuffix("/api/websocket").removesuffix("/api")


def ws_url_of(url: str) -> str:
    """Return HA's WebSocket API URL for a base URL given as http(s):// or ws(s)://."""
    base = _base(url)
    if base.startswith("https://"):
        base = "wss://" + base.removeprefix("https://")
    elif base.startswith("http://"):
        base = "ws://" + base.removeprefix("http://")
    return base + "/api/websocket"


def http_url_of(url: str) -> str:
    """Return HA's base HTTP URL for a base URL given as http(s):// or ws(s)://."""
    base = _base(url)
    if base.startswith("wss://"):
        return "https://" + base.removeprefix("wss://")
    if base.startswith("ws://"):
        return "http://" + base.removeprefix("ws://")
    return base
