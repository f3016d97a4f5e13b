"""Home Assistant source: subscription, registries, conversion, backfill (client: ha_client)."""

from __future__ import annotations

from ingest_worker.ha.source import HomeAssistantSource

__all__ = ["HomeAssistantSource"]
