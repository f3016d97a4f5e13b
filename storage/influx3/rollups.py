"""Rollup arithmetic of the InfluxDB 3 backend: meter increase, composition, encoding.

InfluxDB 3 Core has no downsampling tasks, so the worker keeps three rollup tables in the
rollup database — ``events_1m``, ``events_1h``, ``events_1d`` — each row holding, per entity
and bucket, ``count``, ``sum``, ``min``, ``max``, ``last`` and ``increase`` of the numeric
value. Every aggregate the store offers composes exactly from these: mean = sum / count,
count and increase add up, min/max/last of the parts. ``increase`` counts a bucket's first
sample from the previous sample of the entity, so increases of adjacent buckets add up to
the increase of their union.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

import polars as pl

from storage.protocol import AGGREGATE_SCHEMA

LEVELS: Final[dict[str, timedelta]] = {
    "1m": timedelta(minutes=1),
    "1h": timedelta(hours=1),
    "1d": timedelta(days=1),
}
ROLLUP_FIELDS: Final[tuple[str, ...]] = ("count", "sum", "min", "max", "last", "increase")
ROLLUP_SCHEMA: Final[dict[str, pl.DataType]] = {
    "time": pl.Datetime("us", "UTC"),
    "entity_id": pl.String(),
    "count": pl.Int64(),
    "sum": pl.Float64(),
    "min": pl.Float64(),
    "max": pl.Float64(),
    "last": pl.Float64(),
    "increase": pl.Float64(),
}
RESET_DROP: Final = 0.10


def table_of(level: str) -> str:
    """Return the rollup table name of a level (``events_1h``)."""
    return f"events_{level}"


def level_for(width: timedelta) -> str | None:
    """Return the coarsest rollup level whose width divides ``width``, or None."""
    for level in ("1d", "1h", "1m"):
        step = LEVELS[level]
        if width >= step and width % step == timedelta(0):
            return level
    return None


def floor_time(column: str, width: timedelta) -> pl.Expr:
    """Return ``column`` floored to epoch-aligned buckets of ``width`` (UTC)."""
    step = int(width.total_seconds() * 1_000_000)
    micros = pl.col(column).dt.epoch("us")
    return pl.from_epoch((micros // step) * step, time_unit="us").dt.replace_time_zone("UTC")


def step_increase() -> pl.Expr:
    """Return the increase each sample adds over ``prev`` (meter reset: the new value)."""
    value, prev = pl.col("value"), pl.col("prev")
    return (
        pl.when(prev.is_null())
        .then(0.0)
        .when(value >= prev)
        .then(value - prev)
        .when((prev - value) > RESET_DROP * prev.abs())
        .then(value)
        .otherwise(0.0)
    )


def with_first_steps(
    steps: pl.DataFrame, firsts: pl.DataFrame, prior: pl.DataFrame, width: timedelta
) -> pl.DataFrame:
    """Return [time, entity_id, increase] with each entity's first in-range rise added.

    ``steps`` holds per-bucket increases within the range, ``firsts`` each entity's first
    sample in the range and ``prior`` its last reading before the range.
    """
    schema = {"time": ROLLUP_SCHEMA["time"], "entity_id": pl.String(), "increase": pl.Float64()}
    steps = steps.select(list(schema)).cast(schema)  # type: ignore[arg-type]
    if firsts.is_empty() or prior.is_empty():
        return steps
    first = (
        firsts.join(prior.rename({"value": "prev"}), on="entity_id", how="inner")
        .with_columns(step_increase().alias("increase"), floor_time("time", width).alias("time"))
        .select(list(schema))
        .cast(schema)  # type: ignore[arg-type]
    )
    return (
        pl.concat([steps, first])
        .group_by("time", "entity_id")
        .agg(pl.col("increase").sum())
        .select(list(schema))
    )


def compose(rows: pl.DataFrame, width: timedelta) -> pl.DataFrame:
    """Return rollup rows merged into coarser epoch-aligned buckets of ``width``."""
    return (
        rows.sort("entity_id", "time", maintain_order=True)
        .with_columns(floor_time("time", width).alias("bucket"))
        .group_by("bucket", "entity_id", maintain_order=True)
        .agg(
            pl.col("count").sum(),
            pl.col("sum").sum(),
            pl.col("min").min(),
            pl.col("max").max(),
            pl.col("last").drop_nulls().last(),
            pl.col("increase").sum(),
        )
        .rename({"bucket": "time"})
        .select(list(ROLLUP_SCHEMA))
        .cast(ROLLUP_SCHEMA)  # type: ignore[arg-type]
    )


def finish(rows: pl.DataFrame, agg: str) -> pl.DataFrame:
    """Return AGGREGATE_SCHEMA rows for ``agg`` from composed rollup rows."""
    value = {
        "mean": pl.col("sum") / pl.col("count"),
        "min": pl.col("min"),
        "max": pl.col("max"),
        "last": pl.col("last"),
        "count": pl.col("count").cast(pl.Float64),
        "increase": pl.col("increase"),
    }[agg]
    return (
        rows.filter(pl.col("count") > 0)
        .select("time", "entity_id", value.alias("value"))
        .cast(AGGREGATE_SCHEMA)  # type: ignore[arg-type]
        .sort("entity_id", "time")
    )


def encode_rollups(rows: pl.DataFrame, level: str) -> list[str]:
    """Return line-protocol lines of rollup rows for table ``events_<level>``."""
    if rows.is_empty():
        return []
    from storage.influx3.line_protocol import escape_measurement, tag_value_expr

    floats = [
        pl.when(pl.col(name).is_not_null()).then(pl.lit(f"{name}=") + pl.col(name).cast(pl.String))
        for name in ("sum", "min", "max", "last", "increase")
    ]
    line = pl.concat_str(
        [
            pl.lit(escape_measurement(table_of(level)) + ",entity_id="),
            tag_value_expr("entity_id"),
            pl.lit(" count="),
            pl.col("count").cast(pl.String),
            pl.lit("i"),
            pl.concat_str([pl.lit(""), *floats], separator=",", ignore_nulls=True),
            pl.lit(" "),
            pl.col("time").dt.epoch("ns").cast(pl.String),
        ]
    )
    return rows.filter(pl.col("count") > 0).select(line.alias("line")).get_column("line").to_list()
