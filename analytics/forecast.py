"""Forecasts of a bucketed series, always judged against the seasonal naive forecast.

Every model of :data:`analytics.forecast_models.MODELS` is backtested on the recent days
(:mod:`analytics.backtest`); the one with the lowest MASE is drawn, and when none beats the
previous day repeated, the result says so and the naive forecast is drawn. A home's load
is a daily rhythm plus weather and habits: the naive forecast is hard to beat, so a model
earns its place by its backtest, not by its sophistication.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from analytics.backtest import BACKTEST_DAYS, ModelScore, best_model, run_backtest
from analytics.errors import InsufficientData
from analytics.forecast_models import (
    BASELINE,
    MODELS,
    ModelSpec,
    SeriesContext,
    daily_mean_temperature,
    fit_regression,
    regression_setup,
)
from analytics.series import DAY, Prepared, calendar, season_of

Floats = npt.NDArray[np.float64]

MAX_TEMPERATURE_MISSING: Final[float] = 0.2  # beyond this share the covariate is left out
HISTORY_DAYS: Final[int] = 14  # history drawn before the forecast


@dataclass(frozen=True, slots=True, kw_only=True)
class Driver:
    """One input of the regression model and its fitted effect on the forecast value."""

    name: str
    effect: float
    per: str  # what one unit of the input is, e.g. "°C of the past day's mean"


@dataclass(frozen=True, slots=True, kw_only=True)
class ForecastResult:
    """The drawn forecast, the backtest behind it and every model's score."""

    step: timedelta
    horizon: int  # buckets
    model: str  # key of the drawn model
    model_name: str
    beats_baseline: bool
    scores: tuple[ModelScore, ...]  # every model, baseline first
    baseline: ModelScore
    history: pl.DataFrame  # time, value: the recent actuals
    forecast: pl.DataFrame  # time, value, low, high (80 % band)
    backtest: pl.DataFrame  # time, actual, value (drawn model), baseline, per scored origin
    drivers: tuple[Driver, ...]
    notes: tuple[str, ...]


def align_covariate(prepared: Prepared, covariate: pl.DataFrame | None) -> Floats | None:
    """Return ``covariate`` (``time, value``) on the series' grid, or None when too sparse."""
    if covariate is None or covariate.height == 0:
        return None
    width = f"{int(prepared.step.total_seconds())}s"
    means = (
        covariate.select(
            pl.col("time").dt.convert_time_zone("UTC").dt.cast_time_unit("us"),
            pl.col("value").cast(pl.Float64),
        )
        .drop_nulls()
        .group_by(pl.col("time").dt.truncate(width))
        .agg(pl.col("value").mean())
    )
    joined = prepared.frame.select("time").join(means, on="time", how="left")["value"]
    if joined.null_count() > MAX_TEMPERATURE_MISSING * joined.len():
        return None
    filled = joined.interpolate().fill_null(strategy="forward").fill_null(strategy="backward")
    return filled.to_numpy().astype(np.float64)


def _context(
    prepared: Prepared, horizon: int, tz: str, temperature: Floats | None
) -> SeriesContext:
    times = prepared.frame["time"]
    future = pl.datetime_range(
        times[-1] + prepared.step,
        times[-1] + prepared.step * horizon,
        interval=f"{int(prepared.step.total_seconds())}s",
        eager=True,
        time_zone="UTC",
        time_unit="us",
    )
    times_all = pl.concat([times, future]).alias("time")
    season = season_of(prepared.step)
    return SeriesContext(
        times=times_all,
        index=times_all.dt.replace_time_zone(None).to_numpy(),
        values=prepared.values,
        step=prepared.step,
        season=season,
        tz=tz,
        temperature=None if temperature is None else daily_mean_temperature(temperature, season),
        calendar=calendar(times_all, tz=tz, step=prepared.step),
    )


def _drivers(ctx: SeriesContext, horizon: int) -> tuple[Driver, ...]:
    fitted_end, model = ctx.fitted.get(("regression", horizon), (-1, None))
    if model is None or fitted_end != ctx.values.size:
        model, _ = fit_regression(ctx, ctx.values.size, horizon)
        ctx.fitted[("regression", horizon)] = (ctx.values.size, model)
    setup = regression_setup(ctx, horizon)
    coef = np.asarray(model.model.coef_, dtype=np.float64).ravel()
    rows = [
        Driver(name=f"value {name} ({offset} buckets back)", effect=float(c), per="x that value")
        for name, offset, c in zip(setup.names, setup.offsets, coef, strict=False)
    ]
    position = len(setup.lags)
    if ctx.temperature is not None:
        per_day = ctx.season if ctx.step < DAY else 1
        rows.append(
            Driver(
                name="outdoor temperature, mean of the past day",
                effect=float(coef[position]) * per_day,
                per="per °C of the past day's mean, summed over a day",
            )
        )
        position += 1
    if ctx.step < DAY:
        weekend = coef[position + 24] if coef.size > position + 24 else 0.0
        rows.append(Driver(name="weekend", effect=float(weekend), per="per bucket on weekends"))
    return tuple(rows)


def _constant(prepared: Prepared, ctx: SeriesContext, horizon: int) -> ForecastResult:
    level = float(prepared.values[-1])
    times = ctx.times[ctx.values.size :]
    flat = pl.DataFrame({"time": times, "value": [level] * horizon})
    score = ModelScore(
        key=BASELINE.key, name=BASELINE.name, mae=0.0, mase=1.0, coverage=1.0, half_width=0.0
    )
    return ForecastResult(
        step=prepared.step,
        horizon=horizon,
        model=BASELINE.key,
        model_name=BASELINE.name,
        beats_baseline=False,
        scores=(score,),
        baseline=score,
        history=prepared.frame.tail(HISTORY_DAYS * ctx.season),
        forecast=flat.with_columns(low=pl.col("value"), high=pl.col("value")),
        backtest=pl.DataFrame(
            schema={"time": pl.Datetime("us", "UTC"), "actual": pl.Float64, "value": pl.Float64}
        ),
        drivers=(),
        notes=(
            *prepared.notes,
            f"The series is constant at {level:g}; every model forecasts that value.",
        ),
    )


def forecast(
    prepared: Prepared,
    *,
    horizon: int,
    tz: str,
    temperature: pl.DataFrame | None = None,
    models: Sequence[ModelSpec] = MODELS,
    backtest_days: int = BACKTEST_DAYS,
) -> ForecastResult:
    """Return the backtested forecast of the next ``horizon`` buckets of ``prepared``.

    ``temperature`` (``time, value``, outdoor °C) is the regression's covariate when given.
    Raises InsufficientData when not even the seasonal naive can be backtested.
    """
    if horizon <= 0:
        raise InsufficientData(f"horizon {horizon} must be at least one bucket")
    notes = list(prepared.notes)
    aligned = align_covariate(prepared, temperature)
    if temperature is not None and aligned is None:
        notes.append("The outdoor temperature has too many gaps here; it is not used.")
    ctx = _context(prepared, horizon, tz, aligned)
    if float(np.ptp(ctx.values)) == 0.0:
        return _constant(prepared, ctx, horizon)
    if BASELINE not in models:
        models = (BASELINE, *models)
    from threadpoolctl import threadpool_limits

    # tiny least-squares problems: BLAS threads only fight over the cores (2 on the target)
    with threadpool_limits(limits=1):
        bt = run_backtest(ctx, horizon, models, days=backtest_days)
    notes.extend(bt.notes)
    if not bt.origins or BASELINE.key not in bt.predictions:
        raise InsufficientData(
            f"too little history to backtest a {horizon}-bucket forecast: "
            f"{ctx.values.size} buckets of {prepared.step}; pick a longer range"
        )
    chosen, beats = best_model(bt)
    spec = next(m for m in models if m.key == chosen)
    if not beats:
        notes.append(
            "No model beat the seasonal naive forecast (the previous day) on the backtest, "
            "so the naive forecast is drawn."
        )
    with threadpool_limits(limits=1):
        values = spec.predict(ctx, ctx.values.size, horizon)
    half = bt.scores[chosen].half_width or 0.0
    future = ctx.times[ctx.values.size :]
    frame = pl.DataFrame({"time": future, "value": values}).with_columns(
        low=pl.col("value") - half, high=pl.col("value") + half
    )
    drivers: tuple[Driver, ...] = ()
    if any(m.key == "regression" for m in models) and not bt.scores["regression"].error:
        with threadpool_limits(limits=1):
            drivers = _drivers(ctx, horizon)
    scores = tuple(bt.scores[m.key] for m in models if m.key in bt.scores)
    return ForecastResult(
        step=prepared.step,
        horizon=horizon,
        model=chosen,
        model_name=spec.name,
        beats_baseline=beats,
        scores=scores,
        baseline=bt.scores[BASELINE.key],
        history=prepared.frame.tail(HISTORY_DAYS * ctx.season),
        forecast=frame,
        backtest=_backtest_frame(ctx, bt.origins, horizon, bt.predictions, chosen),
        drivers=drivers,
        notes=tuple(notes),
    )


def _backtest_frame(
    ctx: SeriesContext,
    origins: tuple[int, ...],
    horizon: int,
    predictions: dict[str, list[Floats]],
    chosen: str,
) -> pl.DataFrame:
    """Return ``time, actual, value, baseline`` of the drawn model's day-ahead backtest."""
    stride = ctx.season
    rows_time, rows_actual, rows_value, rows_base = [], [], [], []
    for i, origin in enumerate(origins):
        take = min(stride, horizon)  # the first day of each window: windows tile the span
        rows_time.extend(ctx.times[origin : origin + take].to_list())
        rows_actual.extend(ctx.values[origin : origin + take].tolist())
        rows_value.extend(predictions[chosen][i][:take].tolist())
        rows_base.extend(predictions[BASELINE.key][i][:take].tolist())
    return pl.DataFrame(
        {"time": rows_time, "actual": rows_actual, "value": rows_value, "baseline": rows_base},
        schema={
            "time": pl.Datetime("us", "UTC"),
            "actual": pl.Float64,
            "value": pl.Float64,
            "baseline": pl.Float64,
        },
    )
