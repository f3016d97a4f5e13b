"""The worker's status: per-source rates over 1 and 15 minutes, spool and store state.

One ``StatusBoard`` samples the spool's per-source counters once a second and builds the
``WorkerReport`` that /healthz serves and the metadata store keeps for the app's Health page
(the typed record and its JSON live in storage.metadata.worker_report).
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from ingest_worker.base import SourceState, SourceStatus
from ingest_worker.spool import Spool
from ingest_worker.writer import WriterState
from storage.metadata.worker_report import (
    SourceReport,
    SpoolReport,
    StoreReport,
    WorkerReport,
    WriterReport,
)

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

    def report(self) -> WorkerReport:
        """Return the worker's status now: sources, spool, store, writer and quarantine."""
        last_seen = self.spool.last_seen_now()
        received = self.spool.received()
        sources: dict[str, SourceReport] = {}
        for name in SOURCE_NAMES:
            status = self.sources.get(name)
            if status is None:
                sources[name] = SourceReport(state="disabled", events_total=received.get(name, 0))
                continue
            sources[name] = SourceReport(
                state=_PAYLOAD_STATES.get(status.state, "connecting"),
                last_event=last_seen.get(name) or status.last_event_at,
                events_per_s_1m=round(self.rates.rate(name, 60), 3),
                events_per_s_15m=round(self.rates.rate(name, 900), 3),
                last_error=status.last_error,
                events_total=received.get(name, 0),
                # The source's own counters (HA: malformed, removed, backfilled, connects).
                counters=source_counters(status),
            )
        spool = self.spool.stats()
        return WorkerReport(
            pid=os.getpid(),
            started_at=self.started_at,
            sources=sources,
            spool=SpoolReport(
                depth=spool.depth, bytes=spool.bytes, budget_bytes=spool.budget_bytes
            ),
            store=StoreReport(ok=self.writer.ok, backend=self.backend, detail=self.writer.detail),
            writer=WriterReport(
                written_total=self.writer.written_total,
                batches_total=self.writer.batches_total,
                failures_total=self.writer.failures_total,
            ),
            quarantined=dict(self.quarantined),
        )


def source_counters(status: SourceStatus) -> dict[str, int]:
    """Return the integer counters a source keeps in ``status.extra``."""
    return {
        key: value
        for key, value in status.extra.items()
        if isinstance(value, int) and not isinstance(value, bool)
    }
