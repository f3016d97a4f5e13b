"""Rolling-origin backtest: every model forecasts the recent days it did not see.

Origins are one day apart over the last ``days`` days; at each one a model is refitted on
the history before it and forecasts ``horizon`` buckets, which are compared with what
happened. MAE is in the series' unit; MASE divides it by the MAE of the seasonal naive
forecast (the previous day) on the same windows, so below 1 means better than naive.

The 80 % band is split-conformal: at each origin its half-width is the 80th percentile of
the absolute errors the model made at the origins before it (calibration days first), so
the coverage reported is of bands built without seeing the actuals they are judged on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

from analytics.forecast_models import BASELINE, ModelSpec, SeriesContext

Floats = npt.NDArray[np.float64]

BACKTEST_DAYS: Final[int] = 14
CALIBRATION_DAYS: Final[int] = 5  # origins before the scored ones, only to size the band
BAND: Final[float] = 0.8
MIN_CALIBRATION: Final[int] = 2  # origins of errors before a band is drawn and scored

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelScore:
    """How one model did on the backtest; ``error`` says why it has no score."""

    key: str
    name: str
    mae: float | None = None
    mase: float | None = None
    coverage: float | None = None
    origins: int = 0
    seconds: float = 0.0
    half_width: float | None = None  # of the 80 % band, from all its backtest errors
    error: str | None = None


@dataclass(slots=True, kw_only=True)
class Backtest:
    """Scores per model, and each model's forecasts at the scored origins."""

    origins: tuple[int, ...]  # history lengths at the scored origins
    scores: dict[str, ModelScore]
    predictions: dict[str, list[Floats]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def plan_origins(
    ctx: SeriesContext, horizon: int, *, need: int, days: int = BACKTEST_DAYS
) -> tuple[list[int], list[int], list[str]]:
    """Return calibration origins, scored origins (history lengths) and notes on shortening."""
    n = ctx.values.size
    stride = ctx.season  # one day of buckets
    notes: list[str] = []
    first_scored = n - days * stride
    scored = [o for o in range(first_scored, n - horizon + 1, stride) if o >= need]
    if len(scored) < days - (horizon - 1) // stride:
        notes.append(
            f"The backtest covers {len(scored)} origin(s), not {days} days: the series is "
            "too short for more."
        )
    first = scored[0] if scored else n - horizon
    calibration = [o for o in range(first - CALIBRATION_DAYS * stride, first, stride) if o >= need]
    return calibration, scored, notes


def _score_model(
    spec: ModelSpec, ctx: SeriesContext, horizon: int, calibration: list[int], scored: list[int]
) -> tuple[list[Floats], Floats, float]:
    """Return the forecasts at scored origins, all absolute errors, and the coverage."""
    errors: list[Floats] = []
    predictions: list[Floats] = []
    inside: list[Floats] = []
    for origin in [*calibration, *scored]:
        predicted = spec.predict(ctx, origin, horizon)
        actual = ctx.values[origin : origin + horizon]
        error = np.abs(actual - predicted[: actual.size])
        if not np.all(np.isfinite(error)):
            raise ValueError(f"non-finite forecast at origin {origin}")
        if origin in scored:
            predictions.append(predicted)
            if len(errors) >= MIN_CALIBRATION:
                half = float(np.quantile(np.concatenate(errors), BAND))
                inside.append((error <= half).astype(np.float64))
        errors.append(error)
    coverage = float(np.concatenate(inside).mean()) if inside else float("nan")
    return predictions, np.concatenate(errors), coverage


def run_backtest(
    ctx: SeriesContext, horizon: int, models: Sequence[ModelSpec], *, days: int = BACKTEST_DAYS
) -> Backtest:
    """Return every model's backtest scores; a model that cannot run gets an ``error``."""
    need = max(BASELINE.needs(ctx), 1)
    calibration, scored, notes = plan_origins(ctx, horizon, need=need, days=days)
    result = Backtest(origins=tuple(scored), scores={}, notes=notes)
    if not scored:
        return result
    baseline_mae: float | None = None
    for spec in sorted(models, key=lambda m: not m.baseline):
        own_calibration = [o for o in calibration if o >= spec.needs(ctx)]
        own_scored = [o for o in scored if o >= spec.needs(ctx)]
        if len(own_scored) < len(scored):
            result.scores[spec.key] = ModelScore(
                key=spec.key,
                name=spec.name,
                error=f"needs {spec.needs(ctx)} buckets of history before each backtest origin",
            )
            continue
        began = time.perf_counter()
        try:
            predictions, errors, coverage = _score_model(
                spec, ctx, horizon, own_calibration, own_scored
            )
        except Exception as err:
            _log.warning("forecast model %s failed: %s", spec.key, err)
            result.scores[spec.key] = ModelScore(
                key=spec.key, name=spec.name, error=f"{type(err).__name__}: {err}"[:200]
            )
            continue
        tail = errors[len(own_calibration) * horizon :]
        mae = float(tail.mean())
        if spec.baseline:
            baseline_mae = mae
        mase = mae / baseline_mae if baseline_mae else None
        result.scores[spec.key] = ModelScore(
            key=spec.key,
            name=spec.name,
            mae=mae,
            mase=mase if baseline_mae else (1.0 if mae == 0 else None),
            coverage=None if np.isnan(coverage) else coverage,
            origins=len(own_scored),
            seconds=time.perf_counter() - began,
            half_width=float(np.quantile(errors, BAND)),
        )
        result.predictions[spec.key] = predictions
    return result


def best_model(backtest: Backtest) -> tuple[str, bool]:
    """Return the key of the model to draw and whether it beats the seasonal naive."""
    scored = [s for s in backtest.scores.values() if s.mase is not None and not s.error]
    challengers = [s for s in scored if s.key != BASELINE.key]
    if not challengers:
        return BASELINE.key, False
    best = min(challengers, key=lambda s: (s.mase, s.mae))
    if best.mase is not None and best.mase < 1.0:
        return best.key, True
    return BASELINE.key, False
