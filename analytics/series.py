"""Regular bucketed series for forecasts: short gaps filled, long gaps cut, with the reason.

The store answers one row per bucket that has samples. A model needs every bucket, so the
rows are put on a regular grid. A short gap (a few missed reports) is filled: a mean is
interpolated; a meter's increase is spread, because the store credits what was used during
the gap to the first bucket after it. A long gap (the sensor was offline) is not invented:
the series is cut there and only the part after it is used, and the note says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from analytics.errors import InsufficientData

Floats = npt.NDArray[np.float64]
Kind = Literal["mean", "increase"]

DAY: Final[timedelta] = timedelta(days=1)
MAX_FILL: Final[timedelta] = timedelta(hours=3)  # longer gaps cut the series
MIN_DAYS: Final[int] = 2  # a daily rhythm needs two days to be seen


@dataclass(frozen=True, slots=True, kw_only=True)
class Prepared:
    """A series on a regular grid: ``time`` (UTC), ``value``; what was filled and cut."""

    frame: pl.DataFrame
    step: timedelta
    filled: int
    notes: tuple[str, ...]

    @property
    def values(self) -> Floats:
        """Return the values as a float array."""
        return self.frame["value"].to_numpy().astype(np.float64)


def season_of(step: timedelta) -> int:
    """Return buckets per day for sub-daily steps, 1 for daily; raise when a day is not whole."""
    seconds = int(step.total_seconds())
    if seconds <= 0 or (86_400 % seconds != 0 and seconds != 86_400):
        raise InsufficientData(
            f"a bucket of {step} does not divide a day; use 15m, 1h or 1d buckets"
        )
    return 86_400 // seconds if seconds < 86_400 else 1


def _as_utc(frame: pl.DataFrame) -> pl.DataFrame:
    missing = [c for c in ("time", "value") if c not in frame.columns]
    if missing:
        raise InsufficientData(f"a forecast needs columns {', '.join(missing)}")
    dtype = frame.schema["time"]
    time = pl.col("time")
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
        time = time.dt.replace_time_zone("UTC")  # naive times are taken as UTC
    else:
        time = time.dt.convert_time_zone("UTC")
    return (
        frame.select(time.dt.cast_time_unit("us"), pl.col("value").cast(pl.Float64))
        .drop_nulls()
        .filter(pl.col("value").is_finite())
    )


def _gap_runs(missing: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Return ``(start, stop)`` index ranges of consecutive missing buckets."""
    padded = np.concatenate(([False], missing, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def prepare(
    frame: pl.DataFrame, *, step: timedelta, kind: Kind = "mean", min_days: int = MIN_DAYS
) -> Prepared:
    """Return ``frame`` (``time, value`` per bucket) on a regular grid of ``step``.

    Gaps up to 3 hours (one bucket for daily data) are filled; the series is cut after the
    last longer gap. Raises InsufficientData, saying what is missing, when fewer than
    ``min_days`` days remain.
    """
    clean = _as_utc(frame)
    if clean.height == 0:
        raise InsufficientData(
            "no numeric values in this range: the entity was unavailable or is not numeric; "
            "pick another entity or a range where it reported"
        )
    width = f"{int(step.total_seconds())}s"
    means = clean.group_by(pl.col("time").dt.truncate(width)).agg(pl.col("value").mean())
    first: datetime = means["time"].min()  # type: ignore[assignment]
    last: datetime = means["time"].max()  # type: ignore[assignment]
    grid = pl.datetime_range(
        first,
        last,
        interval=width,
        eager=True,
        time_zone="UTC",
        time_unit="us",
    ).alias("time")
    joined = grid.to_frame().join(means, on="time", how="left")
    values = joined["value"].to_numpy().astype(np.float64)
    missing = np.isnan(values)
    max_fill = max(1, int(MAX_FILL / step))
    notes: list[str] = []
    runs = _gap_runs(missing)
    long_runs = [(a, b) for a, b in runs if b - a > max_fill]
    start = 0
    if long_runs:
        a, b = long_runs[-1]
        times = joined["time"]
        notes.append(
            f"No data from {times[a]:%Y-%m-%d %H:%M} to {times[b]:%Y-%m-%d %H:%M} UTC "
            f"({(b - a) * step} without a value); only the {len(values) - b} buckets after "
            "that gap are used, because filling it would invent data."
        )
        start = b
    filled = 0
    for a, b in runs:
        if a < start:
            continue
        filled += b - a
        if kind == "increase" and b < len(values):
            # the bucket after the gap holds what was used during it: spread that evenly
            values[a : b + 1] = values[b] / (b + 1 - a)
        else:
            before = values[a - 1] if a > 0 else values[b]
            after = values[b] if b < len(values) else before
            values[a:b] = np.linspace(before, after, b - a + 2)[1:-1]
    values = values[start:]
    need = min_days * season_of(step) if step < DAY else min_days * 7
    if values.size < need:
        raise InsufficientData(
            f"a forecast needs at least {need} buckets of {step} ({min_days} "
            f"{'days' if step < DAY else 'weeks'}) without a long gap, got {values.size}; "
            "pick a longer range or another entity"
        )
    if filled:
        notes.append(f"{filled} missing bucket(s) in short gaps were filled.")
    out = pl.DataFrame({"time": joined["time"][start:], "value": values})
    return Prepared(frame=out, step=step, filled=filled, notes=tuple(notes))


def local_days(hourly: pl.DataFrame, *, tz: str, kind: Kind) -> pl.DataFrame:
    """Return ``time, value`` per local day of ``tz`` (start in UTC) from hourly rows.

    A meter's increase is summed (a 23-hour DST day really uses less), a mean is averaged;
    the last day is dropped while it is still incomplete.
    """
    clean = _as_utc(hourly)
    day = pl.col("time").dt.convert_time_zone(tz).dt.truncate("1d")
    agg = pl.col("value").sum() if kind == "increase" else pl.col("value").mean()
    days = (
        clean.group_by(day.alias("day"))
        .agg(agg, pl.len().alias("_hours"))
        .sort("day")
        .with_columns(
            ((pl.col("day").dt.offset_by("1d") - pl.col("day")).dt.total_hours()).alias("_len")
        )
    )
    if days.height and days["_hours"][-1] < days["_len"][-1]:
        days = days.head(days.height - 1)
    return days.select(pl.col("day").dt.convert_time_zone("UTC").alias("time"), "value")


def calendar(times: pl.Series, *, tz: str, step: timedelta) -> Floats:
    """Return calendar features per time: local hour one-hot and weekend (weekday for 1d)."""
    local = times.dt.convert_time_zone(tz)
    if step >= DAY:
        weekday = local.dt.weekday().to_numpy()
        return np.asarray(np.eye(7)[weekday - 1], dtype=np.float64)
    hour = local.dt.hour().to_numpy()
    weekend = (local.dt.weekday().to_numpy() >= 6).astype(np.float64)
    return np.column_stack([np.eye(24)[hour], weekend]).astype(np.float64)
