"""What the analysis needs from outside: the home's place, and HA's automation configs."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from analytics.place import HomePlace

if TYPE_CHECKING:
    from homeiq.home import FactsReader
    from homeiq.settings import Settings

_log = logging.getLogger(__name__)


def place_from_settings(settings: Settings) -> HomePlace:
    """Return the home's place from HOMEIQ_TIMEZONE / HOMEIQ_LATITUDE / HOMEIQ_LONGITUDE."""
    return HomePlace(
        time_zone=settings.timezone, latitude=settings.latitude, longitude=settings.longitude
    )


def home_place(settings: Settings, home: FactsReader | None) -> HomePlace:
    """Return the home's place from the effective home facts (HA's, the sim's, settings).

    ``home`` is ``MetadataStore.home``; explicitly given settings win per field.
    """
    from homeiq.home import home_facts

    facts = home_facts(settings, home)
    return HomePlace(
        time_zone=facts.time_zone or settings.timezone,
        latitude=facts.latitude,
        longitude=facts.longitude,
    )


def read_ha_automations(settings: Settings) -> list[dict[str, Any]] | None:
    """Return the configs of HA's automations, or None when HA is not configured or readable.

    Automation entities carry their config id as the ``id`` attribute; each config comes
    from ``GET /api/config/automation/config/<id>``. Without HA (None) the context columns
    keep automated changes out of the evidence instead.
    """
    token = settings.ha_token_value()
    if not settings.ha_url or not token:
        return None
    try:
        from ha_client.errors import HAError
        from ha_client.rest import HARest
    except ImportError:
        _log.warning("ha_client is not installed; existing HA automations are not read")
        return None
    configs: list[dict[str, Any]] = []
    try:
        with HARest(settings.ha_url, token) as rest:
            states = rest.get("/api/states") or []
            ids = [
                str(s["attributes"]["id"])
                for s in states
                if isinstance(s, dict)
                and str(s.get("entity_id", "")).startswith("automation.")
                and isinstance(s.get("attributes"), dict)
                and s["attributes"].get("id") is not None
            ]
            for automation_id in ids:
                try:
                    config = rest.get(f"/api/config/automation/config/{automation_id}")
                except HAError as err:  # e.g. YAML-only automations have no stored config
                    _log.info("automation %s has no readable config (%s)", automation_id, err)
                    continue
                if isinstance(config, dict):
                    configs.append(config)
    except HAError as err:
        _log.warning("cannot read HA automations (%s); relying on context columns", err)
        return None
    return configs
