"""The simulated home's entities as rows: fixed ids the app relies on, then rooms to fill."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

# Kinds name the generator in homeiq.sim.generators that produces an entity's samples.
NUMERIC_KINDS: Final[frozenset[str]] = frozenset(
    {
        "house_power",
        "house_energy",
        "price",
        "outdoor_temperature",
        "heating_power",
        "heating_energy",
        "fridge_power",
        "washer_power",
        "dishwasher_power",
        "room_temperature",
        "room_humidity",
        "plug_power",
        "co2",
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class EntitySpec:
    """One simulated entity: its id, how HA would describe it, and which generator feeds it."""

    entity_id: str
    name: str
    kind: str
    area: str | None = None
    unit: str | None = None
    device_class: str | None = None
    state_class: str | None = None
    decimals: int = 1
    step_s: int = 300  # sampling interval of numeric sensors
    missing_days: bool = False  # may go silent for a whole day (flaky device)
    linked: str | None = None  # entity this one follows (light <- motion, plug power <- switch)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def domain(self) -> str:
        """Return the entity's domain."""
        return self.entity_id.split(".", 1)[0]

    @property
    def local(self) -> bool:
        """Return whether the entity's days are the home's local days (a person's doing)."""
        return self.kind in LOCAL_KINDS

    @property
    def numeric(self) -> bool:
        """Return whether the entity's state is a number sampled on a grid."""
        return self.kind in NUMERIC_KINDS


def _sensor(entity_id: str, name: str, kind: str, **kw: object) -> EntitySpec:
    return EntitySpec(entity_id=entity_id, name=name, kind=kind, **kw)  # type: ignore[arg-type]


CORE: Final[tuple[EntitySpec, ...]] = (
    _sensor("sensor.house_power", "House power", "house_power", unit="W",
            device_class="power", state_class="measurement", decimals=0, step_s=60),
    _sensor("sensor.house_energy", "House energy", "house_energy", unit="kWh",
            device_class="energy", state_class="total_increasing", decimals=3, step_s=300),
    _sensor("sensor.electricity_price", "Electricity price", "price", unit="EUR/kWh",
            device_class="monetary", decimals=4, step_s=3600),
    _sensor("sensor.outdoor_temperature", "Outdoor temperature", "outdoor_temperature",
            area="Outside", unit="°C", device_class="temperature",
            state_class="measurement", decimals=1, step_s=300),
    _sensor("weather.home", "Home", "weather", area="Outside"),
    _sensor("climate.living_room", "Living room", "climate", area="Living Room"),
    _sensor("sensor.heating_power", "Heating power", "heating_power", area="Utility",
            unit="W", device_class="power", state_class="measurement", decimals=0, step_s=300),
    _sensor("sensor.heating_energy", "Heating energy", "heating_energy", area="Utility",
            unit="kWh", device_class="energy", state_class="total_increasing", decimals=3,
            step_s=300),
    _sensor("media_player.living_room_tv", "Living room TV", "tv", area="Living Room"),
    _sensor("sensor.home_team", "Home team", "team"),
    _sensor("light.bedroom", "Bedroom light", "light_morning", area="Bedroom"),
    _sensor("binary_sensor.hallway_motion", "Hallway motion", "motion", area="Hallway",
            device_class="motion", extra={"rate": "5"}),
    _sensor("light.hallway", "Hallway light", "light_follow", area="Hallway",
            linked="binary_sensor.hallway_motion"),
    _sensor("light.porch", "Porch light", "light_sunset", area="Outside"),
    _sensor("binary_sensor.front_door", "Front door", "door", area="Hallway",
            device_class="door"),
    _sensor("sensor.living_room_temperature", "Living room temperature", "room_temperature",
            area="Living Room", unit="°C", device_class="temperature",
            state_class="measurement", decimals=1, step_s=600, missing_days=True),
    _sensor("sensor.living_room_humidity", "Living room humidity", "room_humidity",
            area="Living Room", unit="%", device_class="humidity",
            state_class="measurement", decimals=0, step_s=600, missing_days=True),
    _sensor("sensor.fridge_power", "Fridge power", "fridge_power", area="Kitchen", unit="W",
            device_class="power", state_class="measurement", decimals=0, step_s=300),
    _sensor("sensor.washing_machine_power", "Washing machine power", "washer_power",
            area="Utility", unit="W", device_class="power", state_class="measurement",
            decimals=0, step_s=300),
    _sensor("sensor.dishwasher_power", "Dishwasher power", "dishwasher_power", area="Kitchen",
            unit="W", device_class="power", state_class="measurement", decimals=0, step_s=300),
    _sensor("switch.coffee_maker", "Coffee maker", "switch", area="Kitchen",
            extra={"style": "morning"}),
    _sensor("light.living_room", "Living room light", "light_evening", area="Living Room"),
    _sensor("light.kitchen", "Kitchen light", "light_evening", area="Kitchen"),
    _sensor("binary_sensor.kitchen_motion", "Kitchen motion", "motion", area="Kitchen",
            device_class="motion", missing_days=True, extra={"rate": "3"}),
    # issue 12: a single-weekday habit, an automation's own work, presence, and noise
    _sensor("vacuum.robot", "Robot vacuum", "vacuum", area="Living Room"),
    _sensor("binary_sensor.gate", "Gate", "gate", area="Outside", device_class="opening"),
    _sensor("light.driveway", "Driveway light", "light_automated", area="Outside",
            linked="binary_sensor.gate"),
    _sensor("automation.driveway_light", "Driveway light when the gate opens", "automation"),
    _sensor("automation.holiday_lights", "Holiday lights at dusk", "automation_stale"),
    _sensor("person.alex", "Alex", "person"),
    _sensor("switch.flaky_plug", "Flaky plug", "noise_toggle", area="Office"),
    _sensor("input_boolean.guest_mode", "Guest mode", "guest_mode"),
    _sensor("binary_sensor.washer_vibration", "Washer vibration", "minute_flips",
            area="Utility", device_class="vibration"),
    _sensor("sensor.living_room_co2", "Living room CO2", "co2", area="Living Room",
            unit="ppm", device_class="carbon_dioxide", state_class="measurement",
            decimals=0, step_s=60),
)  # fmt: skip
# Kinds a person's (or an automation's) doing: generated per local day of the home.
LOCAL_KINDS: Final[frozenset[str]] = frozenset(
    {"motion", "light_follow", "light_morning", "light_sunset", "light_evening", "switch",
     "door", "window", "gate", "light_automated", "automation", "automation_stale", "vacuum",
     "person", "noise_toggle", "guest_mode", "minute_flips"}
)  # fmt: skip
NOISE_KINDS: Final[frozenset[str]] = frozenset({"noise_toggle", "guest_mode", "minute_flips"})

ROOMS: Final[tuple[str, ...]] = (
    "Office", "Bathroom", "Kids Room", "Guest Room", "Dining Room", "Garage", "Attic",
    "Basement", "Laundry", "Study", "Playroom", "Hobby Room", "Gym", "Library", "Pantry",
)  # fmt: skip


def _slug(text: str) -> str:
    return text.lower().replace(" ", "_")


def _room(name: str) -> list[EntitySpec]:
    slug = _slug(name)
    return [
        EntitySpec(entity_id=f"light.{slug}", name=f"{name} light", kind="light_evening",
                   area=name, missing_days=True),
        EntitySpec(entity_id=f"binary_sensor.{slug}_motion", name=f"{name} motion",
                   kind="motion", device_class="motion", extra={"rate": "2"}, area=name,
                   missing_days=True),
        EntitySpec(entity_id=f"sensor.{slug}_temperature", name=f"{name} temperature",
                   kind="room_temperature", unit="°C", device_class="temperature",
                   state_class="measurement", decimals=1, step_s=600, area=name, missing_days=True),
        EntitySpec(entity_id=f"sensor.{slug}_humidity", name=f"{name} humidity",
                   kind="room_humidity", unit="%", device_class="humidity",
                   state_class="measurement", decimals=0, step_s=600, area=name, missing_days=True),
        EntitySpec(entity_id=f"switch.{slug}_plug", name=f"{name} plug", kind="switch",
                   area=name, missing_days=True),
        EntitySpec(entity_id=f"sensor.{slug}_plug_power", name=f"{name} plug power",
                   kind="plug_power", unit="W", device_class="power",
                   state_class="measurement", decimals=1, step_s=300,
                   linked=f"switch.{slug}_plug", area=name, missing_days=True),
        EntitySpec(entity_id=f"binary_sensor.{slug}_window", name=f"{name} window",
                   kind="window", device_class="window", area=name, missing_days=True),
    ]  # fmt: skip


def build_catalog(count: int) -> list[EntitySpec]:
    """Return ``count`` entities: the fixed core first, then rooms; a prefix of a larger home."""
    if count < len(CORE):
        raise ValueError(
            f"entities={count} is too few; the simulated home needs at least {len(CORE)} "
            "(its fixed core entities)"
        )
    specs = list(CORE)
    number = 0
    while len(specs) < count:
        base = ROOMS[number % len(ROOMS)]
        round_ = number // len(ROOMS)
        name = base if round_ == 0 else f"{base} {round_ + 1}"
        specs.extend(_room(name))
        number += 1
    return specs[:count]


MIN_ENTITIES: Final[int] = len(CORE)
