"""What the Energy page shows: consumption per hour/day, cost, top consumers, baseload."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

from analytics import energy as energy_math
from analytics.errors import InsufficientData
from app.services.cache import cached
from app.services.context import ServiceError, Services
from app.services.timerange import TimeRange
from storage.errors import StoreError

MAIN_METER: Final[str] = "sensor.house_energy"
MAIN_POWER: Final[str] = "sensor.house_power"
PRICE: Final[str] = "sensor.electricity_price"
_TO_KWH: Final[dict[str, float]] = {"kWh": 1.0, "Wh": 0.001, "MWh": 1000.0}
_TO_W: Final[dict[str, float]] = {"W": 1.0, "kW": 1000.0}


@dataclass(frozen=True, slots=True, kw_only=True)
class EnergyReport:
    """Consumption of the range and where it comes from."""

    source: str  # the entity the totals come from
    source_kind: str  # "meter" or "power"
    hourly: pl.DataFrame  # time, kwh (+ price, cost when a price sensor exists)
    daily: pl.DataFrame  # day (local date), kwh (+ cost)
    total_kwh: float
    total_cost: float | None
    previous_kwh: float | None
    change: float | None
    heatmap: pl.DataFrame  # weekday, hour, kwh
    baseload_w: float | None
    top: pl.DataFrame  # entity_id, kwh
    notes: tuple[str, ...]


def _meters(entities: pl.DataFrame) -> pl.DataFrame:
    return entities.filter(
        (pl.col("device_class") == "energy") & pl.col("unit").is_in(list(_TO_KWH))
    )


def _powers(entities: pl.DataFrame) -> pl.DataFrame:
    return entities.filter((pl.col("device_class") == "power") & pl.col("unit").is_in(list(_TO_W)))


def _scale(frame: pl.DataFrame, units: dict[str, str], table: dict[str, float]) -> pl.DataFrame:
    factor = pl.col("entity_id").replace_strict(
        {eid: table[unit] for eid, unit in units.items()}, default=1.0, return_dtype=pl.Float64
    )
    return frame.with_columns((pl.col("value") * factor).alias("value"))


def hourly_meter_kwh(svc: Services, meter: str, unit: str, rng: TimeRange) -> pl.DataFrame:
    """Return ``time, kwh`` per hour from the store's reset-safe meter increase."""
    frame = svc.store.aggregate([meter], rng.start, rng.end, "1h", "increase")
    return frame.select("time", (pl.col("value") * _TO_KWH[unit]).alias("kwh"))


def hourly_power_kwh(svc: Services, sensor: str, unit: str, rng: TimeRange) -> pl.DataFrame:
    """Return ``time, kwh`` per hour integrated from a power sensor's 5-minute means."""
    frame = svc.store.aggregate([sensor], rng.start, rng.end, "5m", "mean")
    power = frame.select("time", (pl.col("value") * _TO_W[unit]).alias("value"))
    return energy_math.integrate_power(power, bucket="1h")


def daily_kwh(hourly: pl.DataFrame, tz: str) -> pl.DataFrame:
    """Return ``day, kwh`` (and ``cost`` when present): hourly rows summed per local day."""
    sums = [pl.col("kwh").sum()]
    if "cost" in hourly.columns:
        sums.append(pl.col("cost").sum())
    return (
        hourly.with_columns(pl.col("time").dt.convert_time_zone(tz).dt.date().alias("day"))
        .group_by("day")
        .agg(sums)
        .sort("day")
    )


@cached(ttl=120, show_spinner="Adding up energy…")
def energy_report(svc: Services, rng: TimeRange) -> EnergyReport | None:
    """Return the Energy page's numbers for ``rng``, or None when the home has no meter."""
    tz = svc.settings.timezone
    try:
        return _energy_report(svc, rng, tz)
    except StoreError as err:
        raise ServiceError(f"Reading energy data failed: {err}") from err


def _energy_report(svc: Services, rng: TimeRange, tz: str) -> EnergyReport | None:
    entities = svc.store.entities()
    meters, powers = _meters(entities), _powers(entities)
    meter_units = dict(zip(meters["entity_id"], meters["unit"], strict=True))
    power_units = dict(zip(powers["entity_id"], powers["unit"], strict=True))
    notes: list[str] = []
    if MAIN_METER in meter_units or meter_units:
        source = MAIN_METER if MAIN_METER in meter_units else sorted(meter_units)[0]
        kind = "meter"
        hourly = hourly_meter_kwh(svc, source, meter_units[source], rng)
        previous = hourly_meter_kwh(svc, source, meter_units[source], rng.previous())
    elif power_units:
        source = MAIN_POWER if MAIN_POWER in power_units else sorted(power_units)[0]
        kind = "power"
        hourly = hourly_power_kwh(svc, source, power_units[source], rng)
        previous = hourly_power_kwh(svc, source, power_units[source], rng.previous())
        notes.append(f"No energy meter found; consumption is integrated from {source}.")
    else:
        return None
    if hourly.height == 0:
        return None
    total_cost: float | None = None
    if PRICE in set(entities["entity_id"]):
        price = svc.store.aggregate([PRICE], rng.start - rng.span / 10, rng.end, "1h", "mean")
        hourly = energy_math.energy_cost(hourly, price.select("time", "value"))
        total_cost = float(hourly["cost"].sum())
    else:
        notes.append(f"No price sensor ({PRICE}); costs are not shown.")
    total = float(hourly["kwh"].sum())
    # A previous period with far fewer hours of data (store younger than two ranges)
    # would show a meaningless jump, so compare only like with like.
    previous_total: float | None = None
    if previous.height >= 0.9 * hourly.height:
        previous_total = float(previous["kwh"].sum())
    elif rng.span.days >= 1:
        notes.append("The previous period has too little data to compare with.")
    change = (
        energy_math.period_change(total, previous_total) if previous_total is not None else None
    )
    baseload = _baseload(svc, power_units, rng, tz, notes)
    return EnergyReport(
        source=source,
        source_kind=kind,
        hourly=hourly,
        daily=daily_kwh(hourly, tz),
        total_kwh=total,
        total_cost=total_cost,
        previous_kwh=previous_total,
        change=change,
        heatmap=energy_math.hour_weekday_matrix(hourly.select("time", "kwh"), tz=tz),
        baseload_w=baseload,
        top=_top_consumers(svc, meters, meter_units, power_units, rng, source),
        notes=tuple(notes),
    )


def _baseload(
    svc: Services, power_units: dict[str, str], rng: TimeRange, tz: str, notes: list[str]
) -> float | None:
    if MAIN_POWER not in power_units:
        notes.append(f"No {MAIN_POWER}; the baseload is not estimated.")
        return None
    frame = svc.store.aggregate([MAIN_POWER], rng.start, rng.end, "5m", "mean")
    power = frame.select("time", (pl.col("value") * _TO_W[power_units[MAIN_POWER]]).alias("value"))
    try:
        return energy_math.baseload_w(power, tz=tz)
    except InsufficientData:
        return None


def _top_consumers(
    svc: Services,
    meters: pl.DataFrame,
    meter_units: dict[str, str],
    power_units: dict[str, str],
    rng: TimeRange,
    main: str,
) -> pl.DataFrame:
    """Return ``entity_id, kwh`` per device over the range, largest first (house totals out)."""
    house = {main, MAIN_METER, MAIN_POWER}
    parts: list[pl.DataFrame] = []
    sub_meters = [eid for eid in meter_units if eid not in house]
    if sub_meters:
        frame = svc.store.aggregate(sub_meters, rng.start, rng.end, "1d", "increase")
        frame = _scale(frame, meter_units, _TO_KWH)
        parts.append(frame.group_by("entity_id").agg(pl.col("value").sum().alias("kwh")))
    metered_devices = {eid.removesuffix("_energy") for eid in sub_meters}
    sub_powers = [
        eid
        for eid in power_units
        if eid not in house and eid.removesuffix("_power") not in metered_devices
    ]
    if sub_powers:
        frame = svc.store.aggregate(sub_powers, rng.start, rng.end, "1h", "mean")
        frame = _scale(frame, power_units, _TO_W)
        parts.append(frame.group_by("entity_id").agg((pl.col("value").sum() / 1000).alias("kwh")))
    if not parts:
        return pl.DataFrame(schema={"entity_id": pl.String, "kwh": pl.Float64})
    return pl.concat(parts).sort("kwh", descending=True).head(10)
