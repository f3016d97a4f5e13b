"""Short-term forecasts of a bucketed series from its own seasonal pattern, with a backtest.

A home's load is dominated by its daily (or weekly) rhythm, so the forecast is the weighted
mean of the last few seasons at the same phase, recent seasons weighing more. That is cheap
enough to run on every page render, needs no model training or heavy dependency, and the
backtest says honestly how well it would have done on the most recent data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from analytics.errors import InsufficientData

Floats = npt.NDArray[np.float64]

_BUCKET_RE: Final = re.compile(r"^(\d+)([smhd])$")
_UNIT_S: Final[dict[str, int]] = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_MISSING: Final[float] = 0.25  # share of empty buckets beyond which the pattern is not trusted
DECAY: Final[float] = 0.7  # weight of each older season relative to the next newer one


@dataclass(frozen=True, slots=True, kw_only=True)
class Forecast:
    """Forecast rows ``time, value, low, high`` (a 90% band) and how the method did lately."""

    frame: pl.DataFrame
    season: int  # buckets per season (24 for hourly data with a daily rhythm)
    seasons_used: int
    backtest_mae: float | None  # mean absolute error forecasting the last ``horizon`` buckets
    naive_mae: float | None  # same, repeating the last season as is (the bar to beat)
    filled: int  # empty buckets in the history that were interpolated


def _bucket_seconds(bucket: str) -> int:
    match = _BUCKET_RE.match(bucket.strip())
    if not match or int(match.group(1)) <= 0:
        raise InsufficientData(f"bucket {bucket!r} is not a duration like 15m, 1h or 1d")
    return int(match.group(1)) * _UNIT_S[match.group(2)]


def default_season(bucket: str) -> int:
    """Return buckets per season: a day for sub-daily buckets, a week for daily ones."""
    seconds = _bucket_seconds(bucket)
    if seconds < 86_400 and 86_400 % seconds == 0:
        return 86_400 // seconds
    if seconds == 86_400:
        return 7
    raise InsufficientData(f"bucket {bucket!r} does not divide a day; use e.g. 15m, 1h or 1d")


def regular_grid(series: pl.DataFrame, *, bucket: str) -> tuple[pl.DataFrame, int]:
    """Return ``time, value`` on every bucket from first to last (gaps interpolated), and gaps.

    Buckets are aligned in UTC, like the store's; naive times are taken as UTC.
    """
    missing = [c for c in ("time", "value") if c not in series.columns]
    if missing:
        raise InsufficientData(f"forecast needs columns {', '.join(missing)}")
    time_type = series.schema["time"]
    as_utc = (
        pl.col("time").dt.replace_time_zone("UTC")  # naive times are taken as UTC
        if isinstance(time_type, pl.Datetime) and time_type.time_zone is None
        else pl.col("time").dt.convert_time_zone("UTC")
    )
    clean = (
        series.select(as_utc.dt.cast_time_unit("us"), pl.col("value").cast(pl.Float64))
        .drop_nulls()
        .filter(pl.col("value").is_finite())
    )
    if clean.height == 0:
        raise InsufficientData("forecast: no numeric values in this range; pick a longer range")
    means = clean.group_by(pl.col("time").dt.truncate(bucket)).agg(pl.col("value").mean())
    first: datetime = means["time"].min()  # type: ignore[assignment]
    last: datetime = means["time"].max()  # type: ignore[assignment]
    grid = pl.datetime_range(
        first, last, interval=bucket, eager=True, time_zone="UTC", time_unit="us"
    ).alias("time")
    joined = grid.to_frame().join(means, on="time", how="left")
    empty = joined["value"].null_count()
    if empty > MAX_MISSING * joined.height:
        raise InsufficientData(
            f"forecast: {empty} of {joined.height} buckets of {bucket} are empty; the sensor "
            "reported too rarely here, pick a range where it was online"
        )
    return joined.with_columns(pl.col("value").interpolate()), empty


def _project(history: Floats, *, season: int, seasons: int, horizon: int) -> Floats:
    # Rows of ``block`` are the last ``seasons`` seasons, newest last; column c of every row
    # has the same phase as forecast step c, because each row starts a whole season back.
    block = history[history.size - seasons * season :].reshape(seasons, season)
    weights = DECAY ** np.arange(seasons - 1, -1, -1, dtype=np.float64)
    profile = weights @ block / weights.sum()
    return np.asarray(profile[np.arange(horizon) % season], dtype=np.float64)


def _residuals(history: Floats, *, season: int, seasons: int) -> Floats:
    # One-season-ahead errors over the history, for the width of the band.
    errors = []
    for end in range(season, history.size - season + 1, season):
        used = min(seasons, end // season)
        predicted = _project(history[:end], season=season, seasons=used, horizon=season)
        errors.append(history[end : end + season] - predicted)
    return np.concatenate(errors) if errors else np.zeros(0)


def seasonal_forecast(
    series: pl.DataFrame,
    *,
    bucket: str = "1h",
    horizon: int = 24,
    season: int | None = None,
    max_seasons: int = 4,
) -> Forecast:
    """Return the next ``horizon`` buckets of ``time, value`` as a seasonal-mean Forecast.

    Needs at least two whole seasons of history (two days for hourly data). ``low`` and
    ``high`` are the 5th and 95th percentiles of the method's own one-season-ahead errors.
    """
    if horizon <= 0:
        raise InsufficientData(f"horizon {horizon} must be at least one bucket")
    period = season if season is not None else default_season(bucket)
    grid, filled = regular_grid(series, bucket=bucket)
    history = grid["value"].to_numpy().astype(np.float64)
    available = history.size // period
    if available < 2:
        raise InsufficientData(
            f"forecast needs two seasons of {period} x {bucket} buckets, got {history.size}; "
            "pick a longer range"
        )
    used = min(max_seasons, available)
    values = _project(history, season=period, seasons=used, horizon=horizon)
    errors = _residuals(history, season=period, seasons=max_seasons)
    low, high = np.quantile(errors, [0.05, 0.95]) if errors.size else (0.0, 0.0)
    step = timedelta(seconds=_bucket_seconds(bucket))
    last = grid["time"][-1]
    frame = pl.DataFrame(
        {
            "time": [last + step * (i + 1) for i in range(horizon)],
            "value": values,
            "low": values + low,
            "high": values + high,
        }
    ).with_columns(pl.col("time").cast(pl.Datetime("us", "UTC")))
    backtest, naive = _backtest(history, season=period, seasons=max_seasons, horizon=horizon)
    return Forecast(
        frame=frame,
        season=period,
        seasons_used=used,
        backtest_mae=backtest,
        naive_mae=naive,
        filled=filled,
    )


def _backtest(
    history: Floats, *, season: int, seasons: int, horizon: int
) -> tuple[float | None, float | None]:
    train = history[: history.size - horizon]
    if train.size // season < 2:
        return None, None
    actual = history[train.size :]
    ours = _project(
        train, season=season, seasons=min(seasons, train.size // season), horizon=horizon
    )
    naive = _project(train, season=season, seasons=1, horizon=horizon)
    return float(np.abs(actual - ours).mean()), float(np.abs(actual - naive).mean())
