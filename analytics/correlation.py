"""Lagged correlation between two series on a common bucket grid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

import numpy as np
import polars as pl

from analytics.errors import InsufficientData

MIN_PAIRS: Final[int] = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class LagCorrelation:
    """Pearson r per lag; ``best_lag`` (in buckets, positive = b follows a) maximises |r|."""

    best_lag: int
    best_r: float
    n: int
    by_lag: pl.DataFrame  # lag, r, n


def _bucketed(frame: pl.DataFrame, bucket: str, name: str) -> pl.DataFrame:
    return (
        frame.select("time", "value")
        .drop_nulls()
        .filter(pl.col("value").is_finite())
        .group_by(pl.col("time").dt.truncate(bucket))
        .agg(pl.col("value").mean().alias(name))
    )


def _pearson(a: np.ndarray, b: np.ndarray) -> tuple[float, int]:
    mask = ~(np.isnan(a) | np.isnan(b))
    n = int(mask.sum())
    if n < MIN_PAIRS:
        return float("nan"), n
    x, y = a[mask], b[mask]
    if x.std() == 0 or y.std() == 0:
        return float("nan"), n
    return float(np.corrcoef(x, y)[0, 1]), n


def lagged_correlation(
    a: pl.DataFrame, b: pl.DataFrame, *, bucket: str = "1h", max_lag: int = 24
) -> LagCorrelation:
    """Return Pearson r of ``a(t)`` with ``b(t + lag)`` for lags in ``[-max_lag, max_lag]``."""
    left, right = _bucketed(a, bucket, "a"), _bucketed(b, bucket, "b")
    if left.height == 0 or right.height == 0:
        raise InsufficientData("one of the series has no numeric values in the range")
    start: datetime = min(left["time"].min(), right["time"].min())  # type: ignore[type-var,assignment]
    end: datetime = max(left["time"].max(), right["time"].max())  # type: ignore[type-var,assignment]
    grid = pl.DataFrame(
        {"time": pl.datetime_range(start, end, interval=bucket, eager=True)}
    ).with_columns(pl.col("time").cast(left.schema["time"]))
    frame = grid.join(left, on="time", how="left").join(right, on="time", how="left")
    xs = frame["a"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    ys = frame["b"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    lags, rs, ns = [], [], []
    for lag in range(-max_lag, max_lag + 1):
        if lag >= 0:
            r, n = _pearson(xs[: len(xs) - lag], ys[lag:])
        else:
            r, n = _pearson(xs[-lag:], ys[: len(ys) + lag])
        lags.append(lag)
        rs.append(r)
        ns.append(n)
    by_lag = pl.DataFrame({"lag": lags, "r": rs, "n": ns}).with_columns(pl.col("r").fill_nan(None))
    valid = by_lag.drop_nulls("r")
    if valid.height == 0:
        raise InsufficientData(
            f"fewer than {MIN_PAIRS} overlapping {bucket} buckets with varying values; "
            "pick a longer range or other series"
        )
    best = valid.sort(pl.col("r").abs(), "lag", descending=[True, False]).row(0, named=True)
    return LagCorrelation(
        best_lag=int(best["lag"]), best_r=float(best["r"]), n=int(best["n"]), by_lag=by_lag
    )
