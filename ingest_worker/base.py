"""What every ingest source shares: where events go, and how a source reports its state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


class ReceiptSink(EventSink, Protocol):
    """An event sink that also keeps redelivery receipts (the spool; the MQTT source needs it).

    A receipt maps a message fingerprint to the event time (µs) its first delivery got, so
    a redelivered message gets the same time and the store keeps it once.
    """

    async def put(
        self, events: Sequence[Event], *, receipts: Mapping[str, int] | None = None
    ) -> None:
        """Persist ``events`` and ``receipts`` durably, in one transaction."""
        ...

    async def receipt_times(self, fingerprints: Sequence[str]) -> dict[str, int]:
        """Return the event time (µs) recorded for each known fingerprint."""
        ...

    async def last_seen(self, source: str) -> datetime | None:
        """Return the newest event time of ``source`` held or delivered, if any."""
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
