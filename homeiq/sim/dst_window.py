"""How many days the default demo simulates: 30, or enough to cross the zone's latest DST change.

Analysis must stay right across DST changes (issue 12), so the demo that ends now should hold
one; in December a 30-day window holds none. The window is therefore stretched back to start a
week before the zone's most recent UTC-offset change, and left at 30 days where the zone has
not changed its offset within the cap (UTC, Asia/Tokyo, zones that dropped DST years ago).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from homeiq.sim.place import Place

DEFAULT_DAYS: Final[int] = 30
# Days kept before the change: one of every weekday, so a single-weekday routine is seen on
# both sides of it, not only after.
DST_MARGIN_DAYS: Final[int] = 7
# The longest gap between the two yearly changes of any zone with DST is 34 weeks (US and
# Canada: second Sunday of March to first Sunday of November); Europe's is 30-31 weeks. The
# cap holds that gap plus the margin, so every DST zone's latest change is covered, wherever
# in the year the demo ends. It costs little: 245 days x 150 entities simulate in well under a
# minute on two cores (README, "The simulated home").
MAX_DEFAULT_DAYS: Final[int] = 34 * 7 + DST_MARGIN_DAYS


@dataclass(frozen=True, slots=True, kw_only=True)
class OffsetChange:
    """One instant a time zone's UTC offset changed, with the offsets either side."""

    at: datetime  # first UTC instant with the new offset
    before: timedelta
    after: timedelta


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoWindow:
    """The default demo's length and the offset change it was stretched to cover, if any."""

    days: int
    change: OffsetChange | None


def _offset(zone: ZoneInfo, moment: datetime) -> timedelta:
    return moment.astimezone(zone).utcoffset() or timedelta(0)


def last_offset_change(
    zone: ZoneInfo, before: datetime, *, within: timedelta
) -> OffsetChange | None:
    """Return the latest change of ``zone``'s UTC offset in ``[before - within, before)``.

    Steps back a day at a time, then bisects the day to the second (offsets change on whole
    seconds). A change undone within the same day is not seen; no zone does that.
    """
    high = before.astimezone(UTC).replace(microsecond=0) - timedelta(seconds=1)
    high_offset = _offset(zone, high)
    limit = high - within
    while high > limit:
        low = max(high - timedelta(days=1), limit)
        low_offset = _offset(zone, low)
        if low_offset != high_offset:
            return _bisect(zone, low, high, low_offset)
        high = low
    return None


def _bisect(zone: ZoneInfo, low: datetime, high: datetime, low_offset: timedelta) -> OffsetChange:
    # invariant: low has low_offset and high does not; both are on whole seconds
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) // 2
        middle -= timedelta(microseconds=middle.microsecond)
        if _offset(zone, middle) == low_offset:
            low = middle
        else:
            high = middle
    return OffsetChange(at=high, before=low_offset, after=_offset(zone, high))


def default_window(place: Place, end: datetime) -> DemoWindow:
    """Return the default demo window to ``end``: 30 days, or from a week before the last change."""
    change = last_offset_change(
        place.zone, end, within=timedelta(days=MAX_DEFAULT_DAYS - DST_MARGIN_DAYS)
    )
    if change is None:
        return DemoWindow(days=DEFAULT_DAYS, change=None)
    since = end - change.at
    whole_days = since.days + (1 if since % timedelta(days=1) else 0)
    return DemoWindow(days=max(DEFAULT_DAYS, whole_days + DST_MARGIN_DAYS), change=change)


def _utc_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def describe_change(place: Place, change: OffsetChange) -> str:
    """Return a change in words: local date and clock times, UTC instant, offsets."""
    zone = place.zone
    old_clock = (change.at - timedelta(seconds=1)).astimezone(zone) + timedelta(seconds=1)
    new_clock = change.at.astimezone(zone)
    return (
        f"{new_clock:%Y-%m-%d}, clocks {old_clock:%H:%M} -> {new_clock:%H:%M} "
        f"({change.at:%Y-%m-%d %H:%M}Z, {_utc_offset(change.before)} -> "
        f"{_utc_offset(change.after)})"
    )
