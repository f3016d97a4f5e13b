"""Energy maths over polars frames: integration, cost, weekly pattern, baseload, meters."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

import polars as pl

from analytics.errors import InsufficientData

MAX_GAP: Final[timedelta] = timedelta(minutes=15)
RESET_DROP: Final[float] = 0.10


def _need(frame: pl.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InsufficientData(f"{what} needs columns {', '.join(missing)}")
    if frame.height == 0:
        raise InsufficientData(f"{what}: no rows; pick a range with data")


def integrate_power(power: pl.DataFrame, *, bucket: str, tz: str = "UTC") -> pl.DataFrame:
    """Return ``time, kwh`` per bucket: trapezoids between samples of ``time, value`` (W).

    An interval crossing a bucket boundary is cut there (power interpolated linearly), so
    each bucket gets exactly its share; intervals longer than 15 minutes are gaps (the sensor
    was down) and are not bridged. Buckets start on ``tz``'s wall clock (a ``1d`` bucket is a
    local day); times come back in UTC.
    """
    _need(power, ("time", "value"), "integrate_power")
    intervals = (
        power.select(pl.col("time").dt.convert_time_zone(tz), "value")
        .drop_nulls()
        .filter(pl.col("value").is_finite())
        .sort("time")
        .with_columns(
            pl.col("time").shift(-1).alias("next_time"),
            pl.col("value").shift(-1).alias("next_value"),
        )
        .drop_nulls("next_time")
        .with_columns((pl.col("next_time") - pl.col("time")).dt.total_microseconds().alias("_us"))
        .filter((pl.col("_us") > 0) & (pl.col("_us") <= MAX_GAP.total_seconds() * 1e6))
        .with_row_index("_interval")
    )
    boundaries = pl.datetime_ranges(
        pl.col("time").dt.truncate(bucket).dt.offset_by(bucket),
        pl.col("next_time"),
        interval=bucket,
        closed="left",
    )
    # most intervals lie inside one bucket; only the few crossing one are cut (that is slow)
    crosses = pl.col("time").dt.truncate(bucket) != (
        pl.col("next_time") - pl.duration(microseconds=1)
    ).dt.truncate(bucket)
    inside = intervals.filter(~crosses).with_columns(
        pl.col("time").alias("_start"), pl.col("next_time").alias("_end")
    )
    cut = (
        intervals.filter(crosses)
        .with_columns(pl.concat_list(pl.col("time"), boundaries).alias("_start"))
        .explode("_start")
        .with_columns(pl.col("_start").shift(-1).over("_interval").alias("_end"))
        .with_columns(pl.col("_end").fill_null(pl.col("next_time")))
    )
    pieces = pl.concat([inside, cut])
    slope = (pl.col("next_value") - pl.col("value")) / pl.col("_us")

    def watts(at: str) -> pl.Expr:
        return pl.col("value") + slope * (pl.col(at) - pl.col("time")).dt.total_microseconds()

    hours = (pl.col("_end") - pl.col("_start")).dt.total_microseconds() / 3.6e9
    return (
        pieces.select(
            pl.col("_start").dt.truncate(bucket).dt.convert_time_zone("UTC").alias("time"),
            ((watts("_start") + watts("_end")) / 2 * hours / 1000).alias("kwh"),
        )
        .group_by("time")
        .agg(pl.col("kwh").sum())
        .sort("time")
    )


def energy_cost(energy: pl.DataFrame, price: pl.DataFrame) -> pl.DataFrame:
    """Return ``time, kwh, price, cost``: each energy row priced at the price in force then."""
    _need(energy, ("time", "kwh"), "energy_cost")
    prices = (
        price.select("time", pl.col("value").alias("price")).drop_nulls().sort("time")
        if price.height
        else pl.DataFrame(schema={"time": energy.schema["time"], "price": pl.Float64})
    )
    joined = (
        energy.select("time", "kwh").sort("time").join_asof(prices, on="time", strategy="backward")
    )
    joined = joined.with_columns(pl.col("price").fill_null(strategy="backward"))
    return joined.with_columns((pl.col("kwh") * pl.col("price")).alias("cost"))


def hour_weekday_matrix(hourly: pl.DataFrame, *, tz: str) -> pl.DataFrame:
    """Return ``weekday`` (1=Mon..7), ``hour`` (0..23, local), mean ``kwh`` of those hours."""
    _need(hourly, ("time", "kwh"), "hour_weekday_matrix")
    local = pl.col("time").dt.convert_time_zone(tz)
    return (
        hourly.with_columns(
            local.dt.weekday().alias("weekday"), local.dt.hour().cast(pl.Int8).alias("hour")
        )
        .group_by("weekday", "hour")
        .agg(pl.col("kwh").mean())
        .sort("weekday", "hour")
    )


def baseload_w(
    power: pl.DataFrame, *, tz: str, night_hours: tuple[int, int] = (1, 5)
) -> float | None:
    """Return the baseload in W: the 10th percentile of power in local night hours.

    A low percentile rather than the minimum, so one odd sample does not set the baseload.
    Returns None when no sample falls in the night window.
    """
    _need(power, ("time", "value"), "baseload_w")
    first, last = night_hours
    night = power.filter(
        pl.col("time").dt.convert_time_zone(tz).dt.hour().is_between(first, last, closed="left")
        & pl.col("value").is_not_null()
    )
    if night.height == 0:
        return None
    value = night["value"].quantile(0.10, interpolation="linear")
    return float(value) if value is not None else None


def period_change(current: float, previous: float) -> float | None:
    """Return the change from ``previous`` to ``current`` as a fraction, None if previous is 0."""
    if previous == 0:
        return None
    return (current - previous) / previous


def meter_increase(meter: pl.DataFrame, *, bucket: str, tz: str = "UTC") -> pl.DataFrame:
    """Return ``time, kwh`` per bucket from a cumulative meter, surviving resets.

    A drop of more than 10 % is a reset: the new reading counts from zero; a smaller dip
    counts as nothing. Each difference is credited to the bucket of the later reading.
    Buckets start on ``tz``'s wall clock (a ``1d`` bucket is a local day, 23 or 25 hours at
    DST changes); times come back in UTC.
    """
    _need(meter, ("time", "value"), "meter_increase")
    frame = meter.select("time", "value").drop_nulls().sort("time")
    prev = pl.col("value").shift(1)
    delta = (
        pl.when(prev.is_null())
        .then(None)
        .when(pl.col("value") >= prev)
        .then(pl.col("value") - prev)
        .when((prev - pl.col("value")) > RESET_DROP * prev.abs())
        .then(pl.col("value"))
        # a small dip is meter jitter, not negative consumption (the store does the same)
        .otherwise(0.0)
    )
    return (
        frame.with_columns(delta.alias("kwh"))
        .drop_nulls("kwh")
        .group_by(
            pl.col("time").dt.convert_time_zone(tz).dt.truncate(bucket).dt.convert_time_zone("UTC")
        )
        .agg(pl.col("kwh").sum())
        .sort("time")
    )


def top_consumers(per_entity: pl.DataFrame, n: int = 10) -> pl.DataFrame:
    """Return the ``n`` rows of ``entity_id, kwh`` with the most energy, largest first."""
    _need(per_entity, ("entity_id", "kwh"), "top_consumers")
    return per_entity.sort("kwh", descending=True, nulls_last=True).head(n)
