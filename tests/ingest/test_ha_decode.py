"""Decoding HA frames: the fields the source reads survive, old_state is skipped."""

from __future__ import annotations

import json
import math

import pytest

from ha_client.frames import decode_frame, decode_messages

NEW = {
    "entity_id": "sensor.a",
    "state": "21.5",
    "attributes": {"unit_of_measurement": "°C", "big": 2**70, "nested": {"x": [1, None]}},
    "last_changed": "2026-01-02T03:04:05.123456+00:00",
    "last_updated": "2026-01-02T03:04:05.123456+00:00",
    "context": {"id": "01C", "parent_id": None, "user_id": None},
}


def _event(data: object) -> dict[str, object]:
    return {
        "id": 7,
        "type": "event",
        "event": {
            "event_type": "state_changed",
            "data": data,
            "origin": "LOCAL",
            "time_fired": "2026-01-02T03:04:05.123456+00:00",
            "context": {"id": "01C"},
        },
    }


def test_coalesced_events_keep_what_the_source_reads_and_drop_old_state() -> None:
    old = dict(NEW, state="20.0")
    frame = json.dumps([_event({"entity_id": "sensor.a", "old_state": old, "new_state": NEW})])
    (message,) = decode_messages(frame)
    assert message["type"] == "event" and message["id"] == 7
    event = message["event"]
    assert event["event_type"] == "state_changed"
    assert event["time_fired"] == "2026-01-02T03:04:05.123456+00:00"
    assert event["data"] == {"entity_id": "sensor.a", "new_state": NEW}  # new_state whole
    assert decode_frame(frame)[0]["event"]["data"]["old_state"] == old  # general path keeps it


def test_the_new_states_user_and_parent_context_survive_the_fast_path() -> None:
    new = dict(NEW, context={"id": "01D", "parent_id": "01C", "user_id": "c5755c72"})
    frame = json.dumps(_event({"entity_id": "sensor.a", "old_state": NEW, "new_state": new}))
    (message,) = decode_messages(frame)
    assert message["event"]["data"]["new_state"]["context"] == new["context"]


def test_results_and_errors_are_kept_whole() -> None:
    ok = {"id": 3, "type": "result", "success": True, "result": [NEW]}
    failed = {"id": 4, "type": "result", "success": False, "error": {"code": "x", "message": "y"}}
    assert decode_messages(json.dumps(ok)) == [ok]
    assert decode_messages(json.dumps([failed, {"id": 5, "type": "pong"}])) == [
        failed,
        {"id": 5, "type": "pong"},
    ]


def test_frames_of_another_shape_take_the_general_path() -> None:
    odd = _event("not an object")
    assert decode_messages(json.dumps([odd])) == [odd]
    (nan,) = decode_messages('{"type": "event", "event": {"data": {"new_state": NaN}}}')
    assert math.isnan(nan["event"]["data"]["new_state"])
    with pytest.raises(ValueError):
        decode_messages("[1, 2]")
    with pytest.raises(ValueError):
        decode_messages("{not json")
