"""Where and when the simulated people live: their time zone, sun times, and the away weeks.

People keep habits by the wall clock of their own time zone, so behaviour is generated per
local day (days counted from 1970-01-01 in local dates) and turned into UTC here, which keeps
a 06:45 routine at 06:45 on both sides of a DST change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt
from astral import Observer
from astral.sun import sunrise, sunset

EPOCH: Final[date] = date(1970, 1, 1)
DAY_US: Final[int] = 86_400_000_000
DEFAULT_TIMEZONE: Final[str] = "Europe/Amsterdam"
DEFAULT_LATITUDE: Final[float] = 52.37
DEFAULT_LONGITUDE: Final[float] = 4.90
# Nobody is home one week in every AWAY_EVERY_WEEKS (a holiday), Saturday to Friday: often
# enough that every 30-day window holds at least part of one, and any 35-day window a whole.
AWAY_EVERY_WEEKS: Final[int] = 4
_SATURDAY_ZERO: Final[int] = 2  # local day 2 (1970-01-03) was a Saturday


@dataclass(frozen=True, slots=True, kw_only=True)
class Place:
    """The simulated home's time zone and location."""

    timezone: str = DEFAULT_TIMEZONE
    latitude: float = DEFAULT_LATITUDE
    longitude: float = DEFAULT_LONGITUDE

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"time zone {self.timezone!r} is not an IANA name like Europe/Amsterdam"
            ) from None
        if not (-90.0 <= self.latitude <= 90.0 and -180.0 <= self.longitude <= 180.0):
            raise ValueError(
                f"location ({self.latitude}, {self.longitude}) is outside -90..90, -180..180"
            )

    @property
    def zone(self) -> ZoneInfo:
        """Return the home's time zone."""
        return ZoneInfo(self.timezone)


def local_date(day: int) -> date:
    """Return the calendar date of local day ``day``."""
    return EPOCH + timedelta(days=day)


def local_day_of(place: Place, moment: datetime) -> int:
    """Return the local day number of an aware ``moment``."""
    return (moment.astimezone(place.zone).date() - EPOCH).days


def weekday(day: int) -> int:
    """Return Monday=0 .. Sunday=6 of local day ``day``."""
    return (day + 3) % 7  # 1970-01-01 was a Thursday


def is_away(seed: int, day: int) -> bool:
    """Return whether nobody is home on local day ``day`` (a whole Saturday-to-Friday week)."""
    week = (day - _SATURDAY_ZERO) // 7
    return (week + seed) % AWAY_EVERY_WEEKS == AWAY_EVERY_WEEKS - 1


def _offset_us(place: Place, day: int, wall_us: int) -> int:
    wall = datetime(1970, 1, 1) + timedelta(days=day, microseconds=wall_us)
    offset = wall.replace(tzinfo=place.zone).utcoffset() or timedelta(0)
    return int(offset / timedelta(microseconds=1))


@lru_cache(maxsize=8192)
def _day_offsets(place: Place, day: int) -> tuple[int, int]:
    return _offset_us(place, day, 0), _offset_us(place, day, DAY_US - 1)


def to_utc_us(place: Place, day: int, wall_us: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Return µs since the epoch (UTC) of wall-clock offsets ``wall_us`` into local ``day``.

    A wall time skipped by a spring-forward change is read with the offset before it (02:30
    becomes 03:30), as HA's scheduler does; a repeated autumn hour takes its first pass.
    """
    first, last = _day_offsets(place, day)
    base = day * DAY_US
    if first == last:
        return base + wall_us - first
    offsets = np.array([_offset_us(place, day, int(w)) for w in wall_us], dtype=np.int64)
    return base + wall_us - offsets


@lru_cache(maxsize=8192)
def sun_minute(place: Place, day: int, event: str) -> float:
    """Return the local minute of the day of ``event`` (sunrise/sunset) on local ``day``.

    Near the poles the sun may not rise or set; then noon (sunrise) or 18:00 (sunset) stands
    in, so the day still has a value.
    """
    observer = Observer(latitude=place.latitude, longitude=place.longitude)
    when = sunrise if event == "sunrise" else sunset
    try:
        moment = when(observer, date=local_date(day), tzinfo=place.zone)
    except ValueError:
        return 12 * 60.0 if event == "sunrise" else 18 * 60.0
    local = moment.astimezone(place.zone)
    midnight = datetime.combine(local_date(day), datetime.min.time(), tzinfo=place.zone)
    minute = (local.replace(tzinfo=None) - midnight.replace(tzinfo=None)).total_seconds() / 60.0
    return minute % 1440.0


def dst_changes(place: Place, start: datetime, end: datetime) -> list[datetime]:
    """Return the UTC instants in ``[start, end)`` when the home's UTC offset changes."""
    zone = place.zone
    changes = []
    hour = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    previous = hour.astimezone(zone).utcoffset()
    while hour < end:
        hour += timedelta(hours=1)
        current = hour.astimezone(zone).utcoffset()
        if current != previous and start <= hour < end:
            changes.append(hour)
        previous = current
    return changes
