"""Home Assistant source: WebSocket connection, registries, conversion, backfill."""

from __future__ import annotations

from ingest_worker.ha.source import HomeAssistantSource

__all__ = ["HomeAssistantSource"]
