"""Forecast one entity of the store: its series, its covariate, the backtested forecast.

Shared by ``homeiq forecast``, the Forecast and Energy pages and the kiosk, so all of them
show the same numbers. darts is imported only when a forecast is computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import polars as pl

from analytics.errors import InsufficientData
from analytics.forecast import ForecastResult, forecast
from analytics.series import Kind, local_days, prepare
from storage.errors import InvalidQuery
from storage.metadata import MetadataStore
from storage.metadata.anomaly_runs import EXPECTED_TODAY
from storage.protocol import TimeSeriesStore, parse_bucket

BUCKETS: Final[tuple[str, ...]] = ("15m", "1h", "1d")
HORIZONS: Final[tuple[str, ...]] = ("24h", "48h", "7d")
HISTORY: Final[timedelta] = timedelta(days=90)
ENERGY_UNITS: Final[dict[str, float]] = {"kWh": 1.0, "Wh": 0.001, "MWh": 1000.0}
STALE: Final[timedelta] = timedelta(hours=2)  # older meter data cannot say what today uses


class ForecastInputError(ValueError):
    """The entity, bucket or horizon cannot be forecast; the message says why and what to do."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EntityForecast:
    """A forecast of one entity with what was forecast: kind, unit, covariate."""

    entity_id: str
    bucket: str
    horizon: str
    kind: Kind  # "increase" for meters (per-bucket use), "mean" otherwise
    unit: str
    temperature_entity: str | None
    result: ForecastResult
    notes: tuple[str, ...] = ()


def temperature_covariate(store: TimeSeriesStore, role_entity: str | None) -> str | None:
    """Return the outdoor temperature role's entity when it is a numeric series, else None.

    The role may name a ``weather.*`` entity (its temperature lives in an attribute); such an
    entity has no numeric values to lag, so the regression model then runs without it.
    """
    if role_entity is None or not role_entity.startswith("sensor."):
        return None
    known = store.entities().filter(pl.col("entity_id") == role_entity)
    return role_entity if known.height else None


def _steps(bucket: str, horizon: str) -> tuple[timedelta, int]:
    if bucket not in BUCKETS:
        raise ForecastInputError(
            f"bucket {bucket!r} is not offered; use one of {', '.join(BUCKETS)}"
        )
    try:
        step, span = parse_bucket(bucket), parse_bucket(horizon)
    except InvalidQuery as err:
        raise ForecastInputError(f"horizon {horizon!r}: {err}") from None
    if span < step or span % step:
        raise ForecastInputError(
            f"horizon {horizon} is not a whole number of {bucket} buckets; use e.g. "
            f"{', '.join(HORIZONS)}"
        )
    return step, span // step


def _bucket_start(moment: datetime, step: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return epoch + ((moment - epoch) // step) * step


def entity_series(
    store: TimeSeriesStore, entity_id: str, *, step: timedelta, tz: str, end: datetime
) -> tuple[pl.DataFrame, Kind, str]:
    """Return ``time, value`` per whole bucket before ``end``, the series kind and its unit."""
    info = store.entities().filter(pl.col("entity_id") == entity_id)
    if info.height == 0:
        raise ForecastInputError(
            f"entity {entity_id!r} is not in the store; `homeiq store entities` lists them"
        )
    unit = info["unit"][0] or ""
    kind: Kind = "increase" if unit in ENERGY_UNITS else "mean"
    daily = step >= timedelta(days=1)
    width = "1h" if daily else f"{int(step.total_seconds() // 60)}m"
    frame = store.aggregate([entity_id], end - HISTORY, end, width, kind)
    frame = frame.select("time", "value")
    if daily:
        frame = local_days(frame, tz=tz, kind=kind)
    else:
        # the bucket still filling up would look like a sudden drop
        frame = frame.filter(pl.col("time") + step <= end)
    return frame, kind, unit


def forecast_entity(
    store: TimeSeriesStore,
    entity_id: str,
    *,
    bucket: str = "1h",
    horizon: str = "24h",
    tz: str = "UTC",
    now: datetime | None = None,
    temperature_entity: str | None = None,
) -> EntityForecast:
    """Return the backtested forecast of ``entity_id`` (ForecastInputError, InsufficientData).

    ``temperature_entity`` is the outdoor temperature role's entity (a covariate when numeric).
    """
    step, steps = _steps(bucket, horizon)
    end = (now or datetime.now(UTC)).astimezone(UTC)
    notes: list[str] = []
    info = store.entities().filter(pl.col("entity_id") == entity_id)
    last_seen = info["last_seen"][0] if info.height else None
    if isinstance(last_seen, datetime) and last_seen + step < end:
        # an entity that stopped reporting is forecast from its last data, and says so
        end = _bucket_start(last_seen, step) + step
        notes.append(
            f"{entity_id} last reported at {last_seen:%Y-%m-%d %H:%M} UTC; "
            "the forecast starts after its last data."
        )
    series, kind, unit = entity_series(store, entity_id, step=step, tz=tz, end=end)
    temperature_id = temperature_covariate(store, temperature_entity)
    temperature = None
    if temperature_id and temperature_id != entity_id:
        width = "1h" if step >= timedelta(hours=1) else f"{int(step.total_seconds() // 60)}m"
        frame = store.aggregate([temperature_id], end - HISTORY, end, width, "mean")
        temperature = frame.select("time", "value")
        if step >= timedelta(days=1):
            temperature = local_days(temperature, tz=tz, kind="mean")
    prepared = prepare(series, step=step, kind=kind)
    result = forecast(prepared, horizon=steps, tz=tz, temperature=temperature)
    return EntityForecast(
        entity_id=entity_id,
        bucket=bucket,
        horizon=horizon,
        kind=kind,
        unit=unit,
        temperature_entity=temperature_id if temperature is not None else None,
        result=result,
        notes=tuple(notes),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ExpectedToday:
    """Today's expected use of the main meter: measured so far plus forecast for the rest."""

    entity_id: str
    so_far: float
    rest: float
    model_name: str
    beats_baseline: bool

    @property
    def total(self) -> float:
        """Return the expected total of the whole local day."""
        return self.so_far + self.rest


def expected_today(
    store: TimeSeriesStore,
    *,
    meter: str | None,
    tz: str,
    now: datetime | None = None,
    temperature_entity: str | None = None,
) -> ExpectedToday | None:
    """Return today's expected kWh of ``meter`` (the main meter role), None without a meter."""
    end = (now or datetime.now(UTC)).astimezone(UTC)
    if meter is None:
        return None
    seen = store.entities().filter(pl.col("entity_id") == meter)["last_seen"]
    if seen.len() == 0 or seen[0] is None or seen[0] < end - STALE:
        return None  # a meter that stopped reporting says nothing about today
    hour_end = end.replace(minute=0, second=0, microsecond=0)
    result = forecast_entity(
        store,
        meter,
        bucket="1h",
        horizon="24h",
        tz=tz,
        now=hour_end,
        temperature_entity=temperature_entity,
    )
    zone = ZoneInfo(tz)
    midnight = datetime.combine(end.astimezone(zone).date(), time.min, tzinfo=zone)
    tomorrow = (midnight + timedelta(days=1)).astimezone(UTC)  # wall-clock day: 23-25 h
    factor = ENERGY_UNITS.get(result.unit, 1.0)
    measured = store.aggregate([meter], midnight.astimezone(UTC), hour_end, "1h", "increase")
    so_far = float(measured["value"].sum()) * factor if measured.height else 0.0
    rest = result.result.forecast.filter(pl.col("time") < tomorrow)["value"].clip(0).sum()
    return ExpectedToday(
        entity_id=meter,
        so_far=so_far,
        rest=float(rest) * factor,
        model_name=result.result.model_name,
        beats_baseline=result.result.beats_baseline,
    )


def remember_expected_today(
    metadata: MetadataStore, expected: ExpectedToday, *, tz: str, now: datetime | None = None
) -> None:
    """Store today's expected kWh for processes that do not forecast (the kiosk)."""
    moment = (now or datetime.now(UTC)).astimezone(ZoneInfo(tz))
    metadata.put_forecast_summary(
        EXPECTED_TODAY,
        {
            "day": moment.date().isoformat(),
            "entity_id": expected.entity_id,
            "total_kwh": round(expected.total, 3),
            "so_far_kwh": round(expected.so_far, 3),
            "model": expected.model_name,
            "beats_baseline": expected.beats_baseline,
        },
    )


__all__ = [
    "BUCKETS",
    "HORIZONS",
    "EntityForecast",
    "ExpectedToday",
    "ForecastInputError",
    "InsufficientData",
    "entity_series",
    "expected_today",
    "forecast_entity",
    "remember_expected_today",
    "temperature_covariate",
]
