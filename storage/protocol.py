"""The narrow interface over the time-series store, shared by every backend.

Every method returns a polars frame or a small frozen dataclass. Times are aware UTC
datetimes; ranges are half-open ``[start, end)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal, Protocol, runtime_checkable

import polars as pl

from storage.errors import InvalidQuery

Agg = Literal["mean", "min", "max", "last", "count", "increase"]
AGGS: Final[tuple[str, ...]] = ("mean", "min", "max", "last", "count", "increase")
STANDARD_BUCKETS: Final[tuple[str, ...]] = ("1m", "5m", "1h", "1d")

_BUCKET_RE = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNIT_SECONDS: Final[dict[str, int]] = {"s": 1, "m": 60, "h": 3600, "d": 86400}

# Frame of ``aggregate``: one row per (entity, bucket) that has samples.
AGGREGATE_SCHEMA: Final[dict[str, pl.DataType]] = {
    "time": pl.Datetime("us", "UTC"),
    "entity_id": pl.String(),
    "value": pl.Float64(),
}

# Frame of ``entities``: one row per entity seen in the store.
ENTITY_SCHEMA: Final[dict[str, pl.DataType]] = {
    "entity_id": pl.String(),
    "domain": pl.String(),
    "unit": pl.String(),
    "device_class": pl.String(),
    "area": pl.String(),
    "first_seen": pl.Datetime("us", "UTC"),
    "last_seen": pl.Datetime("us", "UTC"),
    "events": pl.Int64(),
}


def parse_bucket(bucket: str) -> timedelta:
    """Return the width of a bucket written as ``<n><s|m|h|d>`` (``5m``, ``1h``)."""
    match = _BUCKET_RE.match(bucket)
    if not match or int(match.group(1)) <= 0:
        raise InvalidQuery(
            f"bucket {bucket!r} is not a duration; write it as a number and a unit, "
            "for example 1m, 5m, 1h or 1d"
        )
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def check_agg(agg: str) -> Agg:
    """Return ``agg`` when it is a known aggregate, else raise InvalidQuery."""
    if agg not in AGGS:
        raise InvalidQuery(f"aggregate {agg!r} is unknown; use one of {', '.join(AGGS)}")
    return agg  # type: ignore[return-value]


def check_range(start: datetime, end: datetime) -> None:
    """Raise InvalidQuery unless ``start`` < ``end`` and both are timezone-aware."""
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidQuery("time range bounds must be timezone-aware (UTC)")
    if start >= end:
        raise InvalidQuery(
            f"time range is empty: start {start.isoformat()} >= end {end.isoformat()}"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class WriteResult:
    """What one write did: rows offered, rows newly stored (duplicates are not)."""

    received: int
    written: int


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreStats:
    """Size and span of the store."""

    backend: str
    events: int
    entities: int
    oldest: datetime | None
    newest: datetime | None
    bytes_on_disk: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreHealth:
    """Whether the store answers, and what to check when it does not."""

    ok: bool
    backend: str
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RetentionResult:
    """What a retention pass removed."""

    raw_rows_deleted: int
    cutoff: datetime


@runtime_checkable
class TimeSeriesStore(Protocol):
    """The time-series store every backend implements (see tests/storage contract suite)."""

    backend: str

    def write(self, events: pl.DataFrame) -> WriteResult:
        """Store a batch of events (EVENT_SCHEMA); rows whose key is stored already are skipped."""
        ...

    def read(
        self,
        entities: Sequence[str] | None,
        start: datetime,
        end: datetime,
        *,
        limit: int | None = None,
    ) -> pl.DataFrame:
        """Return raw events (EVENT_SCHEMA) in ``[start, end)`` ordered by entity_id, time."""
        ...

    def iter_read(
        self,
        entities: Sequence[str] | None,
        start: datetime,
        end: datetime,
        *,
        batch_rows: int = 100_000,
    ) -> Iterator[pl.DataFrame]:
        """Yield the same rows as ``read`` in frames of at most ``batch_rows``, memory flat."""
        ...

    def aggregate(
        self,
        entities: Sequence[str] | None,
        start: datetime,
        end: datetime,
        bucket: str,
        agg: Agg,
    ) -> pl.DataFrame:
        """Return AGGREGATE_SCHEMA rows: numeric ``value`` aggregated per entity and bucket.

        Buckets are aligned to the Unix epoch in UTC. ``increase`` is the rise of a
        cumulative meter within the bucket: the sum of differences between consecutive
        samples (the first sample of a bucket counts from the previous bucket's last), and
        a drop of more than 10 % is a meter reset whose new value counts as consumed.
        """
        ...

    def latest(self, entities: Sequence[str] | None = None) -> pl.DataFrame:
        """Return the newest event (EVENT_SCHEMA) of each entity."""
        ...

    def entities(self) -> pl.DataFrame:
        """Return ENTITY_SCHEMA rows, one per entity in the store."""
        ...

    def stats(self) -> StoreStats:
        """Return event and entity counts, time span and bytes on disk."""
        ...

    def apply_retention(self, raw_days: int) -> RetentionResult:
        """Drop raw events older than ``raw_days`` days, keeping rollups; return what went."""
        ...

    def maintain_rollups(self, now: datetime) -> dict[str, int]:
        """Bring rollups kept apart from raw events up to ``now``; return rows per level.

        The worker calls it on a schedule and ``migrate-store`` after a copy. A backend
        that builds its rollups elsewhere (the embedded store, inside ``apply_retention``)
        does nothing and returns an empty mapping.
        """
        ...

    def health(self) -> StoreHealth:
        """Return whether the store answers a trivial query now."""
        ...

    def close(self) -> None:
        """Release files, connections and locks."""
        ...
