"""Who caused a change: HA state contexts become context_user_id / context_parent_id."""

from __future__ import annotations

from typing import Any

from ingest_worker.ha.convert import state_to_event
from ingest_worker.ha.registries import AreaIndex

STATE: dict[str, Any] = {
    "entity_id": "light.hall",
    "state": "on",
    "attributes": {"friendly_name": "Hall"},
    "last_changed": "2026-01-02T03:04:05.123456+00:00",
    "last_updated": "2026-01-02T03:04:05.123456+00:00",
}


def _event(context: object) -> tuple[object, object, object]:
    event = state_to_event(dict(STATE, context=context), AreaIndex())
    return event.context_id, event.context_user_id, event.context_parent_id


def test_a_person_acting_gives_the_user_id() -> None:
    context = {"id": "01JQ", "parent_id": None, "user_id": "c5755c724e4845978b6ec011e1931da6"}
    assert _event(context) == ("01JQ", "c5755c724e4845978b6ec011e1931da6", None)


def test_an_automation_acting_gives_the_parent_id() -> None:
    context = {"id": "01JR", "parent_id": "01JQ", "user_id": None}
    assert _event(context) == ("01JR", None, "01JQ")


def test_a_history_row_without_context_gives_neither() -> None:
    event = state_to_event(STATE, AreaIndex())
    assert (event.context_id, event.context_user_id, event.context_parent_id) == (
        None,
        None,
        None,
    )


def test_ids_of_the_wrong_type_are_dropped_not_stored() -> None:
    assert _event({"id": 7, "parent_id": ["x"], "user_id": {"a": 1}}) == (None, None, None)
    assert _event("not an object") == (None, None, None)
