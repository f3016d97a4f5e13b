"""Read the store into onsets, a group of entities at a time so memory stays flat."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

import polars as pl

from analytics.onsets import automation_contexts, concat_onsets, onsets, relevant_entities
from storage.protocol import TimeSeriesStore

# About this many stored events are read per query: large enough that a 1,000-entity home
# needs few queries, small enough that one query's rows (attributes included) fit easily.
EVENTS_PER_READ: Final[int] = 1_500_000
# Read a day before the window so each entity's first change in it has a previous state.
LOOKBACK: Final[timedelta] = timedelta(days=1)


def _groups(entities: pl.DataFrame, ids: list[str]) -> list[list[str]]:
    counts = dict(zip(entities["entity_id"].to_list(), entities["events"].to_list(), strict=True))
    groups: list[list[str]] = []
    current: list[str] = []
    total = 0
    for entity_id in ids:
        size = int(counts.get(entity_id) or 0)
        if current and total + size > EVENTS_PER_READ:
            groups.append(current)
            current, total = [], 0
        current.append(entity_id)
        total += size
    if current:
        groups.append(current)
    return groups


def read_onsets(
    store: TimeSeriesStore,
    *,
    start: datetime,
    end: datetime,
    time_zone: str,
    progress: Callable[[float], None] | None = None,
) -> tuple[pl.DataFrame, int]:
    """Return the onsets in ``[start, end)`` of every entity that plays a role, and rows read."""
    entities = store.entities()
    ids = relevant_entities(entities)
    groups = _groups(entities, ids)
    # Automation runs first: a time- or sun-triggered run's changes are known by its context.
    automations = sorted(
        entities.filter(pl.col("domain") == "automation").get_column("entity_id").to_list()
    )
    runs = pl.Series("context_id", [], dtype=pl.String)
    read = 0
    if automations:
        rows = store.read(automations, start - LOOKBACK, end)
        read += rows.height
        runs = automation_contexts(rows)
    parts: list[pl.DataFrame] = []
    for number, group in enumerate(groups, start=1):
        events = store.read(group, start - LOOKBACK, end)
        read += events.height
        found = onsets(events, time_zone=time_zone, automation_runs=runs)
        parts.append(found.filter(pl.col("time") >= start))
        del events
        if progress is not None:
            progress(number / len(groups))
    return concat_onsets(parts), read
