"""The ingest worker's status as one typed record: what /healthz serves and the metadata keeps.

The worker builds a ``WorkerReport``; /healthz, the metadata status row and
``homeiq status --json`` carry ``to_json()``; the app and the CLI read it back with
``WorkerReport.from_json``. The JSON keys, their order and nesting are a public interface
(scripts read them), pinned by tests. ``from_json`` accepts rows of older workers that lack
a key, filling the documented default, so a status row never breaks a page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

# States a source reports (``SourceReport.state``).
SOURCE_STATES: Final[tuple[str, ...]] = ("connecting", "connected", "backoff", "failed", "disabled")
HEALTHY_STATES: Final[frozenset[str]] = frozenset({"connected", "disabled"})


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _float(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _counts(value: object) -> dict[str, int]:
    if not isinstance(value, Mapping):
        return {}
    return {str(key): _int(count) for key, count in value.items()}


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceReport:
    """One source (ha, mqtt): its state, newest event, rates, last error and counters."""

    state: str
    last_event: datetime | None = None
    events_per_s_1m: float = 0.0
    events_per_s_15m: float = 0.0
    last_error: str | None = None
    events_total: int = 0  # events ever committed to the spool (redeliveries included)
    counters: dict[str, int] | None = None  # None for a source that is not configured

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object of this source (``counters`` only when configured)."""
        data: dict[str, Any] = {
            "state": self.state,
            "last_event": self.last_event.isoformat() if self.last_event else None,
            "events_per_s_1m": self.events_per_s_1m,
            "events_per_s_15m": self.events_per_s_15m,
            "last_error": self.last_error,
            "events_total": self.events_total,
        }
        if self.counters is not None:
            data["counters"] = dict(self.counters)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SourceReport:
        """Return the source read from its JSON object."""
        counters = data.get("counters")
        return cls(
            state=_text(data.get("state")) or "connecting",
            last_event=_time(data.get("last_event")),
            events_per_s_1m=_float(data.get("events_per_s_1m")),
            events_per_s_15m=_float(data.get("events_per_s_15m")),
            last_error=_text(data.get("last_error")),
            events_total=_int(data.get("events_total")),
            counters=_counts(counters) if counters is not None else None,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SpoolReport:
    """The spool: events waiting, bytes used and the disk budget."""

    depth: int = 0
    bytes: int = 0
    budget_bytes: int = 0

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object of the spool."""
        return {"depth": self.depth, "bytes": self.bytes, "budget_bytes": self.budget_bytes}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SpoolReport:
        """Return the spool read from its JSON object."""
        return cls(
            depth=_int(data.get("depth")),
            bytes=_int(data.get("bytes")),
            budget_bytes=_int(data.get("budget_bytes")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreReport:
    """The time-series store as the writer last saw it."""

    ok: bool = False
    backend: str = ""
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object of the store."""
        return {"ok": self.ok, "backend": self.backend, "detail": self.detail}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StoreReport:
        """Return the store read from its JSON object."""
        return cls(
            ok=data.get("ok") is True,
            backend=_text(data.get("backend")) or "",
            detail=_text(data.get("detail")) or "",
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class WriterReport:
    """What the writer has done since the worker started."""

    written_total: int = 0
    batches_total: int = 0
    failures_total: int = 0

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object of the writer."""
        return {
            "written_total": self.written_total,
            "batches_total": self.batches_total,
            "failures_total": self.failures_total,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WriterReport:
        """Return the writer read from its JSON object."""
        return cls(
            written_total=_int(data.get("written_total")),
            batches_total=_int(data.get("batches_total")),
            failures_total=_int(data.get("failures_total")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerReport:
    """The whole status of one worker process; ``stopped_at`` is set by its last report."""

    pid: int
    started_at: datetime | None
    sources: dict[str, SourceReport] = field(default_factory=dict)
    spool: SpoolReport = field(default_factory=SpoolReport)
    store: StoreReport = field(default_factory=StoreReport)
    writer: WriterReport = field(default_factory=WriterReport)
    quarantined: dict[str, int] = field(default_factory=dict)
    stopped_at: datetime | None = None

    @property
    def healthy(self) -> bool:
        """Return whether the store answers and every source is connected or not configured."""
        return self.store.ok and all(s.state in HEALTHY_STATES for s in self.sources.values())

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object (``stopped_at`` only once the worker stopped)."""
        data: dict[str, Any] = {
            "pid": self.pid,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "sources": {name: source.to_json() for name, source in self.sources.items()},
            "spool": self.spool.to_json(),
            "store": self.store.to_json(),
            "writer": self.writer.to_json(),
            "quarantined": dict(self.quarantined),
        }
        if self.stopped_at is not None:
            data["stopped_at"] = self.stopped_at.isoformat()
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WorkerReport:
        """Return the report read from its JSON object; missing keys take their defaults."""
        sources = _mapping(data.get("sources"))
        return cls(
            pid=_int(data.get("pid")),
            started_at=_time(data.get("started_at")),
            sources={
                str(name): SourceReport.from_json(_mapping(entry))
                for name, entry in sources.items()
            },
            spool=SpoolReport.from_json(_mapping(data.get("spool"))),
            store=StoreReport.from_json(_mapping(data.get("store"))),
            writer=WriterReport.from_json(_mapping(data.get("writer"))),
            quarantined=_counts(data.get("quarantined")),
            stopped_at=_time(data.get("stopped_at")),
        )


RESTART_COMPONENT: Final[str] = "worker_restart"  # status row kept beside "worker"


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerRestart:
    """The last restart: when the previous run last reported and when this one started."""

    away_from: datetime
    back_at: datetime
    clean_stop: bool  # the previous run said it stopped (else it died or lost power)

    @property
    def away(self) -> timedelta:
        """Return how long no worker was running (never negative)."""
        return max(self.back_at - self.away_from, timedelta(0))

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object of the status row."""
        return {
            "away_from": self.away_from.isoformat(),
            "back_at": self.back_at.isoformat(),
            "clean_stop": self.clean_stop,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WorkerRestart | None:
        """Return the restart read from its row, or None when the row is unreadable."""
        away_from, back_at = _time(data.get("away_from")), _time(data.get("back_at"))
        if away_from is None or back_at is None:
            return None
        return cls(away_from=away_from, back_at=back_at, clean_stop=data.get("clean_stop") is True)
