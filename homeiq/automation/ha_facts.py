"""What the safety rules need to know about the home, read from Home Assistant."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

from automations.safety import EntityFact, HomeFacts
from ha_client.automation_config import AutomationConfigClient, HAError

_log = logging.getLogger(__name__)
_PRESENCE_CLASSES = frozenset({"presence", "occupancy"})


def _entity_facts(
    registry: list[dict[str, Any]], devices: list[dict[str, Any]], states: list[dict[str, Any]]
) -> dict[str, EntityFact]:
    device_area = {d.get("id"): d.get("area_id") for d in devices}
    attributes = {s["entity_id"]: s.get("attributes", {}) for s in states if "entity_id" in s}
    facts: dict[str, EntityFact] = {}
    for entry in registry:
        entity_id = str(entry.get("entity_id", ""))
        attrs = attributes.get(entity_id, {})
        facts[entity_id] = EntityFact(
            entity_id=entity_id,
            disabled=entry.get("disabled_by") is not None,
            area_id=entry.get("area_id") or device_area.get(entry.get("device_id")),
            device_class=entry.get("device_class")
            or entry.get("original_device_class")
            or attrs.get("device_class"),
            unit=attrs.get("unit_of_measurement"),
        )
    # Entities set up from YAML without a unique_id have a state but no registry entry.
    for entity_id, attrs in attributes.items():
        facts.setdefault(
            entity_id,
            EntityFact(
                entity_id=entity_id,
                device_class=attrs.get("device_class"),
                unit=attrs.get("unit_of_measurement"),
            ),
        )
    return facts


def _has_presence(states: list[dict[str, Any]]) -> bool:
    for state in states:
        entity_id = str(state.get("entity_id", ""))
        if entity_id.startswith(("person.", "device_tracker.")):
            return True
        if state.get("attributes", {}).get("device_class") in _PRESENCE_CLASSES:
            return True
    return False


def existing_automations(
    client: AutomationConfigClient, states: list[dict[str, Any]]
) -> tuple[dict[str, Any], ...]:
    """Return the configs of HA's UI-managed automations (those with an ``id``)."""
    found = []
    for state in states:
        if not str(state.get("entity_id", "")).startswith("automation."):
            continue
        config_id = state.get("attributes", {}).get("id")
        if not config_id:
            continue
        config = client.get_config(str(config_id))
        if config is not None:
            found.append(config)
    return tuple(found)


def read_home_facts(client: AutomationConfigClient) -> HomeFacts:
    """Return the registry, actions, automations, unit and presence HA reports.

    Raises HAError when HA cannot be asked.
    """
    registry, devices, services = client.ws_commands(
        [
            {"type": "config/entity_registry/list"},
            {"type": "config/device_registry/list"},
            {"type": "get_services"},
        ]
    )
    states = client.states()
    return HomeFacts(
        entities=_entity_facts(list(registry or []), list(devices or []), states),
        actions=frozenset(
            f"{domain}.{name}" for domain, names in (services or {}).items() for name in names
        ),
        existing=existing_automations(client, states),
        temperature_unit=client.temperature_unit(),
        has_presence=_has_presence(states),
    )


# A card page validates every suggestion on each redraw; HA is asked at most once a minute
# for display. Deploying always asks afresh (max_age_s=0).
_CACHE: dict[str, tuple[float, HomeFacts]] = {}


def try_home_facts(
    client: AutomationConfigClient | None, *, skip_id: str | None, max_age_s: float = 0.0
) -> HomeFacts:
    """Return HA's facts without automation ``skip_id``, or empty facts when HA cannot answer.

    Empty facts make the ``not_checked`` rule say which checks were not made.
    """
    if client is None:
        return HomeFacts()
    cached = _CACHE.get(client.base_url)
    if cached is not None and time.monotonic() - cached[0] <= max_age_s:
        facts = cached[1]
    else:
        try:
            facts = read_home_facts(client)
        except HAError as err:
            _log.warning("safety checks without HA's registry: %s", err)
            return HomeFacts()
        _CACHE[client.base_url] = (time.monotonic(), facts)
    others = tuple(c for c in facts.existing if c.get("id") != skip_id)
    return replace(facts, existing=others)
