"""simulate_home: fill a store with a seeded simulated home, idempotently."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final

import orjson
import polars as pl

from homeiq.sim.catalog import EntitySpec, build_catalog
from homeiq.sim.dst_window import OffsetChange, default_window, last_offset_change
from homeiq.sim.frames import entity_frame
from homeiq.sim.place import (
    DEFAULT_LATITUDE,
    DEFAULT_LONGITUDE,
    DEFAULT_TIMEZONE,
    Place,
    dst_changes,
)
from homeiq.sim.truth import ground_truth
from homeiq.sim.world import DAY_US
from storage.events import now_utc, to_utc
from storage.protocol import TimeSeriesStore

if TYPE_CHECKING:
    from storage.metadata import MetadataStore

_log = logging.getLogger(__name__)

WRITE_BATCH_ROWS: Final[int] = 500_000
# A rerun within this long of the previous run ends where that one ended, so it adds nothing.
REUSE_END_WITHIN: Final[timedelta] = timedelta(hours=24)


@dataclass(frozen=True, slots=True, kw_only=True)
class SimResult:
    """What a simulation run produced and how much of it was new to the store."""

    entities: int
    days: int
    start: datetime
    end: datetime
    generated: int
    written: int
    seconds: float
    ground_truth_path: Path | None
    timezone: str
    dst_changes: tuple[datetime, ...]  # UTC instants the home's clocks changed in the window
    latest_change: OffsetChange | None  # the last of them, with the offsets either side


def floor_hour(moment: datetime) -> datetime:
    """Return ``moment`` in UTC with minutes and smaller cut off."""
    return to_utc(moment).replace(minute=0, second=0, microsecond=0)


def previous_end(path: Path | None, seed: int, now: datetime) -> datetime | None:
    """Return the end of the last run with ``seed`` recorded at ``path`` if it was recent."""
    if path is None or not path.is_file():
        return None
    try:
        truth = orjson.loads(path.read_bytes())
        end = datetime.fromisoformat(str(truth["end"]).replace("Z", "+00:00"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if truth.get("seed") != seed or not timedelta(0) <= now - end < REUSE_END_WITHIN:
        return None
    return end


def resolve_end(end: datetime | None, ground_truth_path: Path | None, seed: int) -> datetime:
    """Return the window end: ``end``, a recent run's end, or the current hour."""
    if end is not None:
        return to_utc(end)
    now = now_utc()
    return previous_end(ground_truth_path, seed, now) or floor_hour(now)


def window_days(start: datetime, end: datetime) -> range:
    """Return the epoch days that ``[start, end)`` touches."""
    start_us, end_us = _us(start), _us(end)
    return range(start_us // DAY_US, (end_us - 1) // DAY_US + 1)


def _us(moment: datetime) -> int:
    delta = to_utc(moment) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def home_frames(
    specs: list[EntitySpec],
    *,
    seed: int,
    start: datetime,
    end: datetime,
    place: Place | None = None,
) -> Iterator[tuple[EntitySpec, pl.DataFrame]]:
    """Yield each entity with its events (EVENT_SCHEMA) in ``[start, end)``."""
    days = window_days(start, end)
    where = place or Place()
    for spec in specs:
        yield spec, entity_frame(seed, spec, days, _us(start), _us(end), where)


def simulate_home(
    store: TimeSeriesStore,
    *,
    days: int | None = 30,
    entities: int = 150,
    seed: int = 42,
    end: datetime | None = None,
    ground_truth_path: Path | None = None,
    metadata: MetadataStore | None = None,
    progress: Callable[[int, int], None] | None = None,
    timezone: str = DEFAULT_TIMEZONE,
    latitude: float = DEFAULT_LATITUDE,
    longitude: float = DEFAULT_LONGITUDE,
) -> SimResult:
    """Write ``days`` of a seeded home with ``entities`` entities; return what was written.

    ``days=None`` picks the default window (homeiq.sim.dst_window): 30 days, or longer so that
    it starts a week before the time zone's latest DST change.

    Every sample is a pure function of (seed, entity, day, place), so a rerun writes the
    same events and the store keeps one copy. Without ``end`` the window ends on the current
    hour, or where a run recorded in ``ground_truth_path`` ended less than a day ago. People
    keep their habits by the local clock of ``timezone``; the sun is computed for
    (``latitude``, ``longitude``).
    """
    if days is not None and days < 1:
        raise ValueError(f"days={days}: simulate at least one day")
    place = Place(timezone=timezone, latitude=latitude, longitude=longitude)
    specs = build_catalog(entities)
    finish = resolve_end(end, ground_truth_path, seed)
    if days is None:
        days = default_window(place, finish).days
    begin = finish - timedelta(days=days)
    day_range = window_days(begin, finish)
    started = time.perf_counter()
    generated = written = 0
    pending: list[pl.DataFrame] = []
    pending_rows = 0
    seen: dict[str, tuple[datetime, datetime]] = {}

    def flush() -> None:
        nonlocal written, pending, pending_rows
        if pending:
            written += store.write(pl.concat(pending, rechunk=False)).written
        pending, pending_rows = [], 0

    frames = home_frames(specs, seed=seed, start=begin, end=finish, place=place)
    for number, (spec, frame) in enumerate(frames, start=1):
        if frame.height:
            times = frame.get_column("time")
            seen[spec.entity_id] = (times.min(), times.max())  # type: ignore[assignment]
            generated += frame.height
            pending.append(frame)
            pending_rows += frame.height
        if pending_rows >= WRITE_BATCH_ROWS:
            flush()
        if progress is not None:
            progress(number, len(specs))
    flush()
    if metadata is not None:
        _register(metadata, specs, seen)
        _store_home_facts(metadata, place)
    if ground_truth_path is not None:
        truth = ground_truth(
            seed=seed, specs=specs, start=begin, end=finish, days=day_range, place=place
        )
        ground_truth_path.parent.mkdir(parents=True, exist_ok=True)
        temp = ground_truth_path.with_suffix(".tmp")
        temp.write_bytes(orjson.dumps(truth, option=orjson.OPT_INDENT_2))
        temp.replace(ground_truth_path)
    seconds = time.perf_counter() - started
    _log.info(
        "simulated %d entities x %d days: %d events, %d new, %.1f s",
        len(specs),
        days,
        generated,
        written,
        seconds,
    )
    return SimResult(
        entities=len(specs),
        days=days,
        start=begin,
        end=finish,
        generated=generated,
        written=written,
        seconds=seconds,
        ground_truth_path=ground_truth_path,
        timezone=timezone,
        dst_changes=tuple(dst_changes(place, begin, finish)),
        latest_change=last_offset_change(place.zone, finish, within=finish - begin),
    )


def _register(
    metadata: MetadataStore,
    specs: list[EntitySpec],
    seen: dict[str, tuple[datetime, datetime]],
) -> None:
    from storage.metadata import EntityInfo

    metadata.upsert_entities(
        EntityInfo(
            entity_id=spec.entity_id,
            domain=spec.domain,
            friendly_name=spec.name,
            device_class=spec.device_class,
            unit=spec.unit,
            area=spec.area,
            device_id=f"sim-{spec.entity_id.split('.', 1)[1]}",
            first_seen=seen.get(spec.entity_id, (None, None))[0],
            last_seen=seen.get(spec.entity_id, (None, None))[1],
        )
        for spec in specs
    )


__all__ = ["SimResult", "simulate_home"]


def _store_home_facts(metadata: MetadataStore, place: Place) -> None:
    # The simulated home's own facts (source "sim"): the time zone its people live by, and
    # where its sun and prices come from.
    from storage.metadata.home import HomeFacts

    metadata.home.save(
        HomeFacts(
            source="sim",
            time_zone=place.timezone,
            latitude=place.latitude,
            longitude=place.longitude,
            currency="EUR",  # the simulated price sensor is in EUR/kWh
            location_name="Simulated home",
        )
    )
