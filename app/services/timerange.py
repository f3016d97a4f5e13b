"""The global time range the pages share, and the bucket that keeps charts light."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

PRESETS: Final[dict[str, timedelta]] = {
    "Last 24 hours": timedelta(hours=24),
    "Last 7 days": timedelta(days=7),
    "Last 30 days": timedelta(days=30),
}
CUSTOM: Final[str] = "Custom"
MAX_POINTS: Final[int] = 5_000
_BUCKETS: Final[tuple[tuple[str, timedelta], ...]] = (
    ("1m", timedelta(minutes=1)),
    ("5m", timedelta(minutes=5)),
    ("15m", timedelta(minutes=15)),
    ("1h", timedelta(hours=1)),
    ("6h", timedelta(hours=6)),
    ("1d", timedelta(days=1)),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeRange:
    """A half-open UTC range ``[start, end)`` and how the user chose it."""

    start: datetime
    end: datetime
    label: str

    @property
    def span(self) -> timedelta:
        """Return the length of the range."""
        return self.end - self.start

    def previous(self) -> TimeRange:
        """Return the range of the same length just before this one."""
        return TimeRange(start=self.start - self.span, end=self.start, label="previous period")


def now_hour(now: datetime | None = None) -> datetime:
    """Return ``now`` rounded up to the next minute, so cached answers stay valid a minute."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return moment.replace(second=0, microsecond=0) + timedelta(minutes=1)


def preset_range(label: str, now: datetime | None = None) -> TimeRange:
    """Return the range of a preset label such as ``Last 7 days``."""
    end = now_hour(now)
    return TimeRange(start=end - PRESETS[label], end=end, label=label)


def custom_range(first: date, last: date, tz: ZoneInfo) -> TimeRange:
    """Return whole local days ``first`` .. ``last`` (inclusive) as a UTC range."""
    if last < first:
        first, last = last, first
    start = datetime.combine(first, time.min, tzinfo=tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
    return TimeRange(start=start, end=end, label=f"{first:%Y-%m-%d} to {last:%Y-%m-%d}")


def bucket_for(span: timedelta, max_points: int = MAX_POINTS) -> str:
    """Return the smallest bucket that keeps a series over ``span`` within ``max_points``."""
    for name, size in _BUCKETS:
        if span / size <= max_points:
            return name
    return _BUCKETS[-1][0]


def bucket_width(bucket: str) -> timedelta:
    """Return the width of one of ``bucket_for``'s buckets (one hour for an unknown name)."""
    return dict(_BUCKETS).get(bucket, timedelta(hours=1))
