"""Entity, device and area registries, reduced to what events need: each entity's area.

An entity's area is its own ``area_id`` when set, else its device's; events carry the
area's name, which is what people filter by.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class AreaIndex:
    """Maps entity ids to area names: the entity's own area, else its device's."""

    def __init__(self, mapping: Mapping[str, str] | None = None) -> None:
        self._areas: dict[str, str] = dict(mapping or {})

    def area_of(self, entity_id: str) -> str | None:
        """Return the area name of ``entity_id``, or None when it has none."""
        return self._areas.get(entity_id)

    def __len__(self) -> int:
        return len(self._areas)

    @classmethod
    def from_registries(
        cls,
        entities: Iterable[Mapping[str, Any]],
        devices: Iterable[Mapping[str, Any]],
        areas: Iterable[Mapping[str, Any]],
    ) -> AreaIndex:
        """Return the index built from HA's entity, device and area registry lists."""
        area_names: dict[str, str] = {}
        for area in areas:
            area_id = area.get("area_id")
            if isinstance(area_id, str):
                area_names[area_id] = str(area.get("name") or area_id)
        device_areas: dict[str, str] = {}
        for device in devices:
            device_id, area_id = device.get("id"), device.get("area_id")
            if isinstance(device_id, str) and isinstance(area_id, str):
                device_areas[device_id] = area_id
        mapping: dict[str, str] = {}
        for entity in entities:
            entity_id = entity.get("entity_id")
            if not isinstance(entity_id, str):
                continue
            area_id = entity.get("area_id")
            if not isinstance(area_id, str):
                device_id = entity.get("device_id")
                area_id = device_areas.get(device_id) if isinstance(device_id, str) else None
            if isinstance(area_id, str):
                mapping[entity_id] = area_names.get(area_id, area_id)
        return cls(mapping)
