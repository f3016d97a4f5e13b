"""Turning an entity's samples over a window into one event frame (EVENT_SCHEMA)."""

from __future__ import annotations

import numpy as np
import orjson
import polars as pl

from homeiq.sim.catalog import EntitySpec
from homeiq.sim.generators import samples
from homeiq.sim.world import DAY_US
from storage.events import EVENT_SCHEMA


def constant_attributes(spec: EntitySpec) -> str:
    """Return the JSON attributes an entity reports with every state (HA's remaining ones)."""
    attrs: dict[str, str] = {"friendly_name": spec.name}
    if spec.state_class:
        attrs["state_class"] = spec.state_class
    return orjson.dumps(attrs).decode()


def entity_frame(
    seed: int, spec: EntitySpec, days: range, start_us: int, end_us: int
) -> pl.DataFrame:
    """Return every event ``spec`` reports in ``[start_us, end_us)`` (µs since the epoch)."""
    times, values, states, attributes = [], [], [], []
    per_row_attributes = False
    for day in days:
        day_samples = samples(seed, spec, day)
        if day_samples.offsets_us.size == 0:
            continue
        times.append(day_samples.offsets_us + day * DAY_US)
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
    keep = (stamp >= start_us) & (stamp < end_us)
    columns: dict[str, pl.Series] = {"time": pl.Series("time", stamp[keep], dtype=pl.Int64)}
    if spec.numeric:
        columns["value"] = pl.Series("value", np.concatenate(values)[keep], nan_to_null=True)
    else:
        columns["state"] = pl.Series("state", np.concatenate(states)[keep], dtype=pl.String)
    if per_row_attributes:
        columns["attributes"] = pl.Series(
            "attributes", np.concatenate(attributes)[keep], dtype=pl.String
        )
    frame = pl.DataFrame(columns)
    if spec.numeric:
        number = (
            pl.col("value").round(0).cast(pl.Int64).cast(pl.String)
            if spec.decimals == 0
            else pl.col("value").cast(pl.String)
        )
        frame = frame.with_columns(
            pl.when(pl.col("value").is_null())
            .then(pl.lit("unavailable"))
            .otherwise(number)
            .alias("state")
        )
    else:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Float64).alias("value"))
    if not per_row_attributes:
        frame = frame.with_columns(pl.lit(constant_attributes(spec)).alias("attributes"))
    return frame.select(
        pl.from_epoch(pl.col("time"), time_unit="us").dt.replace_time_zone("UTC").alias("time"),
        pl.lit(spec.entity_id).alias("entity_id"),
        pl.lit(spec.domain).alias("domain"),
        pl.col("state"),
        pl.col("value"),
        pl.lit(spec.unit, dtype=pl.String).alias("unit"),
        pl.lit(spec.device_class, dtype=pl.String).alias("device_class"),
        pl.lit(spec.area, dtype=pl.String).alias("area"),
        pl.col("attributes"),
        pl.lit("sim").alias("source"),
        pl.lit(None, dtype=pl.String).alias("context_id"),
        pl.lit(None, dtype=pl.String).alias("topic"),
        pl.lit(None, dtype=pl.String).alias("context_user_id"),
        pl.lit(None, dtype=pl.String).alias("context_parent_id"),
    )
