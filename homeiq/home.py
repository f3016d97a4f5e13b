"""The home's effective facts: what HA (or the simulator, a recorder import) said, with
settings on top.

Per field, a setting given explicitly wins (``HOMEIQ_TIMEZONE``, ``HOMEIQ_LATITUDE``,
``HOMEIQ_LONGITUDE``, ``HOMEIQ_CURRENCY``); then the stored facts of the preferred source
(storage.metadata.home: HA's when stored, else the newest); then the settings' defaults.
``source`` names the stored source used, or ``settings`` when none was stored or settings
override all four public facts.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Final, Protocol

from homeiq.settings import Settings
from storage.metadata.home import HomeFacts

_PUBLIC: Final = ("time_zone", "latitude", "longitude", "currency")


class FactsReader(Protocol):
    """The part of MetadataStore.home this module reads."""

    def preferred(self) -> HomeFacts | None:
        """Return the stored facts that apply, if any."""
        ...


def settings_facts(settings: Settings) -> HomeFacts:
    """Return the facts the settings alone give (no source stored anything)."""
    return HomeFacts(
        source="settings",
        time_zone=settings.timezone,
        latitude=settings.latitude,
        longitude=settings.longitude,
        currency=settings.currency,
    )


def explicit_settings(settings: Settings) -> dict[str, Any]:
    """Return the facts the settings give explicitly (set, not defaults), by HomeFacts field."""
    given: dict[str, Any] = {
        "time_zone": settings.timezone if "timezone" in settings.model_fields_set else None,
        "latitude": settings.latitude,
        "longitude": settings.longitude,
        "currency": settings.currency,
    }
    return {name: value for name, value in given.items() if value is not None}


def effective_home_facts(settings: Settings, stored: HomeFacts | None) -> HomeFacts:
    """Return ``stored`` with every explicitly given setting applied on top."""
    if stored is None:
        return settings_facts(settings)
    overrides = explicit_settings(settings)
    changes: dict[str, Any] = dict(overrides)
    if len(overrides) == len(_PUBLIC):
        changes["source"] = "settings"  # nothing of the stored facts shows
    if stored.time_zone is None and "time_zone" not in changes:
        changes["time_zone"] = settings.timezone  # the default, UTC
    return dataclasses.replace(stored, **changes)


def home_facts(settings: Settings, home: FactsReader | None) -> HomeFacts:
    """Return the effective home facts; ``home`` is ``MetadataStore.home`` (None: settings)."""
    return effective_home_facts(settings, home.preferred() if home is not None else None)


def home_json(facts: HomeFacts) -> dict[str, Any]:
    """Return the ``home`` object of ``homeiq status --json``."""
    return {
        "time_zone": facts.time_zone,
        "latitude": facts.latitude,
        "longitude": facts.longitude,
        "currency": facts.currency,
        "source": facts.source,
    }
