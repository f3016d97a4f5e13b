"""The simulated home is a pure function of (seed, entity, day)."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from homeiq.sim import MIN_ENTITIES, build_catalog
from homeiq.sim.catalog import CORE
from homeiq.sim.home import home_frames
from storage.events import EVENT_SCHEMA
from tests.sim.conftest import END, SEED, START


def _frames(count: int, start, end, seed: int = SEED) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    specs = build_catalog(count)
    return pl.concat(frame for _, frame in home_frames(specs, seed=seed, start=start, end=end))


def test_same_seed_gives_identical_events() -> None:
    first = _frames(40, END - timedelta(days=3), END)
    second = _frames(40, END - timedelta(days=3), END)
    assert first.height > 1000
    assert first.equals(second)


def test_overlapping_windows_agree_on_their_overlap() -> None:
    early = _frames(40, END - timedelta(days=4), END - timedelta(days=1))
    late = _frames(40, END - timedelta(days=3), END)
    lo, hi = END - timedelta(days=3), END - timedelta(days=1)
    keys = ["entity_id", "time"]
    overlap_early = early.filter(pl.col("time").is_between(lo, hi, closed="left")).sort(keys)
    overlap_late = late.filter(pl.col("time").is_between(lo, hi, closed="left")).sort(keys)
    assert overlap_early.height > 1000
    assert overlap_early.equals(overlap_late)


def test_other_seed_gives_other_events() -> None:
    first = _frames(40, END - timedelta(days=1), END, seed=1)
    second = _frames(40, END - timedelta(days=1), END, seed=2)
    assert not first.equals(second)


def test_events_have_the_event_schema_and_stay_in_the_window(home: pl.DataFrame) -> None:
    assert dict(home.schema) == EVENT_SCHEMA
    assert home.get_column("time").min() >= START
    assert home.get_column("time").max() < END
    assert home.get_column("source").unique().to_list() == ["sim"]
    assert home.select(pl.struct("entity_id", "time").is_duplicated().any()).item() is False


def test_smaller_home_is_a_prefix_of_a_larger_one() -> None:
    small, large = build_catalog(50), build_catalog(150)
    assert large[:50] == small
    assert len({spec.entity_id for spec in build_catalog(1000)}) == 1000


def test_fixed_entities_are_always_present() -> None:
    ids = {spec.entity_id for spec in build_catalog(MIN_ENTITIES)}
    for entity_id in (
        "sensor.house_power",
        "sensor.house_energy",
        "sensor.electricity_price",
        "sensor.outdoor_temperature",
        "weather.home",
        "climate.living_room",
        "sensor.heating_power",
        "sensor.heating_energy",
        "media_player.living_room_tv",
        "sensor.home_team",
    ):
        assert entity_id in ids


def test_too_few_entities_names_the_minimum() -> None:
    with pytest.raises(ValueError, match=str(len(CORE))):
        build_catalog(5)
