"""The worker's status: per-source rates over 1 and 15 minutes, spool and store state.

One ``StatusBoard`` samples the spool's per-source counters once a second and builds the
payload that /healthz serves and the metadata store keeps for the app's Health page
(shape fixed in the team plan: pid, started_at, sources, spool, store).
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from ingest_worker.base import SourceState, SourceStatus
from ingest_worker.spool import Spool
from ingest_worker.writer import WriterState

_WINDOW_SECONDS: Final = 900
_PAYLOAD_STATES: Final[dict[SourceState, str]] = {
    SourceState.STARTING: "connecting",
    SourceState.CONNECTED: "connected",
    SourceState.RECONNECTING: "backoff",
    SourceState.FAILED: "failed",
    SourceState.STOPPED: "disabled",
}
SOURCE_NAMES: Final = ("ha", "mqtt")


@dataclass(frozen=True, slots=True)
class _Sample:
    at: float
    totals: dict[str, int]


class RateMeter:
    """Events per second per source over the last 1 and 15 minutes, from counter samples."""

    def __init__(self) -> None:
        self._samples: deque[_Sample] = deque()

    def sample(self, totals: Mapping[str, int], at: float | None = None) -> None:
        """Record the counters now; samples older than 15 minutes are dropped."""
        now = time.monotonic() if at is None else at
        self._samples.append(_Sample(now, dict(totals)))
        while self._samples and now - self._samples[0].at > _WINDOW_SECONDS + 5:
            self._samples.popleft()

    def rate(self, source: str, seconds: float) -> float:
        """Return the mean events/s of ``source`` over the last ``seconds`` (0.0 if unknown)."""
        if len(self._samples) < 2:
            return 0.0
        newest = self._samples[-1]
        oldest = self._samples[0]
        for candidate in self._samples:
            if newest.at - candidate.at <= seconds:
                oldest = candidate
                break
        span = newest.at - oldest.at
        if span <= 0:
            return 0.0
        delta = newest.totals.get(source, 0) - oldest.totals.get(source, 0)
        return max(0.0, delta / max(span, 1.0))


class StatusBoard:
    """Collects what /healthz, /metrics and the metadata status row report."""

    def __init__(
        self,
        *,
        spool: Spool,
        writer: WriterState,
        sources: Mapping[str, SourceStatus],
        backend: str,
    ) -> None:
        self.spool = spool
        self.writer = writer
        self.sources = dict(sources)
        self.backend = backend
        self.started_at = datetime.now(UTC)
        self.rates = RateMeter()
        self.quarantined: dict[str, int] = {}

    def tick(self) -> None:
        """Take one rate sample from the spool's per-source counters."""
        self.rates.sample(self.spool.received())

    def count_quarantine(self, reason: str) -> None:
        """Count one quarantined payload under ``reason``."""
        self.quarantined[reason] = self.quarantined.get(reason, 0) + 1

    def payload(self) -> dict[str, Any]:
        """Return the status payload (team plan shape) plus writer and quarantine detail."""
        last_seen = self.spool.last_seen_now()
        received = self.spool.received()
        sources: dict[str, Any] = {}
        for name in SOURCE_NAMES:
            status = self.sources.get(name)
            if status is None:
                sources[name] = _source_entry("disabled", None, 0.0, 0.0, None)
                sources[name]["events_total"] = received.get(name, 0)
                continue
            last = last_seen.get(name) or status.last_event_at
            sources[name] = _source_entry(
                _PAYLOAD_STATES.get(status.state, "connecting"),
                last,
                self.rates.rate(name, 60),
                self.rates.rate(name, 900),
                status.last_error,
            )
            # Events ever committed to the spool (redeliveries included), for tests/tools.
            sources[name]["events_total"] = received.get(name, 0)
            # The source's own counters (HA: malformed, removed, backfilled, connects).
            sources[name]["counters"] = source_counters(status)
        spool = self.spool.stats()
        return {
            "pid": os.getpid(),
            "started_at": self.started_at.isoformat(),
            "sources": sources,
            "spool": {
                "depth": spool.depth,
                "bytes": spool.bytes,
                "budget_bytes": spool.budget_bytes,
            },
            "store": {"ok": self.writer.ok, "backend": self.backend, "detail": self.writer.detail},
            "writer": {
                "written_total": self.writer.written_total,
                "batches_total": self.writer.batches_total,
                "failures_total": self.writer.failures_total,
            },
            "quarantined": dict(self.quarantined),
        }


def source_counters(status: SourceStatus) -> dict[str, int]:
    """Return the integer counters a source keeps in ``status.extra``."""
    return {
        key: value
        for key, value in status.extra.items()
        if isinstance(value, int) and not isinstance(value, bool)
    }


def _source_entry(
    state: str, last: datetime | None, rate_1m: float, rate_15m: float, error: str | None
) -> dict[str, Any]:
    return {
        "state": state,
        "last_event": last.isoformat() if last is not None else None,
        "events_per_s_1m": round(rate_1m, 3),
        "events_per_s_15m": round(rate_15m, 3),
        "last_error": error,
    }
