"""Turning an entity's samples over a window into one event frame (EVENT_SCHEMA)."""

from __future__ import annotations

import numpy as np
import orjson
import polars as pl

from homeiq.sim.catalog import EntitySpec
from homeiq.sim.generators import samples
from homeiq.sim.place import Place, to_utc_us
from homeiq.sim.world import DAY_US
from storage.events import EVENT_SCHEMA

CONTEXT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("context_ids", "context_id"),
    ("user_ids", "context_user_id"),
    ("parent_ids", "context_parent_id"),
)


def constant_attributes(spec: EntitySpec) -> str:
    """Return the JSON attributes an entity reports with every state (HA's remaining ones)."""
    attrs: dict[str, str] = {"friendly_name": spec.name}
    if spec.state_class:
        attrs["state_class"] = spec.state_class
    return orjson.dumps(attrs).decode()


def entity_frame(
    seed: int, spec: EntitySpec, days: range, start_us: int, end_us: int, place: Place
) -> pl.DataFrame:
    """Return every event ``spec`` reports in ``[start_us, end_us)`` (µs since the epoch).

    ``days`` are UTC days; a person's entities (``spec.local``) walk the local days around
    them and turn wall-clock times into UTC.
    """
    times, values, states, attributes = [], [], [], []
    contexts: dict[str, list[np.ndarray]] = {name: [] for name, _ in CONTEXT_COLUMNS}
    per_row_attributes = per_row_context = False
    walk = range(days.start - 1, days.stop + 1) if spec.local else days
    for day in walk:
        day_samples = samples(seed, spec, day, place)
        size = day_samples.offsets_us.size
        if size == 0:
            continue
        if spec.local:
            times.append(to_utc_us(place, day, day_samples.offsets_us))
        else:
            times.append(day_samples.offsets_us + day * DAY_US)
        for name, _ in CONTEXT_COLUMNS:
            column = getattr(day_samples, name)
            per_row_context |= column is not None
            contexts[name].append(column if column is not None else np.full(size, None, object))
        if day_samples.values is not None:
            values.append(day_samples.values)
        if day_samples.states is not None:
            states.append(day_samples.states)
        if day_samples.attributes is not None:
            per_row_attributes = True
            attributes.append(day_samples.attributes)
    if not times:
        return pl.DataFrame(schema=EVENT_SCHEMA)
    stamp = np.concatenate(times)
    keep = np.flatnonzero((stamp >= start_us) & (stamp < end_us))
    if spec.local:  # a wall time skipped in spring may land after the next one
        keep = keep[np.argsort(stamp[keep], kind="stable")]
    columns: dict[str, pl.Series] = {"time": pl.Series("time", stamp[keep], dtype=pl.Int64)}
    if spec.numeric:
        columns["value"] = pl.Series("value", np.concatenate(values)[keep], nan_to_null=True)
    else:
        columns["state"] = pl.Series("state", np.concatenate(states)[keep], dtype=pl.String)
    if per_row_attributes:
        columns["attributes"] = pl.Series(
            "attributes", np.concatenate(attributes)[keep], dtype=pl.String
        )
    if per_row_context:
        for name, column in CONTEXT_COLUMNS:
            found = np.concatenate(contexts[name])[keep]
            columns[column] = pl.Series(column, found.tolist(), dtype=pl.String)
    if spec.numeric:
        number = (
            pl.col("value").round(0).cast(pl.Int64).cast(pl.String)
            if spec.decimals == 0
            else pl.col("value").cast(pl.String)
        )
        state = pl.when(pl.col("value").is_null()).then(pl.lit("unavailable")).otherwise(number)
        value = pl.col("value")
    else:
        state, value = pl.col("state"), pl.lit(None, dtype=pl.Float64)
    no_context = pl.lit(None, dtype=pl.String)
    # one select builds every column (each polars step costs a few ms per entity)
    exprs: dict[str, pl.Expr] = {
        "time": pl.from_epoch(pl.col("time"), time_unit="us").dt.replace_time_zone("UTC"),
        "entity_id": pl.lit(spec.entity_id),
        "domain": pl.lit(spec.domain),
        "state": state,
        "value": value,
        "unit": pl.lit(spec.unit, dtype=pl.String),
        "device_class": pl.lit(spec.device_class, dtype=pl.String),
        "area": pl.lit(spec.area, dtype=pl.String),
        "attributes": pl.col("attributes")
        if per_row_attributes
        else pl.lit(constant_attributes(spec)),
        "source": pl.lit("sim"),
        "topic": pl.lit(None, dtype=pl.String),
    }
    for _, column in CONTEXT_COLUMNS:
        exprs[column] = pl.col(column) if per_row_context else no_context
    # the store's columns, in its order (older schemas lack the context pair)
    return pl.DataFrame(columns).select(exprs[name].alias(name) for name in EVENT_SCHEMA)
