"""A small simulated home, generated once per test session (frames only, no store)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from homeiq.sim import build_catalog
from homeiq.sim.home import home_frames, window_days
from homeiq.sim.place import Place
from homeiq.sim.truth import ground_truth

SEED = 7
# Four weeks around the EU change from summer time (2026-10-25 01:00 UTC).
END = datetime(2026, 11, 14, 18, 0, tzinfo=UTC)
START = END - timedelta(days=28)
TIMEZONE = "Europe/Amsterdam"


@pytest.fixture(scope="session")
def home() -> pl.DataFrame:
    specs = build_catalog(40)
    frames = home_frames(specs, seed=SEED, start=START, end=END, place=Place(timezone=TIMEZONE))
    return pl.concat(frame for _, frame in frames)


@pytest.fixture(scope="session")
def truth() -> dict[str, Any]:
    specs = build_catalog(40)
    return ground_truth(
        seed=SEED,
        specs=specs,
        start=START,
        end=END,
        days=window_days(START, END),
        place=Place(timezone=TIMEZONE),
    )


def series(home: pl.DataFrame, entity_id: str) -> pl.DataFrame:
    """Return one entity's events ordered by time."""
    return home.filter(pl.col("entity_id") == entity_id).sort("time")
