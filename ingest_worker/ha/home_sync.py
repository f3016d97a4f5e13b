"""What the worker tells metadata about the home on every HA (re)connect.

HA's ``get_config`` becomes the ``ha`` home facts; ``energy/get_prefs`` is stored raw (an
error answer, e.g. the energy integration is not loaded, stores "none"); states and the
entity, device and area registries become entity registry rows (friendly name as HA shows
it, area of the entity else of its device, device name, classes, unit, disabled/hidden).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ha_client.commands import HAConfig
from ingest_worker.ha.convert import MalformedState, parse_ha_time
from ingest_worker.ha.registries import AreaIndex
from storage.metadata.home import HomeFacts
from storage.metadata.records import EntityInfo


class HomeFactsWriter(Protocol):
    """Where home facts and energy preferences go (storage.metadata.home.HomeTable)."""

    def save(self, facts: HomeFacts) -> None:
        """Replace the facts of ``facts.source``."""
        ...

    def save_energy_prefs(self, prefs: Mapping[str, Any] | None) -> None:
        """Store HA's energy preferences (None: HA has none)."""
        ...


class HomeMetadata(Protocol):
    """The part of storage.metadata.MetadataStore the HA source writes to."""

    @property
    def home(self) -> HomeFactsWriter:
        """Return the home facts table."""
        ...

    def upsert_entities(self, rows: Iterable[EntityInfo]) -> int:
        """Insert or update entity registry rows."""
        ...


@dataclass(frozen=True, slots=True)
class Registries:
    """HA's entity, device and area registry lists, as the WS API returns them."""

    entities: Sequence[Mapping[str, Any]] = field(default_factory=tuple)
    devices: Sequence[Mapping[str, Any]] = field(default_factory=tuple)
    areas: Sequence[Mapping[str, Any]] = field(default_factory=tuple)

    def area_index(self) -> AreaIndex:
        """Return entity id -> area name."""
        return AreaIndex.from_registries(self.entities, self.devices, self.areas)


def facts_of(config: HAConfig, fetched_at: datetime) -> HomeFacts:
    """Return the ``ha`` home facts of a ``get_config`` answer."""
    return HomeFacts(
        source="ha",
        time_zone=config.time_zone,
        latitude=config.latitude,
        longitude=config.longitude,
        elevation=config.elevation,
        currency=config.currency,
        unit_system=dict(config.unit_system),
        version=config.version,
        location_name=config.location_name,
        updated_at=fetched_at,
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def entity_rows(
    states: Iterable[Mapping[str, Any]], registries: Registries, seen_at: datetime
) -> list[EntityInfo]:
    """Return one registry row per entity HA has a state or a registry entry for.

    Entities with a state were seen at ``seen_at``; their first sighting is no later than
    their state's ``last_updated``. Registry-only entities (disabled ones) carry no times.
    """
    areas = registries.area_index()
    devices = {
        device["id"]: device for device in registries.devices if isinstance(device.get("id"), str)
    }
    entries = {
        entry["entity_id"]: entry
        for entry in registries.entities
        if isinstance(entry.get("entity_id"), str)
    }
    rows: dict[str, EntityInfo] = {}
    for state in states:
        entity_id = state.get("entity_id")
        if not isinstance(entity_id, str) or "." not in entity_id:
            continue
        attributes = state.get("attributes")
        attributes = attributes if isinstance(attributes, Mapping) else {}
        try:
            updated: datetime | None = parse_ha_time(state.get("last_updated"))
        except MalformedState:
            updated = None
        rows[entity_id] = _row(
            entity_id, entries.get(entity_id, {}), devices, areas, attributes, updated, seen_at
        )
    for entity_id, entry in entries.items():
        if entity_id not in rows and "." in entity_id:
            rows[entity_id] = _row(entity_id, entry, devices, areas, {}, None, None)
    return [rows[key] for key in sorted(rows)]


def _row(
    entity_id: str,
    entry: Mapping[str, Any],
    devices: Mapping[str, Mapping[str, Any]],
    areas: AreaIndex,
    attributes: Mapping[str, Any],
    updated: datetime | None,
    seen_at: datetime | None,
) -> EntityInfo:
    device_id = _text(entry.get("device_id"))
    device = devices.get(device_id, {}) if device_id else {}
    return EntityInfo(
        entity_id=entity_id,
        domain=entity_id.split(".", 1)[0],
        # The state's friendly_name is the name HA shows (entity + device name rules applied).
        friendly_name=_text(attributes.get("friendly_name"))
        or _text(entry.get("name"))
        or _text(entry.get("original_name")),
        device_class=_text(attributes.get("device_class"))
        or _text(entry.get("device_class"))
        or _text(entry.get("original_device_class")),
        state_class=_text(attributes.get("state_class")),
        unit=_text(attributes.get("unit_of_measurement"))
        or _text(entry.get("unit_of_measurement")),
        area=areas.area_of(entity_id),
        device_id=device_id,
        device_name=_text(device.get("name_by_user")) or _text(device.get("name")),
        disabled=entry.get("disabled_by") is not None if entry else None,
        hidden=entry.get("hidden_by") is not None if entry else None,
        first_seen=updated,
        last_seen=seen_at,
        source="ha",
    )
