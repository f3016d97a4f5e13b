"""Turning Home Assistant state objects into events.

Live ``state_changed`` events, the ``get_states`` snapshot and REST history rows all pass
through ``state_to_event``, so one state gets one identity everywhere: (entity_id,
time = ``last_updated`` in UTC microseconds, source ``ha``). ``last_updated`` (not
``last_changed``) because it moves on every state HA records, attribute-only changes too.
Overlapping snapshot, live and backfill events therefore store once.

Who caused a change comes from the state's ``context``: ``user_id`` (a person acting through
the UI, an app or a REST call with their token) and ``parent_id`` (the context of the
automation or script run that made it). Live events and the snapshot carry it; HA's
history API does not (its recorder states have an empty context), so backfilled rows have
neither.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from ingest_worker.ha.registries import AreaIndex
from storage.events import Event, attributes_json, parse_value

# Attributes that get their own event column instead of staying in ``attributes``.
_LIFTED: Final = frozenset({"unit_of_measurement", "device_class"})
_INT64: Final = 2**63


class MalformedState(ValueError):
    """A state object lacks a field every HA state has, or holds one of the wrong type."""


def parse_ha_time(text: object) -> datetime:
    """Return an HA ISO timestamp as an aware UTC datetime (microseconds kept)."""
    if not isinstance(text, str):
        raise MalformedState(f"timestamp is {type(text).__name__}, not an ISO string")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as err:
        raise MalformedState(f"timestamp {text[:40]!r} is not ISO 8601") from err
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def state_to_event(state: Mapping[str, Any], areas: AreaIndex) -> Event:
    """Return the event for one HA state object; raise MalformedState when it is not one."""
    entity_id = state.get("entity_id")
    if not isinstance(entity_id, str) or "." not in entity_id:
        raise MalformedState(f"entity_id {str(entity_id)[:80]!r} is not an HA entity id")
    raw_state = state.get("state")
    if not isinstance(raw_state, str):
        raise MalformedState(f"state of {entity_id} is {type(raw_state).__name__}, not text")
    time = parse_ha_time(state.get("last_updated") or state.get("last_changed"))
    attributes = state.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise MalformedState(f"attributes of {entity_id} are {type(attributes).__name__}")
    unit = attributes.get("unit_of_measurement")
    device_class = attributes.get("device_class")
    context = state.get("context")
    if not isinstance(context, dict):  # HA's history API sends no context (see ha_client.history)
        context = {}
    context_id, user_id, parent_id = (context.get(k) for k in ("id", "user_id", "parent_id"))
    return Event(
        time=time,
        entity_id=entity_id,
        state=raw_state,
        source="ha",
        value=parse_value(raw_state),
        unit=unit if isinstance(unit, str) else None,
        device_class=device_class if isinstance(device_class, str) else None,
        area=areas.area_of(entity_id),
        attributes=json_safe(
            {key: value for key, value in attributes.items() if key not in _LIFTED}
        ),
        context_id=context_id if isinstance(context_id, str) else None,
        context_user_id=user_id if isinstance(user_id, str) else None,
        context_parent_id=parent_id if isinstance(parent_id, str) else None,
    )


def removal_state(entity_id: object, time_fired: object) -> dict[str, Any]:
    """Return the state object HA's history reports for an entity removed at ``time_fired``.

    The recorder writes a removal (``new_state`` null) as state "" with no attributes,
    stamped with the event's ``time_fired``; ``state_to_event`` turns this into that row.
    """
    return {"entity_id": entity_id, "state": "", "last_updated": time_fired, "attributes": {}}


def json_safe(attributes: dict[str, Any]) -> dict[str, Any]:
    """Return ``attributes`` unchanged when they serialize, else a cleaned copy that does.

    The spool commits many events in one transaction; one attribute orjson cannot write
    (an integer beyond 64 bits, say) must not fail the others, so it is made text here.
    """
    try:
        attributes_json(attributes)
    except (TypeError, ValueError):
        cleaned = _clean(attributes)
        return cleaned if isinstance(cleaned, dict) else {}
    return attributes


def _clean(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str | float):
        return value
    if isinstance(value, int):
        return value if -_INT64 <= value < _INT64 else str(value)
    if isinstance(value, Mapping):
        return {str(key): _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    return str(value)
