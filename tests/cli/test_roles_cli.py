"""`homeiq roles` on the simulated home: roles found by what entities are, exact JSON shape."""

from __future__ import annotations

import orjson

from analytics.roles import ROLES
from tests.cli.conftest import Homeiq


def test_roles_json_on_the_demo_home(demo_home: Homeiq) -> None:
    result = demo_home("roles", "--json")
    assert result.exit_code == 0, result.output
    data = orjson.loads(result.stdout)
    assert list(data) == ["roles"]
    assert list(data["roles"]) == [spec.name for spec in ROLES]
    for item in data["roles"].values():
        assert list(item) == ["entity_id", "source", "candidates"]
    roles = data["roles"]
    assert roles["main_energy_meter"]["entity_id"] == "sensor.house_energy"
    assert roles["house_power"]["entity_id"] == "sensor.house_power"
    assert roles["outdoor_temperature"]["entity_id"] == "sensor.outdoor_temperature"
    assert roles["outdoor_temperature"]["source"] == "heuristic"
    assert roles["heating_energy"]["entity_id"] == "sensor.heating_energy"
    assert roles["sports_team"]["entity_id"] == "sensor.home_team"
    assert roles["electricity_price"]["entity_id"] == "sensor.electricity_price"


def test_a_bad_role_setting_is_named_and_not_used(demo_home: Homeiq) -> None:
    env = {"HOMEIQ_ROLE_OUTDOOR_TEMPERATURE": "sensor.house_power"}
    result = demo_home("roles", "--json", env=env)
    assert result.exit_code == 0, result.output
    assert "HOMEIQ_ROLE_OUTDOOR_TEMPERATURE=sensor.house_power" in result.stderr
    assert "°C, °F or K" in result.stderr
    roles = orjson.loads(result.stdout)["roles"]
    assert roles["outdoor_temperature"]["entity_id"] == "sensor.outdoor_temperature"


def test_roles_table_names_each_role(demo_home: Homeiq) -> None:
    result = demo_home("roles")
    assert result.exit_code == 0, result.output
    for spec in ROLES:
        assert spec.name in result.stdout
