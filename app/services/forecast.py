"""What the Forecast page, the Energy page and the kiosk show: backtested forecasts.

The work is in homeiq.forecasting (shared with ``homeiq forecast``); here it is cached per
store, entity, bucket and horizon, so a page rerun does not refit darts models. darts is
imported only when a forecast is first computed, never when this module is imported.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Final

import polars as pl

from analytics.errors import InsufficientData
from app.services.cache import cached
from app.services.context import ServiceError, Services
from app.services.roles import role_map
from homeiq import forecasting
from homeiq.forecasting import EntityForecast, ExpectedToday, ForecastInputError
from storage.errors import StoreError

BUCKETS: Final[tuple[str, ...]] = forecasting.BUCKETS
HORIZONS: Final[tuple[str, ...]] = forecasting.HORIZONS
FORECAST_TTL_S: Final[int] = 900  # a new hour of data is worth a refit; a rerun is not

__all__ = [
    "BUCKETS",
    "HORIZONS",
    "PENDING",
    "EntityForecast",
    "ExpectedToday",
    "ForecastProblem",
    "default_entity",
    "entity_forecast",
    "expected_today",
    "forecastable_entities",
]


class ForecastProblem(ServiceError):
    """The series cannot be forecast (too short, gaps, not numeric); the page shows why."""


@cached(ttl=300, show_spinner=False)
def forecastable_entities(svc: Services) -> pl.DataFrame:
    """Return ``entity_id, unit, area, domain`` of numeric entities, meters first."""
    try:
        frame = svc.store.entities()
    except StoreError as err:
        raise ServiceError(f"Listing entities failed: {err}") from err
    meters = pl.col("unit").is_in(list(forecasting.ENERGY_UNITS))
    return (
        frame.filter(pl.col("unit").is_not_null())
        .sort([meters, pl.col("entity_id")], descending=[True, False])
        .select("entity_id", "unit", "area", "domain")
    )


@cached(ttl=300, show_spinner=False)
def default_entity(svc: Services) -> str | None:
    """Return the series the Forecast page opens with: the main energy meter."""
    try:
        return role_map(svc).entity("main_energy_meter")
    except StoreError as err:
        raise ServiceError(f"Finding the energy meter failed: {err}") from err


@cached(ttl=FORECAST_TTL_S, show_spinner="Backtesting forecast models…")
def entity_forecast(svc: Services, entity_id: str, bucket: str, horizon: str) -> EntityForecast:
    """Return the backtested forecast of ``entity_id``; ForecastProblem says why not."""
    try:
        return forecasting.forecast_entity(
            svc.store,
            entity_id,
            bucket=bucket,
            horizon=horizon,
            tz=svc.timezone,
            temperature_entity=role_map(svc).entity("outdoor_temperature"),
        )
    except (ForecastInputError, InsufficientData) as err:
        raise ForecastProblem(f"{entity_id} cannot be forecast: {err}") from None
    except StoreError as err:
        raise ServiceError(f"Reading {entity_id} failed: {err}") from err


# Today's expected kWh fits darts models (seconds): the Energy page must not wait for it, so
# it is computed in the background once an hour per store and shown once ready.
_BACKGROUND = ThreadPoolExecutor(max_workers=1, thread_name_prefix="expected-today")
_JOBS: dict[tuple[str, str], Future[ExpectedToday | None]] = {}
_JOBS_LOCK = threading.Lock()
PENDING: Final[str] = "pending"


def _expected_today(svc: Services) -> ExpectedToday | None:
    tz = svc.timezone
    try:
        roles = role_map(svc)
        expected = forecasting.expected_today(
            svc.store,
            meter=roles.entity("main_energy_meter"),
            tz=tz,
            temperature_entity=roles.entity("outdoor_temperature"),
        )
        if expected is not None and svc.metadata is not None:
            forecasting.remember_expected_today(svc.metadata, expected, tz=tz)
    except (ForecastInputError, InsufficientData):
        return None
    except StoreError as err:
        raise ServiceError(f"Forecasting today's energy failed: {err}") from err
    return expected


def expected_today(svc: Services) -> ExpectedToday | str | None:
    """Return today's expected kWh of the main meter, None, or PENDING while it is computed.

    The answer is also stored in the metadata database, where the kiosk reads it.
    """
    key = (svc.key, this_hour())
    with _JOBS_LOCK:
        job = _JOBS.get(key)
        if job is None:
            for old in [k for k in _JOBS if k[0] == svc.key]:
                del _JOBS[old]
            job = _JOBS[key] = _BACKGROUND.submit(_expected_today, svc)
    if not job.done():
        return PENDING
    return job.result()


def this_hour() -> str:
    """Return the current UTC hour as text, the cache key of hourly-fresh answers."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H")
