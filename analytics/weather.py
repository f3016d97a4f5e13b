"""Weather maths: heating degree days and least-squares fits of load against temperature."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import polars as pl

from analytics.errors import InsufficientData

DEFAULT_BASE_C: Final[float] = 15.5
MIN_POINTS: Final[int] = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class Regression:
    """A straight-line fit y = intercept + slope * x, its R² and the number of points."""

    slope: float
    intercept: float
    r2: float
    n: int
    base_c: float = DEFAULT_BASE_C


def fit_line(x: pl.Series, y: pl.Series) -> Regression:
    """Return the ordinary least-squares line through the finite (x, y) pairs."""
    pairs = pl.DataFrame({"x": x.cast(pl.Float64), "y": y.cast(pl.Float64)}).drop_nulls()
    pairs = pairs.filter(pl.col("x").is_finite() & pl.col("y").is_finite())
    if pairs.height < MIN_POINTS:
        raise InsufficientData(
            f"a line needs at least {MIN_POINTS} points with both values, got {pairs.height}; "
            "pick a longer range"
        )
    xs, ys = pairs["x"].to_numpy(), pairs["y"].to_numpy()
    if np.ptp(xs) == 0:
        raise InsufficientData("every x value is the same; the slope is undefined")
    slope, intercept = np.polyfit(xs, ys, 1)
    residual = ys - (intercept + slope * xs)
    total = float(np.sum((ys - ys.mean()) ** 2))
    r2 = 1.0 - float(np.sum(residual**2)) / total if total > 0 else 0.0
    return Regression(slope=float(slope), intercept=float(intercept), r2=r2, n=pairs.height)


def heating_degree_days(
    temp_daily: pl.DataFrame, *, base_c: float = DEFAULT_BASE_C
) -> pl.DataFrame:
    """Return ``day, hdd``: how far each day's mean temperature is below ``base_c`` (>= 0)."""
    if "day" not in temp_daily.columns or "value" not in temp_daily.columns:
        raise InsufficientData("heating_degree_days needs columns day and value (°C)")
    return temp_daily.select(
        "day", (base_c - pl.col("value")).clip(lower_bound=0.0).alias("hdd")
    ).drop_nulls()


def hdd_regression(
    energy_daily: pl.DataFrame, temp_daily: pl.DataFrame, *, base_c: float = DEFAULT_BASE_C
) -> Regression:
    """Return the fit of daily heating energy (kWh) on heating degree days: slope is kWh/HDD."""
    if energy_daily.height == 0 or temp_daily.height == 0:
        raise InsufficientData("no whole days with both heating energy and temperature")
    hdd = heating_degree_days(temp_daily, base_c=base_c)
    joined = energy_daily.select("day", "kwh").join(hdd, on="day", how="inner")
    fit = fit_line(joined["hdd"], joined["kwh"])
    return Regression(slope=fit.slope, intercept=fit.intercept, r2=fit.r2, n=fit.n, base_c=base_c)
