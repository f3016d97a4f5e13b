"""Build small synthetic histories in local time for the habit detectors' tests."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from analytics.daily_routines import DAYS_SCHEMA
from analytics.onsets import onsets
from analytics.place import HomePlace, sun_table

EVENTS = {
    "time": pl.Datetime("us", "UTC"),
    "entity_id": pl.String(),
    "state": pl.String(),
    "device_class": pl.String(),
    "context_parent_id": pl.String(),
    "context_user_id": pl.String(),
    "context_id": pl.String(),
}


@dataclass
class History:
    """Events written in local wall-clock time of ``time_zone``."""

    time_zone: str
    first: date
    days: int
    rows: list[tuple[datetime, str, str, str | None, str | None, str | None, str | None]] = field(
        default_factory=list
    )

    def dates(self) -> list[date]:
        """Return every local date of the history."""
        return [self.first + timedelta(days=i) for i in range(self.days)]

    def at(
        self,
        day: date,
        minute: float,
        entity_id: str,
        state: str,
        *,
        device_class: str | None = None,
        parent: str | None = None,
        user: str | None = None,
        context: str | None = None,
    ) -> None:
        """Add one state change at local ``minute`` of ``day`` (may spill into the next day)."""
        local = datetime.combine(day, time(0), tzinfo=ZoneInfo(self.time_zone)) + timedelta(
            minutes=minute
        )
        row = (local.astimezone(UTC), entity_id, state, device_class, parent, user, context)
        self.rows.append(row)

    def pulse(self, day: date, minute: float, entity_id: str, on_for: float, **kw: str) -> None:
        """Add an ``on`` then ``off`` change ``on_for`` minutes later."""
        self.at(day, minute, entity_id, "on", **kw)
        self.at(day, minute + on_for, entity_id, "off", **kw)

    def each_day(self, fn: Callable[[date], None], *, weekdays: Iterable[int] = range(7)) -> None:
        """Call ``fn`` for every day whose weekday is in ``weekdays``."""
        keep = set(weekdays)
        for day in self.dates():
            if day.weekday() in keep:
                fn(day)

    def frame(self) -> pl.DataFrame:
        """Return the events as a frame sorted by time."""
        return pl.DataFrame(self.rows, schema=EVENTS, orient="row").sort("time")

    def onsets(self) -> pl.DataFrame:
        """Return the onsets of the history."""
        return onsets(self.frame(), time_zone=self.time_zone)


def noise(history: History, entity_id: str, per_day: int, seed: int = 7) -> None:
    """Toggle ``entity_id`` at random moments, ``per_day`` times a day."""
    draw = np.random.default_rng(seed)
    for day in history.dates():
        for minute in np.sort(draw.uniform(0, 1438, per_day)):
            history.pulse(day, float(minute), entity_id, 1.0)


def days_of(history: History, place: HomePlace | None = None) -> pl.DataFrame:
    """Return DAYS_SCHEMA rows for every day of ``history``."""
    place = place or HomePlace(time_zone=history.time_zone)
    sun = sun_table(place, history.dates())
    return sun.with_columns(
        (pl.col("local_date").dt.weekday() - 1).cast(pl.Int8).alias("weekday")
    ).select(list(DAYS_SCHEMA))


def manual(found: pl.DataFrame) -> pl.DataFrame:
    """Return the manual target onsets (what the routine detector reads)."""
    return found.filter(pl.col("target") & ~pl.col("automated"))
