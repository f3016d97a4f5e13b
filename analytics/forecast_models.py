"""The forecast models, as rows: two seasonal naive baselines and three darts models.

Every model answers the same question: given the history up to an origin, what are the
next ``horizon`` buckets? darts is imported inside the functions that use it: its import
costs seconds and the kiosk, the CLI's other commands and the baselines never need it.
darts is used only with its statistical and scikit-learn models, so torch is never needed.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt
import polars as pl

from analytics.series import DAY

if TYPE_CHECKING:
    from darts import TimeSeries

Floats = npt.NDArray[np.float64]

# Statistical models see at most this many days: older data adds fitting time, not skill.
LOCAL_WINDOW_DAYS: Final[int] = 28
REGRESSION_WINDOW_DAYS: Final[int] = 90
# A fitted regression forecasts from later origins too (it reads the lags it is given), so
# the backtest retrains it weekly; the statistical models carry no state across origins
# and are refitted at every origin.
RETRAIN_DAYS: Final[int] = 7


@dataclass(frozen=True, slots=True, kw_only=True)
class SeriesContext:
    """Everything a model may use: the full grid's times, values and covariates."""

    times: pl.Series  # UTC bucket starts of the history, then the horizon after it
    index: npt.NDArray[np.datetime64]  # the same as naive UTC datetime64 (darts' index)
    values: Floats  # the history (len(times) - horizon values)
    step: timedelta
    season: int  # buckets per day (1 for daily data)
    tz: str
    temperature: Floats | None  # past day's mean outdoor temperature per history bucket
    calendar: Floats  # calendar features per bucket of ``times`` (analytics.series.calendar)
    fitted: dict[tuple[str, int], tuple[int, Any]] = field(default_factory=dict)

    @property
    def period(self) -> int:
        """Return the seasonal period: a day for sub-daily data, a week for daily data."""
        return self.season if self.step < DAY else 7


Predict = Callable[[SeriesContext, int, int], Floats]


def load_libraries() -> None:
    """Import darts and the libraries its models fit with, ahead of the first forecast."""
    import darts.models  # noqa: F401
    import sklearn.linear_model  # noqa: F401
    import statsmodels.tsa.holtwinters  # noqa: F401


def _repeat(history: Floats, lag: int, horizon: int) -> Floats:
    # y[t] = y[t - k * lag] with k the smallest whole number of lags reaching into history
    last = history[history.size - lag :]
    return np.asarray(np.resize(last, horizon), dtype=np.float64)


def naive_day(ctx: SeriesContext, end: int, horizon: int) -> Floats:
    """Return the previous day repeated (the last value, for daily buckets)."""
    return _repeat(ctx.values[:end], ctx.season, horizon)


def naive_week(ctx: SeriesContext, end: int, horizon: int) -> Floats:
    """Return the same bucket one week earlier, repeated."""
    return _repeat(ctx.values[:end], 7 * ctx.season, horizon)


def _darts_series(index: npt.NDArray[np.datetime64], values: Floats) -> TimeSeries:
    import pandas as pd
    from darts import TimeSeries

    return TimeSeries.from_times_and_values(
        pd.DatetimeIndex(index), values.reshape(len(values), -1)
    )


def _window(ctx: SeriesContext, end: int, days: int) -> int:
    return max(0, end - days * ctx.season)


def _fit_predict(model: Any, series: TimeSeries, horizon: int) -> Floats:
    # statsmodels warns about convergence on short or flat windows; the backtest judges it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(series)
        return np.asarray(model.predict(horizon).values().ravel(), dtype=np.float64)


def ets(ctx: SeriesContext, end: int, horizon: int) -> Floats:
    """Return darts ExponentialSmoothing (additive daily season, no trend) forecasts."""
    from darts.models import ExponentialSmoothing
    from darts.utils.utils import ModelMode, SeasonalityMode

    start = _window(ctx, end, LOCAL_WINDOW_DAYS)
    series = _darts_series(ctx.index[start:end], ctx.values[start:end])
    model = ExponentialSmoothing(
        trend=ModelMode.NONE,
        seasonal=SeasonalityMode.ADDITIVE,
        seasonal_periods=ctx.period,
        # initial level and season from the first periods, not optimised: 10x faster fits
        kwargs={"initialization_method": "heuristic"},
    )
    return _fit_predict(model, series, horizon)


def theta(ctx: SeriesContext, end: int, horizon: int) -> Floats:
    """Return darts Theta forecasts (additive seasonal decomposition, theta 2)."""
    from darts.models import Theta
    from darts.utils.utils import SeasonalityMode

    start = _window(ctx, end, LOCAL_WINDOW_DAYS)
    series = _darts_series(ctx.index[start:end], ctx.values[start:end])
    model = Theta(theta=2, seasonality_period=ctx.period, season_mode=SeasonalityMode.ADDITIVE)
    return _fit_predict(model, series, horizon)


@dataclass(frozen=True, slots=True, kw_only=True)
class RegressionSetup:
    """The lagged features of the regression for one horizon, with readable names."""

    offsets: tuple[int, ...]  # y[t - offset] for each, all >= horizon (known at the origin)
    lags: tuple[int, ...]  # the same as darts lags (relative to its shifted window)
    names: tuple[str, ...]


def regression_setup(ctx: SeriesContext, horizon: int) -> RegressionSetup:
    """Return the target lags a regression forecasting ``horizon`` buckets ahead may use.

    Lags are the most recent value known at the origin, the same time on the most recent
    day known, and the same time a week earlier (when a week is at least the horizon).
    """
    day = ctx.season if ctx.step < DAY else 1
    same_day = day * -(-horizon // day)
    wanted = {horizon: "latest known value", same_day: "same time, latest known day"}
    week = 7 * day
    if week >= horizon:
        wanted.setdefault(week, "same time last week")
    offsets = tuple(sorted(wanted))
    # darts, one model for all steps (multi_models=False), shifts lags by horizon - 1
    lags = tuple(-(k - horizon + 1) for k in offsets)
    return RegressionSetup(offsets=offsets, lags=lags, names=tuple(wanted[k] for k in offsets))


def daily_mean_temperature(temperature: Floats, season: int) -> Floats:
    """Return the trailing one-day mean of the outdoor temperature per bucket."""
    frame = pl.Series(temperature).rolling_mean(max(1, season), min_samples=1)
    return frame.to_numpy().astype(np.float64)


def fit_regression(ctx: SeriesContext, end: int, horizon: int) -> tuple[Any, RegressionSetup]:
    """Return a fitted darts LinearRegressionModel on the history up to ``end`` and its lags."""
    from darts.models import LinearRegressionModel

    setup = regression_setup(ctx, horizon)
    start = _window(ctx, end, REGRESSION_WINDOW_DAYS)
    series = _darts_series(ctx.index[start:end], ctx.values[start:end])
    future = _darts_series(ctx.index, ctx.calendar)
    kwargs: dict[str, Any] = {}
    temperature = ctx.temperature
    if temperature is not None:
        kwargs["past_covariates"] = _darts_series(ctx.index[:end], temperature[:end])
    model = LinearRegressionModel(
        lags=list(setup.lags),
        lags_past_covariates=[-1] if temperature is not None else None,
        # the calendar of the target bucket itself (darts shifts by horizon - 1, see above)
        lags_future_covariates=[horizon - 1],
        output_chunk_length=horizon,
        multi_models=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(series, future_covariates=future, **kwargs)
    return model, setup


def regression(ctx: SeriesContext, end: int, horizon: int) -> Floats:
    """Return darts LinearRegressionModel forecasts on lags, calendar and temperature."""
    fitted_end, model = ctx.fitted.get(("regression", horizon), (-1, None))
    stale = fitted_end < 0 or end - fitted_end >= RETRAIN_DAYS * ctx.season or end < fitted_end
    if model is None or stale or end == ctx.values.size:
        model, _ = fit_regression(ctx, end, horizon)
        ctx.fitted[("regression", horizon)] = (end, model)
    start = _window(ctx, end, REGRESSION_WINDOW_DAYS)
    series = _darts_series(ctx.index[start:end], ctx.values[start:end])
    future = _darts_series(ctx.index, ctx.calendar)
    kwargs: dict[str, Any] = {}
    temperature = ctx.temperature
    if temperature is not None:
        kwargs["past_covariates"] = _darts_series(ctx.index[:end], temperature[:end])
    predicted = model.predict(horizon, series=series, future_covariates=future, **kwargs)
    return np.asarray(predicted.values().ravel(), dtype=np.float64)


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelSpec:
    """One forecast model: its id, the name people read, and how it predicts."""

    key: str
    name: str
    predict: Predict
    baseline: bool = False
    min_periods: int = 2  # seasonal periods (days, or weeks for daily data) it needs

    def needs(self, ctx: SeriesContext) -> int:
        """Return how many buckets of history this model needs before an origin."""
        if self.key == "naive_day":
            return ctx.season
        if self.key == "naive_week":
            return 7 * ctx.season
        return self.min_periods * ctx.period


MODELS: Final[tuple[ModelSpec, ...]] = (
    ModelSpec(key="naive_day", name="Seasonal naive (previous day)", predict=naive_day,
              baseline=True),
    ModelSpec(key="naive_week", name="Seasonal naive (same hour last week)", predict=naive_week),
    ModelSpec(key="ets", name="Exponential smoothing (darts)", predict=ets, min_periods=3),
    ModelSpec(key="theta", name="Theta (darts)", predict=theta, min_periods=3),
    ModelSpec(key="regression", name="Linear regression on lags, calendar, temperature (darts)",
              predict=regression, min_periods=8),
)  # fmt: skip
BASELINE: Final[ModelSpec] = MODELS[0]
