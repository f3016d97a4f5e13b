"""A small synthetic home with planted habits, written into a real embedded store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from analytics.place import HomePlace, sun_table
from storage.embedded import EmbeddedStore
from storage.events import conform
from tests.analytics.habits import History

AMSTERDAM = HomePlace(time_zone="Europe/Amsterdam", latitude=52.37, longitude=4.90)
# The run's "now": the analysis covers the whole local days before it.
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def plant(history: History, place: HomePlace, *, seed: int = 1) -> None:
    """Plant a weekday clock routine, a sun routine, a follows pair, everyday use and noise."""
    draw = np.random.default_rng(seed)
    sunsets = sun_table(place, history.dates())["sunset"].to_list()
    for day, sunset in zip(history.dates(), sunsets, strict=True):
        if day.weekday() < 5:
            history.pulse(day, 7 * 60 + 10 + float(draw.normal(0, 3)), "light.bedroom", 40)
        if sunset is not None:
            history.pulse(day, sunset + 15 + float(draw.normal(0, 3)), "light.porch", 200)
        for minute in np.sort(draw.uniform(8 * 60, 22 * 60, 10)):
            history.pulse(day, float(minute), "binary_sensor.hall_motion", 1, device_class="motion")
            if draw.random() < 0.9:
                history.pulse(day, float(minute) + float(draw.uniform(0.05, 0.4)), "light.hall", 3)
        for minute in np.sort(draw.uniform(0, 1430, 8)):
            history.pulse(day, float(minute), "switch.noise", 2)
        history.pulse(day, float(draw.uniform(17 * 60, 22 * 60)), "light.kitchen", 45)


def history_frame(history: History) -> pl.DataFrame:
    """Return the history as store events (source ``sim``)."""
    frame = history.frame().with_columns(pl.lit("sim").alias("source"))
    return conform(frame)


def write_home(
    root: Path, *, days: int = 35, place: HomePlace = AMSTERDAM, now: datetime = NOW
) -> EmbeddedStore:
    """Return an embedded store under ``root`` holding the ``days`` before ``now``."""
    local_today = now.astimezone(ZoneInfo(place.time_zone)).date()
    history = History(
        time_zone=place.time_zone, first=local_today - timedelta(days=days), days=days
    )
    plant(history, place)
    store = EmbeddedStore(root / "store")
    store.write(history_frame(history))
    return store
