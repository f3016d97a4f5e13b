"""Which local days an analysis covers, which it fits on and which it keeps aside for replay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import polars as pl

from analytics.daily_routines import DAYS_SCHEMA
from analytics.place import HomePlace, sun_table
from automations.replay import HOLDOUT_DAYS

# Two of each weekday to learn from: fewer cannot tell a weekday routine from chance.
MIN_TRAIN_DAYS: Final[int] = 14
MIN_DAYS: Final[int] = MIN_TRAIN_DAYS + HOLDOUT_DAYS
# A day on which fewer entities than this share of a typical day's were switched by hand is
# a day the household was away (or the recorder was down): it counts neither for nor
# against a habit.
ACTIVE_SHARE: Final[float] = 0.25


@dataclass(frozen=True, slots=True, kw_only=True)
class Window:
    """The analysed local days and their UTC bounds (``start`` inclusive, ``end`` exclusive)."""

    start: datetime
    end: datetime
    dates: tuple[date, ...]

    @property
    def train_dates(self) -> tuple[date, ...]:
        """Return the days the detectors fit on (all but the last HOLDOUT_DAYS)."""
        return self.dates[:-HOLDOUT_DAYS]

    @property
    def holdout_dates(self) -> tuple[date, ...]:
        """Return the most recent HOLDOUT_DAYS days, kept aside for replay."""
        return self.dates[-HOLDOUT_DAYS:]


def analysis_window(
    now: datetime, days: int, time_zone: str, oldest: datetime | None = None
) -> Window:
    """Return the ``days`` whole local days before today, cut to the store's oldest day.

    Days are local so that a day is what the household lives; a day that starts before the
    store's oldest event is left out (a partial day would look like a broken habit).
    """
    zone = ZoneInfo(time_zone)
    today = now.astimezone(zone).date()
    first = today - timedelta(days=days)
    if oldest is not None:
        first = max(first, oldest.astimezone(zone).date() + timedelta(days=1))
    dates = tuple(first + timedelta(days=i) for i in range(max((today - first).days, 0)))

    def utc(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)

    return Window(start=utc(first), end=utc(today), dates=dates)


def active_dates(onsets: pl.DataFrame, dates: tuple[date, ...]) -> tuple[date, ...]:
    """Return the days on which the household switched things by hand as on a usual day."""
    manual = onsets.filter(pl.col("target") & ~pl.col("automated"))
    per_day = manual.group_by("local_date").agg(pl.col("entity_id").n_unique().alias("n"))
    counts = dict(zip(per_day["local_date"].to_list(), per_day["n"].to_list(), strict=True))
    values = sorted(counts.get(d, 0) for d in dates)
    if not values or values[-1] == 0:
        return ()
    typical = values[len(values) // 2]
    floor = max(1.0, ACTIVE_SHARE * typical)
    return tuple(d for d in dates if counts.get(d, 0) >= floor)


def days_frame(dates: tuple[date, ...], place: HomePlace) -> pl.DataFrame:
    """Return DAYS_SCHEMA rows for ``dates`` with the home's sunrise and sunset."""
    sun = sun_table(place, list(dates))
    return sun.with_columns(
        (pl.col("local_date").dt.weekday() - 1).cast(pl.Int8).alias("weekday")
    ).select(list(DAYS_SCHEMA))
