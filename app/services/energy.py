"""What the Energy page shows: consumption per hour/day, cost, top consumers, baseload."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

from analytics import energy as energy_math
from analytics.errors import InsufficientData
from analytics.role_resolver import RoleMap
from analytics.role_resolver import device_consumption as prefs_devices
from app.services.cache import cached
from app.services.context import ServiceError, Services
from app.services.roles import energy_prefs_of, role_map
from app.services.timerange import TimeRange
from storage.errors import StoreError

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
    top_from_prefs: bool = False  # devices listed in HA's energy dashboard
    solar_kwh: float | None = None
    export_kwh: float | None = None
    fixed_price: float | None = None


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
    roles = role_map(svc)
    devices = device_consumption(svc)
    try:
        return _energy_report(svc, rng, roles, devices)
    except StoreError as err:
        raise ServiceError(f"Reading energy data failed: {err}") from err


def _energy_report(
    svc: Services, rng: TimeRange, roles: RoleMap, devices: list[str]
) -> EnergyReport | None:
    tz = svc.timezone
    entities = svc.store.entities()
    meters, powers = _meters(entities), _powers(entities)
    meter_units = dict(zip(meters["entity_id"], meters["unit"], strict=True))
    power_units = dict(zip(powers["entity_id"], powers["unit"], strict=True))
    notes: list[str] = []
    meter = roles.entity("main_energy_meter")
    power = roles.entity("house_power")
    if meter is not None and meter in meter_units:
        source, kind = meter, "meter"
        hourly = hourly_meter_kwh(svc, source, meter_units[source], rng)
        previous = hourly_meter_kwh(svc, source, meter_units[source], rng.previous())
    elif power is not None and power in power_units:
        source, kind = power, "power"
        hourly = hourly_power_kwh(svc, source, power_units[source], rng)
        previous = hourly_power_kwh(svc, source, power_units[source], rng.previous())
        notes.append(f"No main energy meter; consumption is integrated from {source}.")
    else:
        return None
    if hourly.height == 0:
        return None
    total_cost, fixed = None, None
    price_role = roles.roles["electricity_price"]
    if price_role.entity_id is not None:
        price = svc.store.aggregate(
            [price_role.entity_id], rng.start - rng.span / 10, rng.end, "1h", "mean"
        )
        hourly = energy_math.energy_cost(hourly, price.select("time", "value"))
        total_cost = float(hourly["cost"].sum())
    elif price_role.fixed_value is not None:
        fixed = price_role.fixed_value
        hourly = hourly.with_columns((pl.col("kwh") * fixed).alias("cost"))
        total_cost = float(hourly["cost"].sum())
    else:
        notes.append("No electricity price (set one on the Settings page); costs are not shown.")
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
    house = {eid for eid in (source, meter, power) if eid is not None}
    listed = [eid for eid in devices if eid in meter_units and eid not in house]
    top = (
        _device_meters(svc, listed, meter_units, rng)
        if listed
        else _top_consumers(svc, meters, meter_units, power_units, rng, house, roles)
    )
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
        baseload_w=_baseload(svc, power, power_units, rng, tz, notes),
        top=top,
        notes=tuple(notes),
        top_from_prefs=bool(listed),
        solar_kwh=_meter_total(svc, roles.entity("solar_production"), meter_units, rng),
        export_kwh=_meter_total(svc, roles.entity("grid_export"), meter_units, rng),
        fixed_price=fixed,
    )


def _meter_total(
    svc: Services, meter: str | None, units: dict[str, str], rng: TimeRange
) -> float | None:
    """Return the kWh a cumulative meter counted over ``rng``, or None without one."""
    if meter is None or meter not in units:
        return None
    hourly = hourly_meter_kwh(svc, meter, units[meter], rng)
    return float(hourly["kwh"].sum()) if hourly.height else None


def _baseload(
    svc: Services,
    power: str | None,
    power_units: dict[str, str],
    rng: TimeRange,
    tz: str,
    notes: list[str],
) -> float | None:
    if power is None or power not in power_units:
        notes.append("No house power sensor; the baseload is not estimated.")
        return None
    frame = svc.store.aggregate([power], rng.start, rng.end, "5m", "mean")
    watts = frame.select("time", (pl.col("value") * _TO_W[power_units[power]]).alias("value"))
    try:
        return energy_math.baseload_w(watts, tz=tz)
    except InsufficientData:
        return None


def _device_meters(
    svc: Services, devices: list[str], meter_units: dict[str, str], rng: TimeRange
) -> pl.DataFrame:
    """Return ``entity_id, kwh`` of the devices HA's energy dashboard lists, largest first."""
    frame = svc.store.aggregate(devices, rng.start, rng.end, "1d", "increase")
    frame = _scale(frame, meter_units, _TO_KWH)
    return (
        frame.group_by("entity_id")
        .agg(pl.col("value").sum().alias("kwh"))
        .sort("kwh", descending=True)
        .head(15)
    )


def _top_consumers(
    svc: Services,
    meters: pl.DataFrame,
    meter_units: dict[str, str],
    power_units: dict[str, str],
    rng: TimeRange,
    house: set[str],
    roles: RoleMap,
) -> pl.DataFrame:
    """Return ``entity_id, kwh`` per device over the range, largest first (house totals out)."""
    not_devices = house | {
        eid
        for eid in (roles.entity("grid_export"), roles.entity("solar_production"))
        if eid is not None
    }
    parts: list[pl.DataFrame] = []
    sub_meters = [eid for eid in meter_units if eid not in not_devices]
    if sub_meters:
        frame = svc.store.aggregate(sub_meters, rng.start, rng.end, "1d", "increase")
        frame = _scale(frame, meter_units, _TO_KWH)
        parts.append(frame.group_by("entity_id").agg(pl.col("value").sum().alias("kwh")))
    # A device with both a meter and a power sensor is counted once, by its meter.
    metered_devices = {_device_of(eid) for eid in sub_meters}
    sub_powers = [
        eid
        for eid in power_units
        if eid not in not_devices and _device_of(eid) not in metered_devices
    ]
    if sub_powers:
        frame = svc.store.aggregate(sub_powers, rng.start, rng.end, "1h", "mean")
        frame = _scale(frame, power_units, _TO_W)
        parts.append(frame.group_by("entity_id").agg((pl.col("value").sum() / 1000).alias("kwh")))
    if not parts:
        return pl.DataFrame(schema={"entity_id": pl.String, "kwh": pl.Float64})
    return pl.concat(parts).sort("kwh", descending=True).head(10)


def _device_of(entity_id: str) -> str:
    """Return the device part of ``sensor.<device>_energy`` / ``sensor.<device>_power``."""
    return entity_id.removesuffix("_energy").removesuffix("_power")


def device_consumption(svc: Services) -> list[str]:
    """Return the entity ids HA's energy dashboard lists as individual devices."""
    return [eid for eid, _ in prefs_devices(energy_prefs_of(svc))]
