"""Partial aggregates (rollups) and how they combine into any coarser bucket.

A partial row summarises one entity's numeric samples in one bucket: count, sum, min, max,
first and last sample, and ``inc``, the meter increase *between samples inside* the bucket.
The rise across a bucket boundary is rebuilt from the previous partial's last reading and
this one's first, so hourly rows compose exactly into daily or longer buckets.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

import polars as pl

from storage.embedded.queries import HOUR_US, RESET_DROP
from storage.protocol import AGGREGATE_SCHEMA

PARTIAL_SCHEMA: Final[dict[str, pl.DataType]] = {
    "bucket": pl.Int64(),
    "entity_id": pl.String(),
    "n": pl.Int64(),
    "total": pl.Float64(),
    "lo": pl.Float64(),
    "hi": pl.Float64(),
    "first_v": pl.Float64(),
    "first_us": pl.Int64(),
    "last_v": pl.Float64(),
    "last_us": pl.Int64(),
    "inc": pl.Float64(),
}


def empty_partials() -> pl.DataFrame:
    """Return an empty partial frame."""
    return pl.DataFrame(schema=PARTIAL_SCHEMA)


def _step(prev: pl.Expr, value: pl.Expr) -> pl.Expr:
    """Return the meter rise from ``prev`` to ``value`` (reset-aware; 0 when no prior)."""
    return (
        pl.when(prev.is_null())
        .then(0.0)
        .when(value >= prev)
        .then(value - prev)
        .when((prev - value) > RESET_DROP * prev.abs())
        .then(value)
        .otherwise(0.0)
    )


def _with_boundary(parts: pl.DataFrame) -> pl.DataFrame:
    """Return ``parts`` sorted with ``edge``: the rise from the previous partial's last reading."""
    ordered = parts.sort("entity_id", "bucket")
    prev = pl.col("last_v").shift(1).over("entity_id")
    return ordered.with_columns(_step(prev, pl.col("first_v")).alias("edge"))


def hourly_partials(samples: pl.LazyFrame) -> pl.DataFrame:
    """Return hourly partials (the 1h rollup rows) of numeric samples (entity_id, time, value).

    The meter increase inside an hour counts the rises between consecutive samples of that
    hour only; the rise across an hour boundary is rebuilt later from the partials.
    """
    us = pl.col("time").dt.epoch("us")
    hour = us // HOUR_US
    stepped = (
        samples.sort("entity_id", "time")
        .with_columns(
            (hour * HOUR_US).alias("bucket"),
            us.alias("us"),
            pl.col("value").shift(1).over("entity_id").alias("prev"),
            hour.shift(1).over("entity_id").alias("prev_hour"),
        )
        .with_columns(
            pl.when(pl.col("prev_hour") == pl.col("bucket") // HOUR_US)
            .then(_step(pl.col("prev"), pl.col("value")))
            .otherwise(0.0)
            .alias("step")
        )
    )
    return (
        stepped.group_by("bucket", "entity_id")
        .agg(
            pl.len().alias("n"),
            pl.col("value").sum().alias("total"),
            pl.col("value").min().alias("lo"),
            pl.col("value").max().alias("hi"),
            pl.col("value").first().alias("first_v"),
            pl.col("us").first().alias("first_us"),
            pl.col("value").last().alias("last_v"),
            pl.col("us").last().alias("last_us"),
            pl.col("step").sum().alias("inc"),
        )
        .collect()
        .cast(PARTIAL_SCHEMA)  # type: ignore[arg-type]
        .select(list(PARTIAL_SCHEMA))
    )


def coarsen(parts: pl.DataFrame, width_us: int) -> pl.DataFrame:
    """Return partials merged into epoch-aligned buckets of ``width_us`` microseconds."""
    if parts.is_empty():
        return empty_partials()
    marked = _with_boundary(parts).with_columns(
        ((pl.col("bucket") // width_us) * width_us).alias("coarse")
    )
    # The edge into a coarse bucket's first partial belongs to the boundary, not inside.
    inside = pl.col("edge") * (pl.col("coarse") == pl.col("coarse").shift(1).over("entity_id"))
    return (
        marked.with_columns(inside.fill_null(0.0).alias("edge"))
        .group_by("entity_id", "coarse")
        .agg(
            pl.col("n").sum(),
            pl.col("total").sum(),
            pl.col("lo").min(),
            pl.col("hi").max(),
            pl.col("first_v").first(),
            pl.col("first_us").first(),
            pl.col("last_v").last(),
            pl.col("last_us").last(),
            (pl.col("inc") + pl.col("edge")).sum().alias("inc"),
        )
        .rename({"coarse": "bucket"})
        .select(list(PARTIAL_SCHEMA))
        .sort("entity_id", "bucket")
    )


def finish(parts: pl.DataFrame, width: timedelta, agg: str, start_us: int) -> pl.DataFrame:
    """Return AGGREGATE_SCHEMA rows for ``agg`` from partials (earlier rows only give priors)."""
    width_us = int(width.total_seconds()) * 1_000_000
    if parts.is_empty():
        return pl.DataFrame(schema=AGGREGATE_SCHEMA)
    marked = _with_boundary(parts).filter(pl.col("bucket") >= start_us)
    value = {
        "mean": pl.col("total").sum() / pl.col("n").sum(),
        "min": pl.col("lo").min(),
        "max": pl.col("hi").max(),
        "last": pl.col("last_v").sort_by("last_us").last(),
        "count": pl.col("n").sum().cast(pl.Float64),
        "increase": (pl.col("inc") + pl.col("edge")).sum(),
    }[agg]
    return (
        marked.group_by("entity_id", (pl.col("bucket") // width_us) * width_us)
        .agg(value.cast(pl.Float64).alias("value"))
        .select(
            pl.col("bucket").cast(pl.Datetime("us")).dt.replace_time_zone("UTC").alias("time"),
            pl.col("entity_id"),
            pl.col("value"),
        )
        .cast(AGGREGATE_SCHEMA)  # type: ignore[arg-type]
        .sort("entity_id", "time")
    )
