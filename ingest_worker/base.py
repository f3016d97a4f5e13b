"""What every ingest source shares: where events go, and how a source reports its state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from storage.events import Event


class SourceUnavailable(Exception):
    """A source's peer (HA, broker) cannot be reached now; the source will retry."""


class AuthenticationFailed(Exception):
    """The peer rejected our credentials; retrying would only get the address banned."""


class SourceState(StrEnum):
    """Connection state of one source, as shown on /healthz and the Health page."""

    STARTING = "starting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    FAILED = "failed"
    STOPPED = "stopped"


class EventSink(Protocol):
    """Durable destination of received events (the worker's spool)."""

    async def put(self, events: Sequence[Event]) -> None:
        """Persist ``events`` durably; an event counts as received only once this returns."""
        ...


@dataclass(slots=True, kw_only=True)
class SourceStatus:
    """Mutable status a source keeps current for the health server."""

    name: str
    state: SourceState = SourceState.STARTING
    last_event_at: datetime | None = None
    last_error: str | None = None
    events_total: int = 0
    connected_since: datetime | None = None
    extra: dict[str, object] = field(default_factory=dict)
