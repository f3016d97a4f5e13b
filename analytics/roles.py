"""Entity roles as data: which part an entity plays in the home, and how candidates are found.

Each ``RoleSpec`` row names a role, says what the app uses it for and how a candidate is
recognised: domain, unit (a hard requirement), device_class, state_class, words in the id and
friendly name, area, attribute names. ``score`` turns those into a number; zero means "not a
candidate". Nothing here knows the simulated home: a role is found by what an entity *is*.
Adding a role is adding a row (tests iterate ROLES, each with a matching and a missing example).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

ENERGY_UNITS: Final = frozenset({"wh", "kwh", "mwh", "gj", "mj"})
POWER_UNITS: Final = frozenset({"w", "kw", "mw"})
TEMPERATURE_UNITS: Final = frozenset({"°c", "°f", "c", "f", "k", "ºc", "ºf"})
GAS_UNITS: Final = frozenset({"m³", "m3", "ft³", "ft3", "ccf", "mcf", "l"})
OUTDOOR_WORDS: Final = (
    "outdoor",
    "outside",
    "exterior",
    "external",
    "garden",
    "balcony",
    "terrace",
    "patio",
    "yard",
    "backyard",
    "weather",
    "buiten",
    "aussen",
    "außen",
)
_TOKEN: Final = re.compile(r"[a-z0-9äöüß]+")


def unit_key(unit: str | None) -> str:
    """Return ``unit`` lower-cased without spaces (``"kWh"`` -> ``"kwh"``), or ``""``."""
    return (unit or "").strip().lower().replace(" ", "")


def is_energy_unit(unit: str | None) -> bool:
    """Return whether ``unit`` is an energy unit (Wh, kWh, MWh, MJ, GJ)."""
    return unit_key(unit) in ENERGY_UNITS


def is_power_unit(unit: str | None) -> bool:
    """Return whether ``unit`` is a power unit (W, kW, MW)."""
    return unit_key(unit) in POWER_UNITS


def is_temperature_unit(unit: str | None) -> bool:
    """Return whether ``unit`` is a temperature unit (°C, °F, K)."""
    return unit_key(unit) in TEMPERATURE_UNITS


def is_gas_unit(unit: str | None) -> bool:
    """Return whether ``unit`` is a gas volume (m³, ft³, CCF) or an energy unit."""
    return unit_key(unit) in GAS_UNITS or is_energy_unit(unit)


def is_price_unit(unit: str | None) -> bool:
    """Return whether ``unit`` is a price per energy (``EUR/kWh``, ``€/kWh``, ``$/MWh``)."""
    key = unit_key(unit)
    return "/" in key and key.rsplit("/", 1)[1] in ENERGY_UNITS


def any_unit(unit: str | None) -> bool:
    """Return True: roles of state entities (media player, person) take any unit."""
    return True


@dataclass(frozen=True, slots=True, kw_only=True)
class EntityFacts:
    """What the resolver knows of one entity (registry and the latest state's attributes)."""

    entity_id: str
    friendly_name: str | None = None
    device_class: str | None = None
    state_class: str | None = None
    unit: str | None = None
    area: str | None = None
    attributes: frozenset[str] = frozenset()

    @property
    def domain(self) -> str:
        """Return the entity's domain (``sensor`` of ``sensor.x``)."""
        return self.entity_id.partition(".")[0]

    def words(self) -> str:
        """Return the id's object part and friendly name as space-separated lower-case words."""
        text = f"{self.entity_id.partition('.')[2]} {self.friendly_name or ''}".lower()
        return " " + " ".join(_TOKEN.findall(text)) + " "


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleSpec:
    """One role: its name, what it is for, how candidates are recognised, the unit it needs."""

    name: str
    purpose: str
    recognised_by: str
    required_unit: str  # in words, for messages: "kWh, Wh or MWh"
    unit_ok: Callable[[str | None], bool]
    domains: tuple[str, ...] = ("sensor",)
    device_classes: tuple[str, ...] = ()  # a different device_class rules an entity out
    state_classes: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    attributes: tuple[str, ...] = ()
    needs_evidence: bool = True  # a word, area or attribute must point at this role
    fixed_number: bool = False  # may be a fixed number (a price) instead of an entity
    weather_attribute: str | None = None  # a weather.* entity's attribute may stand in

    @property
    def setting(self) -> str:
        """Return the name of the setting that overrides this role."""
        return f"HOMEIQ_ROLE_{self.name.upper()}"

    def compatible(self, entity: EntityFacts) -> bool:
        """Return whether ``entity`` has a domain and unit this role can use."""
        if self.weather_attribute and entity.domain == "weather":
            return self.weather_attribute in entity.attributes
        return entity.domain in self.domains and self.unit_ok(entity.unit)

    def score(self, entity: EntityFacts) -> float:
        """Return how well ``entity`` fits this role; 0.0 when it is no candidate."""
        if not self.compatible(entity):
            return 0.0
        if entity.domain == "weather":
            return 0.5  # a stand-in: any real sensor with evidence ranks above it
        if self.device_classes and entity.device_class not in (None, *self.device_classes):
            return 0.0
        text = entity.words()
        hits = sum(1 for word in self.words if f" {word} " in text)
        area = (entity.area or "").lower()
        area_hits = sum(1 for word in self.areas if word in area)
        attr_hits = sum(1 for name in self.attributes if name in entity.attributes)
        misses = sum(1 for word in self.avoid if f" {word} " in text or word in area)
        evidence = hits + area_hits + attr_hits
        if misses or (self.needs_evidence and evidence == 0):
            return 0.0
        score = 1.0 + 2.0 * hits + 1.5 * area_hits + 2.0 * attr_hits
        if entity.device_class and entity.device_class in self.device_classes:
            score += 1.0
        if entity.state_class and entity.state_class in self.state_classes:
            score += 0.5
        return score


_METER_CLASSES: Final = ("total_increasing", "total")
_NOT_MAIN: Final = (
    "export",
    "return",
    "returned",
    "feed",
    "injection",
    "solar",
    "pv",
    "production",
    "produced",
    "yield",
    "generation",
    "heating",
    "heat",
    "heatpump",
    "boiler",
    "battery",
    "charger",
    "car",
    "gas",
    "water",
    "cost",
    "price",
    "forecast",
)
_HEATING: Final = ("heating", "heat", "heatpump", "boiler", "furnace", "radiator", "floor", "cv")
_NOT_INDOOR: Final = (*OUTDOOR_WORDS, "cpu", "battery", "water", "pool", "fridge", "freezer", "dew")

ROLES: Final[tuple[RoleSpec, ...]] = (
    RoleSpec(
        name="main_energy_meter",
        purpose="Energy page totals, hourly consumption and cost (grid import).",
        recognised_by="cumulative energy meter named like the house total or grid import",
        required_unit="kWh, Wh or MWh",
        unit_ok=is_energy_unit,
        device_classes=("energy",),
        state_classes=_METER_CLASSES,
        words=("house", "home", "main", "total", "grid", "import", "consumption", "usage"),
        avoid=_NOT_MAIN,
    ),
    RoleSpec(
        name="grid_export",
        purpose="Energy page: energy returned to the grid.",
        recognised_by="cumulative energy meter named export, return or feed-in",
        required_unit="kWh, Wh or MWh",
        unit_ok=is_energy_unit,
        device_classes=("energy",),
        state_classes=_METER_CLASSES,
        words=("export", "exported", "return", "returned", "feed", "injection"),
        avoid=("forecast", "cost", "price"),
    ),
    RoleSpec(
        name="solar_production",
        purpose="Energy page: solar energy produced.",
        recognised_by="cumulative energy meter named solar, PV, inverter or yield",
        required_unit="kWh, Wh or MWh",
        unit_ok=is_energy_unit,
        device_classes=("energy",),
        state_classes=_METER_CLASSES,
        words=("solar", "pv", "photovoltaic", "inverter", "yield", "production", "generation"),
        avoid=("forecast", "estimated", "estimate", "cost", "price"),
    ),
    RoleSpec(
        name="house_power",
        purpose="Power now (kiosk), baseload and consumption when no meter exists.",
        recognised_by="power sensor named like the house total, grid or consumption",
        required_unit="W or kW",
        unit_ok=is_power_unit,
        device_classes=("power",),
        state_classes=("measurement",),
        words=("house", "home", "main", "total", "grid", "import", "consumption", "net"),
        avoid=_NOT_MAIN,
    ),
    RoleSpec(
        name="electricity_price",
        purpose="Energy cost: a price entity or a fixed price per kWh.",
        recognised_by="sensor whose unit is a currency per kWh (EUR/kWh, $/kWh)",
        required_unit="a currency per kWh, such as EUR/kWh",
        unit_ok=is_price_unit,
        device_classes=("monetary",),
        words=("price", "tariff", "rate", "electricity", "energy", "current"),
        avoid=("gas", "export", "return", "feed", "injection", "forecast"),
        needs_evidence=False,
        fixed_number=True,
    ),
    RoleSpec(
        name="gas_meter",
        purpose="Gas use beside electricity.",
        recognised_by="cumulative meter with device_class gas or named gas (m³, ft³)",
        required_unit="m³, ft³, CCF or an energy unit",
        unit_ok=is_gas_unit,
        device_classes=("gas", "energy"),
        state_classes=_METER_CLASSES,
        words=("gas",),
        avoid=("price", "cost", "forecast"),
    ),
    RoleSpec(
        name="heating_energy",
        purpose="Weather page: daily heating energy against outdoor temperature.",
        recognised_by="cumulative energy meter named heating, heat pump or boiler",
        required_unit="kWh, Wh or MWh",
        unit_ok=is_energy_unit,
        device_classes=("energy",),
        state_classes=_METER_CLASSES,
        words=_HEATING,
        avoid=("water", "cost", "price", "forecast"),
    ),
    RoleSpec(
        name="heating_power",
        purpose="Weather page: default series B of the lagged correlation.",
        recognised_by="power sensor named heating, heat pump or boiler",
        required_unit="W or kW",
        unit_ok=is_power_unit,
        device_classes=("power",),
        state_classes=("measurement",),
        words=_HEATING,
        avoid=("water", "cost", "price"),
    ),
    RoleSpec(
        name="outdoor_temperature",
        purpose="Weather page heating fits, kiosk Outside tile.",
        recognised_by="temperature sensor named or placed outdoors; else a weather entity",
        required_unit="°C, °F or K",
        unit_ok=is_temperature_unit,
        device_classes=("temperature",),
        state_classes=("measurement",),
        words=OUTDOOR_WORDS,
        avoid=("indoor", "inside", "room", "cpu", "battery", "water", "pool", "dew", "feels"),
        areas=("outside", "outdoor", "garden", "yard", "balcony", "terrace", "patio"),
        weather_attribute="temperature",
    ),
    RoleSpec(
        name="indoor_temperature",
        purpose="Indoor climate beside the outdoor temperature.",
        recognised_by="temperature sensor not named or placed outdoors; living areas first",
        required_unit="°C, °F or K",
        unit_ok=is_temperature_unit,
        device_classes=("temperature",),
        state_classes=("measurement",),
        words=("indoor", "inside", "living", "lounge", "room", "house", "home", "thermostat"),
        avoid=_NOT_INDOOR,
        areas=("living", "lounge", "hall", "kitchen", "bedroom", "office"),
        needs_evidence=False,
    ),
    RoleSpec(
        name="media_player",
        purpose="Weather & sports: TV use during games.",
        recognised_by="media player; a TV or one in the living room first",
        required_unit="none (a media player)",
        unit_ok=any_unit,
        domains=("media_player",),
        device_classes=("tv", "speaker", "receiver"),
        words=("tv", "television", "living", "lounge", "telly"),
        areas=("living", "lounge"),
        needs_evidence=False,
    ),
    RoleSpec(
        name="sports_team",
        purpose="Weather & sports: game windows (TeamTracker-style PRE/IN/POST).",
        recognised_by="sensor with kickoff/opponent attributes or named team, match, game",
        required_unit="none (a state sensor)",
        unit_ok=any_unit,
        words=("team", "teamtracker", "match", "game", "football", "soccer"),
        attributes=("kickoff", "kickoff_in", "opponent_name", "opponent_abbr", "team_abbr"),
    ),
    RoleSpec(
        name="presence",
        purpose="Who is home: a person, else a device tracker.",
        recognised_by="person entity first, then device_tracker",
        required_unit="none (home/not_home)",
        unit_ok=any_unit,
        domains=("person", "device_tracker"),
        words=("phone", "person"),
        needs_evidence=False,
    ),
)
ROLE_NAMES: Final[tuple[str, ...]] = tuple(spec.name for spec in ROLES)


def role_spec(name: str) -> RoleSpec:
    """Return the row of role ``name``; KeyError naming the known roles otherwise."""
    for spec in ROLES:
        if spec.name == name:
            return spec
    raise KeyError(f"unknown role {name!r}; known roles: {', '.join(ROLE_NAMES)}")


def candidates(spec: RoleSpec, entities: list[EntityFacts], limit: int = 10) -> list[str]:
    """Return the ids of ``entities`` that could play ``spec``, best first."""
    scored = [(spec.score(entity), entity) for entity in entities]
    ranked = sorted(
        ((score, entity) for score, entity in scored if score > 0),
        key=lambda pair: (-pair[0], 0 if pair[1].domain != "weather" else 1, pair[1].entity_id),
    )
    if spec.name == "presence":  # people before the trackers of their phones
        ranked.sort(key=lambda pair: (pair[1].domain != "person", -pair[0], pair[1].entity_id))
    return [entity.entity_id for _, entity in ranked[:limit]]
