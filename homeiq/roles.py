"""Resolve the home's entity roles from a store, the metadata and settings (CLI and app share it).

Gathers what we know of each entity (the store's entities, the latest state's attributes, the
metadata registry), the admin's stored choices and HA's energy preferences, and hands them to
the pure resolver in analytics.role_resolver.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from analytics.role_resolver import RoleMap, resolve_roles
from analytics.roles import EntityFacts

if TYPE_CHECKING:
    from homeiq.settings import Settings
    from storage.metadata import MetadataStore
    from storage.protocol import TimeSeriesStore


def _attributes(text: object) -> dict[str, Any]:
    if not isinstance(text, str) or not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def entity_facts(store: TimeSeriesStore, metadata: MetadataStore | None) -> list[EntityFacts]:
    """Return the facts of every stored or registered entity; registry values win over the
    latest state's attributes."""
    entities = store.entities()
    latest = store.latest().select("entity_id", "attributes")
    registry = {row.entity_id: row for row in metadata.list_entities()} if metadata else {}
    attrs = {
        row["entity_id"]: _attributes(row["attributes"]) for row in latest.iter_rows(named=True)
    }
    facts = []
    for row in entities.iter_rows(named=True):
        eid = row["entity_id"]
        info = registry.get(eid)
        attr = attrs.get(eid, {})
        facts.append(
            EntityFacts(
                entity_id=eid,
                friendly_name=(info.friendly_name if info else None)
                or _text(attr.get("friendly_name")),
                device_class=(info.device_class if info else None)
                or row["device_class"]
                or _text(attr.get("device_class")),
                state_class=(info.state_class if info else None) or _text(attr.get("state_class")),
                unit=row["unit"]
                or (info.unit if info else None)
                or _text(attr.get("unit_of_measurement")),
                area=(info.area if info else None) or row["area"],
                attributes=frozenset(attr),
            )
        )
    stored = set(entities["entity_id"].to_list())
    for eid, info in registry.items():  # registered but no event stored yet
        if eid not in stored:
            facts.append(
                EntityFacts(
                    entity_id=eid,
                    friendly_name=info.friendly_name,
                    device_class=info.device_class,
                    state_class=info.state_class,
                    unit=info.unit,
                    area=info.area,
                )
            )
    return facts


def energy_prefs(metadata: MetadataStore | None) -> Mapping[str, Any] | None:
    """Return HA's energy preferences as the worker stored them, or None."""
    if metadata is None:
        return None
    stored = metadata.home.energy_prefs()
    return stored.prefs if stored is not None else None


def resolve_home_roles(
    store: TimeSeriesStore, metadata: MetadataStore | None, settings: Settings
) -> RoleMap:
    """Return every role's entity for this home (StoreError when the store cannot answer)."""
    return resolve_roles(
        entity_facts(store, metadata),
        energy_prefs=energy_prefs(metadata),
        user=metadata.role_choices.all() if metadata is not None else {},
        settings=settings.role_settings(),
    )
