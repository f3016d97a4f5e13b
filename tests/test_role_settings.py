"""Every entity role has its HOMEIQ_ROLE_<ROLE> setting, and set values reach the resolver."""

from __future__ import annotations

from analytics.roles import ROLES
from homeiq.settings import Settings, load_settings


def test_every_role_has_a_setting() -> None:
    for spec in ROLES:
        assert f"role_{spec.name}" in Settings.model_fields, spec.setting


def test_role_settings_returns_only_the_set_roles() -> None:
    settings = load_settings(role_outdoor_temperature="sensor.garden_temp", role_gas_meter="none")
    assert settings.role_settings() == {
        "outdoor_temperature": "sensor.garden_temp",
        "gas_meter": "none",
    }
