"""Where and in which time zone the home is, and its sunrise/sunset on each local day."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl
from astral import Observer
from astral.sun import sunrise, sunset

from analytics.errors import InsufficientData

MINUTES_PER_DAY: Final[int] = 1440

SUN_SCHEMA: Final[dict[str, pl.DataType]] = {
    "local_date": pl.Date(),
    "sunrise": pl.Float64(),  # local minute of the day, null when the sun does not rise
    "sunset": pl.Float64(),  # local minute of the day, null when the sun does not set
}


@dataclass(frozen=True, slots=True, kw_only=True)
class HomePlace:
    """The home's IANA time zone and, when known, its latitude/longitude in degrees."""

    time_zone: str
    latitude: float | None = None
    longitude: float | None = None

    @property
    def has_location(self) -> bool:
        """Return True when a usable location is set (0,0 counts as not set)."""
        if self.latitude is None or self.longitude is None:
            return False
        if not (math.isfinite(self.latitude) and math.isfinite(self.longitude)):
            return False
        if not (-90.0 <= self.latitude <= 90.0 and -180.0 <= self.longitude <= 180.0):
            return False
        # 0,0 is the Gulf of Guinea: in practice it is an unset location, not a home.
        return not (self.latitude == 0.0 and self.longitude == 0.0)


def check_time_zone(name: str) -> ZoneInfo:
    """Return the zone ``name`` or raise InsufficientData saying how to fix it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise InsufficientData(
            f"unknown time zone {name!r}; set HOMEIQ_TIMEZONE (or HA's time zone) to an IANA "
            "name such as Europe/Amsterdam"
        ) from err


def _local_minute(moment: datetime) -> float:
    return moment.hour * 60.0 + moment.minute + moment.second / 60.0


def sun_table(place: HomePlace, days: Sequence[date]) -> pl.DataFrame:
    """Return SUN_SCHEMA rows: local sunrise/sunset minute of each of ``days``.

    Days without a sunrise or sunset (polar day or night) hold null; without a usable
    location every value is null, so sun routines simply cannot be found.
    """
    zone = check_time_zone(place.time_zone)
    rows: list[tuple[date, float | None, float | None]] = []
    usable = place.has_location
    observer = Observer(latitude=place.latitude or 0.0, longitude=place.longitude or 0.0)
    for day in days:
        rise: float | None = None
        fall: float | None = None
        if usable:
            try:
                rise_at = sunrise(observer, day, tzinfo=zone)
                rise = _local_minute(rise_at) if rise_at.date() == day else None
            except ValueError:
                rise = None
            try:
                set_at = sunset(observer, day, tzinfo=zone)
                fall = _local_minute(set_at) if set_at.date() == day else None
            except ValueError:
                fall = None
        rows.append((day, rise, fall))
    return pl.DataFrame(rows, schema=SUN_SCHEMA, orient="row")
