"""The kiosk's read-only view of the home: current tiles and a small power chart.

Read-only by construction: ``KioskReader`` keeps the store and metadata private and offers
only reads; this module imports nothing that writes (no export, no simulator, no worker).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from time import monotonic
from typing import Any, Final
from zoneinfo import ZoneInfo

import polars as pl
import streamlit as st

from analytics.role_resolver import GridImport, RoleMap
from app.services import ServiceError, get_services
from app.services.energy import TO_KWH, import_meters
from app.services.money import money
from homeiq.roles import resolve_home_roles
from storage.errors import StoreError
from storage.metadata import MetadataStore
from storage.metadata.anomaly_runs import EXPECTED_TODAY
from storage.metadata.worker_report import WorkerReport
from storage.protocol import TimeSeriesStore

WORKER_FRESH: Final[timedelta] = timedelta(seconds=30)
ROLES_FRESH: Final[float] = 60.0  # seconds a role lookup is reused (Settings may change it)


@dataclass(frozen=True, slots=True, kw_only=True)
class TileValue:
    """What one tile shows: a big value and a small caption."""

    value: str
    caption: str = ""


class KioskReader:
    """Answers the kiosk's questions; has no method that writes anything."""

    __slots__ = ("__metadata", "__resolve", "__roles", "__store", "currency", "tz")

    def __init__(
        self,
        store: TimeSeriesStore,
        metadata: MetadataStore | None,
        tz: str,
        resolve: Callable[[], RoleMap] | None = None,
        currency: str | None = None,
    ) -> None:
        self.__store = store
        self.__metadata = metadata
        # Where roles come from (get_reader: the app's resolver); none given: no role is known.
        self.__resolve = resolve or RoleMap
        self.__roles: tuple[float, RoleMap] | None = None
        self.tz = ZoneInfo(tz)
        self.currency = currency  # ISO 4217 code of costs (the home's), None when unknown

    def role(self, name: str) -> str | None:
        """Return the entity playing role ``name`` (roles re-read every minute), or None."""
        now = monotonic()
        if self.__roles is None or now - self.__roles[0] > ROLES_FRESH:
            try:
                self.__roles = (now, self.__resolve())
            except StoreError as err:
                raise ServiceError(f"Finding the home's entities failed: {err}") from err
        return self.__roles[1].entity(name)

    def price(self) -> tuple[str | None, float | None]:
        """Return the electricity price entity, or the fixed price per kWh."""
        self.role("electricity_price")
        assert self.__roles is not None
        item = self.__roles[1].roles["electricity_price"]
        return item.entity_id, item.fixed_value

    def store_problem(self) -> str | None:
        """Return why the store does not answer now, or None when it does."""
        try:
            health = self.__store.health()
        except StoreError as err:
            return str(err)
        return None if health.ok else health.detail

    def latest(self, entity_id: str) -> dict[str, Any] | None:
        """Return the newest event of ``entity_id`` as a dict, or None."""
        frame = self.__store.latest([entity_id])
        return frame.row(0, named=True) if frame.height else None

    def unavailable_count(self) -> int:
        """Return how many entities report ``unavailable`` or ``unknown`` now."""
        return (
            self.__store.latest().filter(pl.col("state").is_in(["unavailable", "unknown"])).height
        )

    def today_energy(self, now: datetime) -> tuple[float | None, float | None]:
        """Return today's (local) kWh from the grid import meters and its cost, when known.

        Several meters (HA's energy dashboard lists one per tariff) are added up, each at
        its own price, as on the Energy page (app.services.energy.import_meters).
        """
        meters = self._import_meters()
        if not meters:
            return None, None
        midnight = datetime.combine(now.astimezone(self.tz).date(), time.min, tzinfo=self.tz)
        start = midnight.astimezone(UTC)
        end = now + timedelta(seconds=1)
        kwh: float | None = None
        cost: float | None = None
        for meter, unit in meters:
            hourly = self.__store.aggregate([meter.entity_id], start, end, "1h", "increase")
            if hourly.height == 0:
                continue
            hourly = hourly.select("time", (pl.col("value") * TO_KWH[unit]).alias("value"))
            kwh = (kwh or 0.0) + float(hourly["value"].sum())
            priced = self._cost(hourly, meter, start, end)
            if priced is not None:
                cost = (cost or 0.0) + priced
        return kwh, cost

    def _import_meters(self) -> list[tuple[GridImport, str]]:
        """Return the grid import meters to add up, with their units."""
        meter = self.role("main_energy_meter")
        if meter is None:
            return []
        assert self.__roles is not None
        entities = self.__store.entities()
        units = {
            eid: unit
            for eid, unit in zip(entities["entity_id"], entities["unit"], strict=True)
            if unit in TO_KWH
        }
        units.setdefault(meter, "kWh")  # a meter without a unit counts kWh, as it always did
        stored = self.__metadata.home.energy_prefs() if self.__metadata is not None else None
        prefs = stored.prefs if stored is not None else None
        found = import_meters(self.__roles[1], prefs, units)
        return [(m, units[m.entity_id]) for m in found]

    def _cost(
        self, hourly: pl.DataFrame, meter: GridImport, start: datetime, end: datetime
    ) -> float | None:
        """Return the cost of ``hourly`` kWh at ``meter``'s price, None without a price."""
        if meter.fixed_price is not None:
            return float(hourly["value"].sum()) * meter.fixed_price
        if meter.price_entity is None:
            return None
        price = self.__store.aggregate(
            [meter.price_entity], start - timedelta(hours=2), end, "1h", "mean"
        )
        if price.height == 0:
            return None
        joined = hourly.sort("time").join_asof(
            price.select("time", pl.col("value").alias("price")).sort("time"),
            on="time",
            strategy="backward",
        )
        return float((joined["value"] * joined["price"].fill_null(strategy="forward")).sum())

    def expected_today(self, now: datetime) -> TileValue:
        """Return today's expected kWh as the app last forecast it (the kiosk never fits)."""
        stored = self.__metadata.forecast_summary(EXPECTED_TODAY) if self.__metadata else None
        today = now.astimezone(self.tz).date().isoformat()
        if stored is None or stored[0].get("day") != today:
            return TileValue(value="—", caption="not forecast yet today")
        payload, at = stored
        return TileValue(
            value=f"{payload['total_kwh']:,.1f} kWh",
            caption=f"{payload['so_far_kwh']:,.1f} so far · {_age(at, now)}",
        )

    def power_last_24h(self, now: datetime) -> pl.DataFrame:
        """Return ``time, value`` 10-minute means of the house power over the last day."""
        power = self.role("house_power")
        if power is None:
            return pl.DataFrame(
                schema={"time": pl.Datetime("us", str(self.tz)), "value": pl.Float64}
            )
        try:
            frame = self.__store.aggregate([power], now - timedelta(days=1), now, "10m", "mean")
        except StoreError as err:
            raise ServiceError(f"Reading the last day's power failed: {err}") from err
        return frame.select(pl.col("time").dt.convert_time_zone(str(self.tz)), "value")

    def ha_connection(self, now: datetime) -> TileValue:
        """Return the Home Assistant connection as the worker last reported it."""
        if self.__metadata is None:
            return TileValue(value="—", caption="worker never ran")
        status = self.__metadata.worker_status().get("worker")
        if status is None:
            return TileValue(value="—", caption="worker never ran")
        report = WorkerReport.from_json(status.payload)
        if now - status.updated_at > WORKER_FRESH or report.stopped_at is not None:
            return TileValue(value="Offline", caption="ingest worker not running")
        ha = report.sources.get("ha")
        if ha is None or ha.state == "disabled":
            return TileValue(value="—", caption="HA not configured")
        seen = _age(ha.last_event, now) if ha.last_event else "no event yet"
        return TileValue(value=ha.state.capitalize(), caption=f"last event {seen}")


def _team_tile(reader: KioskReader, now: datetime) -> TileValue:
    team = reader.role("sports_team")
    row = reader.latest(team) if team else None
    if row is None:
        return TileValue(value="—", caption="no team sensor")
    attrs = json.loads(row["attributes"] or "{}")
    opponent = attrs.get("opponent_name") or "?"
    if row["state"] == "IN":
        return TileValue(value="LIVE", caption=f"vs {opponent}")
    kickoff = attrs.get("kickoff") or attrs.get("date")
    if row["state"] == "PRE" and kickoff:
        moment = datetime.fromisoformat(str(kickoff).replace("Z", "+00:00")).astimezone(reader.tz)
        return TileValue(value=f"{moment:%a %H:%M}", caption=f"next: vs {opponent}")
    return TileValue(value="No game", caption=attrs.get("team_name") or "")


def _power_tile(reader: KioskReader, now: datetime) -> TileValue:
    power = reader.role("house_power")
    row = reader.latest(power) if power else None
    if row is None or row["value"] is None:
        return TileValue(value="—", caption="no house power sensor")
    return TileValue(value=f"{row['value']:,.0f} W", caption=_age(row["time"], now))


def _energy_tile(reader: KioskReader, now: datetime) -> TileValue:
    kwh, cost = reader.today_energy(now)
    if kwh is None:
        return TileValue(value="—", caption="no energy meter data today")
    caption = money(cost, reader.currency) if cost else "no price"
    return TileValue(value=f"{kwh:,.1f} kWh", caption=caption)


def _outdoor_tile(reader: KioskReader, now: datetime) -> TileValue:
    outdoor = reader.role("outdoor_temperature")
    row = reader.latest(outdoor) if outdoor else None
    if row is None:
        return TileValue(value="—", caption="no outdoor temperature")
    value = row["value"]
    if value is None:  # a weather entity: the reading is its temperature attribute
        value = json.loads(row["attributes"] or "{}").get("temperature")
    if not isinstance(value, int | float):
        return TileValue(value="—", caption="no outdoor temperature")
    return TileValue(value=f"{value:.1f} °C", caption=_age(row["time"], now))


def _unavailable_tile(reader: KioskReader, now: datetime) -> TileValue:
    return TileValue(value=f"{reader.unavailable_count()}", caption="entities")


def _age(moment: datetime, now: datetime) -> str:
    minutes = int((now - moment).total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 120:
        return f"{minutes} min ago"
    if minutes < 2880:
        return f"{minutes // 60} h ago"
    return f"{minutes // 1440} days ago"


@dataclass(frozen=True, slots=True, kw_only=True)
class TileSpec:
    """One kiosk tile: its label and how to compute it."""

    key: str
    label: str
    compute: Callable[[KioskReader, datetime], TileValue]


TILES: Final[tuple[TileSpec, ...]] = (
    TileSpec(key="power", label="Power now", compute=_power_tile),
    TileSpec(key="energy", label="Energy today", compute=_energy_tile),
    TileSpec(key="expected", label="Expected today", compute=lambda r, now: r.expected_today(now)),
    TileSpec(key="outdoor", label="Outside", compute=_outdoor_tile),
    TileSpec(key="ha", label="Home Assistant", compute=lambda r, now: r.ha_connection(now)),
    TileSpec(key="game", label="Home team", compute=_team_tile),
    TileSpec(key="unavailable", label="Unavailable", compute=_unavailable_tile),
)


def tile_values(reader: KioskReader, now: datetime) -> list[tuple[TileSpec, TileValue]]:
    """Return every tile's value; a tile whose data cannot be read shows a dash and why."""
    values = []
    for spec in TILES:
        try:
            value = spec.compute(reader, now)
        except (StoreError, ServiceError) as err:
            value = TileValue(value="—", caption=f"store error: {err}"[:80])
        values.append((spec, value))
    return values


@st.cache_resource(show_spinner=False)
def get_reader() -> KioskReader:
    """Return the kiosk's reader over the app's services; ServiceError when they cannot open."""
    svc = get_services()
    return KioskReader(
        svc.store,
        svc.metadata,
        svc.timezone,
        lambda: resolve_home_roles(svc.store, svc.metadata, svc.settings),
        currency=svc.currency,
    )


def refresh_seconds() -> int:
    """Return HOMEIQ_KIOSK_REFRESH_SECONDS (30 when the services cannot open)."""
    try:
        return get_services().settings.kiosk_refresh_seconds
    except ServiceError:
        return 30
