"""Entity roles: every row recognises a fitting entity and rejects a near miss; the resolver's
order is setting > user > HA energy prefs > heuristic, and bad values are named, not used."""

from __future__ import annotations

import pytest

from analytics.role_resolver import device_consumption, resolve_roles
from analytics.roles import ROLES, EntityFacts, RoleSpec, role_spec


def _e(entity_id: str, **kw: object) -> EntityFacts:
    return EntityFacts(entity_id=entity_id, **kw)  # type: ignore[arg-type]


KWH = {"unit": "kWh", "device_class": "energy", "state_class": "total_increasing"}
WATT = {"unit": "W", "device_class": "power", "state_class": "measurement"}
CELSIUS = {"unit": "°C", "device_class": "temperature", "state_class": "measurement"}

# role -> (an entity that must be a candidate, a near miss that must not be)
EXAMPLES: dict[str, tuple[EntityFacts, EntityFacts]] = {
    "main_energy_meter": (
        _e("sensor.p1_meter_energy_import", friendly_name="Grid import", **KWH),
        _e("sensor.p1_meter_energy_export", friendly_name="Grid export", **KWH),
    ),
    "grid_export": (
        _e("sensor.energy_returned_tariff_1", **KWH),
        _e("sensor.energy_consumed_tariff_1", **KWH),
    ),
    "solar_production": (
        _e("sensor.inverter_total_yield", **KWH),
        _e("sensor.solar_forecast_energy_today", **KWH),
    ),
    "house_power": (
        _e("sensor.power_consumption", friendly_name="Power consumption", **WATT),
        _e("sensor.solar_power", **WATT),
    ),
    "electricity_price": (
        _e("sensor.nordpool_kwh_nl_eur", unit="EUR/kWh"),
        _e("sensor.gas_price", unit="EUR/m³"),
    ),
    "gas_meter": (
        _e("sensor.gas_consumption", unit="m³", device_class="gas"),
        _e("sensor.water_total", unit="m³", device_class="water"),
    ),
    "heating_energy": (
        _e("sensor.heat_pump_energy", friendly_name="Heat pump energy", **KWH),
        _e("sensor.washing_machine_energy", **KWH),
    ),
    "heating_power": (
        _e("sensor.boiler_power", **WATT),
        _e("sensor.heat_pump_energy", **KWH),
    ),
    "outdoor_temperature": (
        _e("sensor.garden_temp", area="Garden", **CELSIUS),
        _e("sensor.bedroom_temperature", area="Bedroom", **CELSIUS),
    ),
    "indoor_temperature": (
        _e("sensor.living_room_temperature", **CELSIUS),
        _e("sensor.outside_temperature", **CELSIUS),
    ),
    "media_player": (
        _e("media_player.lounge_tv", device_class="tv"),
        _e("sensor.tv_power", **WATT),
    ),
    "sports_team": (
        _e("sensor.ajax", attributes=frozenset({"kickoff_in", "opponent_name"})),
        _e("sensor.garage_door_battery", unit="%"),
    ),
    "presence": (_e("person.anna"), _e("binary_sensor.hall_motion")),
}


def test_every_role_row_has_examples() -> None:
    assert set(EXAMPLES) == {spec.name for spec in ROLES}
    assert len({spec.name for spec in ROLES}) == len(ROLES)


@pytest.mark.parametrize("spec", ROLES, ids=lambda spec: spec.name)
def test_role_recognises_its_example_and_rejects_the_near_miss(spec: RoleSpec) -> None:
    fits, miss = EXAMPLES[spec.name]
    assert spec.score(fits) > 0, fits
    assert spec.score(miss) == 0, miss
    assert spec.purpose and spec.recognised_by and spec.required_unit


def test_outdoor_temperature_falls_back_to_a_weather_entity() -> None:
    home = [
        _e("sensor.bedroom_temperature", **CELSIUS),
        _e("weather.home", attributes=frozenset({"temperature", "humidity"})),
    ]
    assert resolve_roles(home).roles["outdoor_temperature"].entity_id == "weather.home"
    home.append(_e("sensor.outside_temperature", **CELSIUS))
    role = resolve_roles(home).roles["outdoor_temperature"]
    assert role.entity_id == "sensor.outside_temperature"
    assert role.candidates == ("sensor.outside_temperature", "weather.home")
    assert role.source == "heuristic"


PREFS = {
    "energy_sources": [
        {
            "type": "grid",
            "flow_from": [
                {
                    "stat_energy_from": "sensor.meter_a",
                    "entity_energy_price": None,
                    "number_energy_price": 0.31,
                }
            ],
            "flow_to": [{"stat_energy_to": "sensor.meter_b"}],
        },
        {"type": "solar", "stat_energy_from": "sensor.roof"},
    ],
    "device_consumption": [
        {"stat_consumption": "sensor.dishwasher"},
        {"stat_consumption": "sensor.hp"},
    ],
}
PREF_HOME = [
    _e("sensor.meter_a", **KWH),
    _e("sensor.meter_b", **KWH),
    _e("sensor.roof", **KWH),
    _e("sensor.dishwasher", **KWH),
    _e("sensor.hp", friendly_name="Heat pump", **KWH),
    _e("sensor.house_energy", **KWH),
]


def test_energy_prefs_come_before_heuristics() -> None:
    roles = resolve_roles(PREF_HOME, energy_prefs=PREFS).roles
    assert roles["main_energy_meter"].entity_id == "sensor.meter_a"
    assert roles["main_energy_meter"].source == "energy_prefs"
    assert roles["grid_export"].entity_id == "sensor.meter_b"
    assert roles["solar_production"].entity_id == "sensor.roof"
    assert roles["heating_energy"].entity_id == "sensor.hp"
    price = roles["electricity_price"]
    assert (price.entity_id, price.fixed_value, price.source) == (None, 0.31, "energy_prefs")
    assert device_consumption(PREFS) == [("sensor.dishwasher", None), ("sensor.hp", None)]
    without = resolve_roles(PREF_HOME).roles["main_energy_meter"]
    assert (without.entity_id, without.source) == ("sensor.house_energy", "heuristic")


def test_user_choice_beats_prefs_and_setting_beats_everything() -> None:
    user = {"main_energy_meter": "sensor.house_energy", "solar_production": None}
    roles = resolve_roles(PREF_HOME, energy_prefs=PREFS, user=user).roles
    assert (roles["main_energy_meter"].entity_id, roles["main_energy_meter"].source) == (
        "sensor.house_energy",
        "user",
    )
    assert (roles["solar_production"].entity_id, roles["solar_production"].source) == (None, "user")
    settings = {"main_energy_meter": "sensor.meter_b", "electricity_price": "0,25"}
    roles = resolve_roles(PREF_HOME, energy_prefs=PREFS, user=user, settings=settings).roles
    assert (roles["main_energy_meter"].entity_id, roles["main_energy_meter"].source) == (
        "sensor.meter_b",
        "setting",
    )
    assert roles["electricity_price"].fixed_value == 0.25


def test_bad_setting_is_named_and_not_used() -> None:
    home = [*PREF_HOME, _e("sensor.garden_temp", area="Garden", **CELSIUS)]
    settings = {"outdoor_temperature": "sensor.nowhere", "house_power": "sensor.garden_temp"}
    roles = resolve_roles(home, settings=settings).roles
    outdoor = roles["outdoor_temperature"]
    assert outdoor.entity_id == "sensor.garden_temp" and outdoor.source == "heuristic"
    assert "HOMEIQ_ROLE_OUTDOOR_TEMPERATURE=sensor.nowhere" in outdoor.problems[0]
    assert "no entity sensor.nowhere" in outdoor.problems[0]
    power = roles["house_power"]
    assert power.entity_id is None and power.source == "none"
    assert "sensor.garden_temp has °C" in power.problems[0] and "W or kW" in power.problems[0]


def test_roles_json_has_exactly_the_public_shape() -> None:
    data = resolve_roles(PREF_HOME).to_json()
    assert list(data) == ["roles"]
    assert list(data["roles"]) == [spec.name for spec in ROLES]
    for item in data["roles"].values():
        assert list(item) == ["entity_id", "source", "candidates"]
        assert item["source"] in {"energy_prefs", "heuristic", "setting", "user", "none"}


def test_role_spec_names_unknown_roles() -> None:
    with pytest.raises(KeyError, match="known roles: main_energy_meter"):
        role_spec("boiler")
