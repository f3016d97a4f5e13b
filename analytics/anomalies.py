"""Anomalies in hourly aggregates: robust (median/MAD) z-scores against a seasonal profile."""

from __future__ import annotations

from typing import Final, Literal

import polars as pl

from analytics.errors import InsufficientData

# 0.6745 is the 75th percentile of the standard normal: it makes MAD comparable to a std dev
MAD_TO_SIGMA: Final[float] = 0.6745
# when over half a group is one value the MAD is 0; the mean absolute deviation is the fallback
MEAN_AD_TO_SIGMA: Final[float] = 0.7979
DEFAULT_THRESHOLD: Final[float] = 3.5  # Iglewicz and Hoaglin's usual cut for modified z-scores
Profile = Literal["flat", "hour", "hour_weekday"]


def _profile_keys(profile: Profile, tz: str) -> list[pl.Expr]:
    local = pl.col("time").dt.convert_time_zone(tz)
    if profile == "flat":
        return []
    if profile == "hour":
        return [local.dt.hour().alias("_hour")]
    return [local.dt.hour().alias("_hour"), local.dt.weekday().alias("_weekday")]


def robust_zscores(
    hourly: pl.DataFrame,
    *,
    tz: str,
    profile: Profile = "hour",
    min_group: int = 5,
    threshold: float = DEFAULT_THRESHOLD,
) -> pl.DataFrame:
    """Return ``time, [entity_id,] value, expected, z, anomaly`` for each row of ``hourly``.

    ``expected`` is the median of the row's group (per entity and, with ``profile``, the same
    local hour of day, or hour and weekday), ``z`` the modified z-score
    ``0.6745 * (value - median) / MAD``; ``anomaly`` is ``|z| > threshold``. Groups with fewer
    than ``min_group`` values get a null z (too few to say what is normal).
    """
    if "time" not in hourly.columns or "value" not in hourly.columns:
        raise InsufficientData("robust_zscores needs columns time and value")
    frame = hourly.drop_nulls("value").filter(pl.col("value").is_finite())
    if frame.height == 0:
        raise InsufficientData("no numeric hourly values in the range; pick a longer range")
    keys = _profile_keys(profile, tz)
    frame = frame.with_columns(keys) if keys else frame
    group = [key.meta.output_name() for key in keys]
    if "entity_id" in frame.columns:
        group.insert(0, "entity_id")
    over: list[str | pl.Expr] = list(group) if group else [pl.lit(0)]
    median = pl.col("value").median().over(over)
    deviation = (pl.col("value") - pl.col("expected")).abs()
    frame = frame.with_columns(median.alias("expected")).with_columns(
        deviation.median().over(over).alias("_mad"),
        deviation.mean().over(over).alias("_mean_ad"),
        pl.len().over(over).alias("_n"),
    )
    scale = (
        pl.when(pl.col("_mad") > 0)
        .then(pl.col("_mad") / MAD_TO_SIGMA)
        .otherwise(pl.col("_mean_ad") / MEAN_AD_TO_SIGMA)
    )
    diff = pl.col("value") - pl.col("expected")
    # scale 0 means every value of the group is the same, so this one is exactly normal
    z = (
        pl.when(pl.col("_n") < min_group)
        .then(None)
        .when(scale > 0)
        .then(diff / scale)
        .otherwise(0.0)
    )
    frame = frame.with_columns(z.cast(pl.Float64).alias("z"))
    if frame["z"].null_count() == frame.height:
        raise InsufficientData(
            f"every group has fewer than {min_group} hourly values; pick a longer range "
            "or a coarser profile"
        )
    columns = ["time", "entity_id"] if "entity_id" in frame.columns else ["time"]
    return frame.select(
        *columns,
        "value",
        "expected",
        "z",
        (pl.col("z").abs() > threshold).fill_null(False).alias("anomaly"),
    ).sort(columns)


def anomalies(
    hourly: pl.DataFrame,
    *,
    tz: str,
    profile: Profile = "hour",
    min_group: int = 5,
    threshold: float = DEFAULT_THRESHOLD,
) -> pl.DataFrame:
    """Return only the anomalous rows of :func:`robust_zscores`, most extreme first."""
    scored = robust_zscores(
        hourly, tz=tz, profile=profile, min_group=min_group, threshold=threshold
    )
    return scored.filter(pl.col("anomaly")).sort(pl.col("z").abs(), descending=True)
