"""What the Energy page shows: consumption per hour/day, cost, top consumers, baseload."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from analytics import energy as energy_math
from analytics.errors import InsufficientData
from analytics.role_resolver import GridImport, RoleAssignment, RoleMap, grid_imports
from analytics.role_resolver import device_consumption as prefs_devices
from app.services.cache import cached
from app.services.context import ServiceError, Services
from app.services.roles import energy_prefs_of, role_map
from app.services.timerange import TimeRange
from storage.errors import StoreError

TO_KWH: Final[dict[str, float]] = {"kWh": 1.0, "Wh": 0.001, "MWh": 1000.0}  # meter unit -> kWh
_TO_W: Final[dict[str, float]] = {"W": 1.0, "kW": 1000.0}


@dataclass(frozen=True, slots=True, kw_only=True)
class EnergyReport:
    """Consumption of the range and where it comes from."""

    source: str  # the entity the totals come from (the first when several meters are summed)
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
    sources: tuple[str, ...] = ()  # every meter summed (HA's grid import tariffs), or source


def _meters(entities: pl.DataFrame) -> pl.DataFrame:
    return entities.filter(
        (pl.col("device_class") == "energy") & pl.col("unit").is_in(list(TO_KWH))
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
    return frame.select("time", (pl.col("value") * TO_KWH[unit]).alias("kwh"))


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
    imports = import_meters(roles, energy_prefs_of(svc), meter_units)
    power = roles.entity("house_power")
    total_cost, fixed = None, None
    if imports:
        source, kind = imports[0].entity_id, "meter"
        hourly, priced = _metered_hourly(svc, imports, meter_units, roles, rng, notes)
        previous = _sum_hourly(
            [
                hourly_meter_kwh(svc, m.entity_id, meter_units[m.entity_id], rng.previous())
                for m in imports
            ]
        )
        fixed = _one_fixed_price(priced)
    elif power is not None and power in power_units:
        source, kind = power, "power"
        hourly = hourly_power_kwh(svc, source, power_units[source], rng)
        previous = hourly_power_kwh(svc, source, power_units[source], rng.previous())
        notes.append(f"No main energy meter; consumption is integrated from {source}.")
        price_role = roles.roles["electricity_price"]
        if price_role.entity_id is not None or price_role.fixed_value is not None:
            hourly = _priced(svc, hourly, price_role.entity_id, price_role.fixed_value, rng)
            fixed = price_role.fixed_value
    else:
        return None
    if hourly.height == 0:
        return None
    if "cost" in hourly.columns:
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
    meter = roles.entity("main_energy_meter")
    house = {eid for eid in (source, meter, power) if eid is not None}
    house |= {m.entity_id for m in imports}
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
        sources=tuple(m.entity_id for m in imports) or (source,),
    )


def import_meters(
    roles: RoleMap, prefs: Mapping[str, Any] | None, meter_units: dict[str, str]
) -> list[GridImport]:
    """Return the grid import meters to add up, each with the price that applies to it.

    When the main meter comes from HA's energy dashboard, every grid import meter listed
    there counts (one per tariff, e.g. peak and off-peak), each at its own price. A meter
    set by HOMEIQ_ROLE_* or chosen on the Settings page counts alone. A price set or chosen
    by the user applies to every meter.
    """
    main = roles.roles.get("main_energy_meter")
    if main is None or main.entity_id is None or main.entity_id not in meter_units:
        return []
    price = roles.roles.get("electricity_price")
    listed = [m for m in grid_imports(prefs) if m.entity_id in meter_units]
    if main.source != "energy_prefs" or main.entity_id not in {m.entity_id for m in listed}:
        return [_at_role_price(GridImport(entity_id=main.entity_id), price)]
    if price is None or price.source == "energy_prefs":
        return listed  # HA's own price per meter (a meter without one stays unpriced)
    if price.source in ("setting", "user"):
        return [_at_role_price(m, price) for m in listed]
    return [m if m.priced else _at_role_price(m, price) for m in listed]


def _at_role_price(meter: GridImport, price: RoleAssignment | None) -> GridImport:
    """Return ``meter`` priced at the electricity_price role (entity or fixed number)."""
    if price is None:
        return meter
    return GridImport(
        entity_id=meter.entity_id, price_entity=price.entity_id, fixed_price=price.fixed_value
    )


def _metered_hourly(
    svc: Services,
    imports: list[GridImport],
    units: dict[str, str],
    roles: RoleMap,
    rng: TimeRange,
    notes: list[str],
) -> tuple[pl.DataFrame, list[GridImport]]:
    """Return ``time, kwh[, cost]`` summed over ``imports`` and the meters that had a price."""
    parts, priced = [], [m for m in imports if m.priced]
    for meter in imports:
        hourly = hourly_meter_kwh(svc, meter.entity_id, units[meter.entity_id], rng)
        if priced:
            hourly = (
                _priced(svc, hourly, meter.price_entity, meter.fixed_price, rng)
                if meter.priced
                else hourly.with_columns(pl.lit(None, dtype=pl.Float64).alias("cost"))
            )
        parts.append(hourly)
    unpriced = [m.entity_id for m in imports if not m.priced]
    if priced and unpriced:
        notes.append(
            "No price for " + ", ".join(unpriced) + " in HA's energy dashboard; the cost "
            "counts only " + ", ".join(m.entity_id for m in priced) + "."
        )
    return _sum_hourly(parts), priced


def _sum_hourly(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Return ``time, kwh[, cost]`` per hour summed over meters (one meter: as it is)."""
    if len(parts) == 1:
        return parts[0]
    columns = [c for c in ("kwh", "cost") if c in parts[0].columns]
    return (
        pl.concat([part.select("time", *columns) for part in parts])
        .group_by("time")
        .agg(pl.col(c).sum() for c in columns)
        .sort("time")
    )


def _priced(
    svc: Services,
    hourly: pl.DataFrame,
    price_entity: str | None,
    fixed: float | None,
    rng: TimeRange,
) -> pl.DataFrame:
    """Return ``hourly`` with a ``cost`` column at the price sensor's or the fixed price."""
    if hourly.height == 0:  # a meter silent in this range costs nothing (and has no hours)
        return hourly.with_columns(pl.lit(None, dtype=pl.Float64).alias("cost"))
    if price_entity is None:
        return hourly.with_columns((pl.col("kwh") * (fixed or 0.0)).alias("cost"))
    price = svc.store.aggregate([price_entity], rng.start - rng.span / 10, rng.end, "1h", "mean")
    return energy_math.energy_cost(hourly, price.select("time", "value")).drop("price")


def _one_fixed_price(priced: list[GridImport]) -> float | None:
    """Return the fixed price per kWh when every priced meter has the same one, else None."""
    prices = {m.fixed_price for m in priced}
    if len(prices) == 1 and not any(m.price_entity for m in priced):
        return prices.pop()
    return None


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
    frame = _scale(frame, meter_units, TO_KWH)
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
        frame = _scale(frame, meter_units, TO_KWH)
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
