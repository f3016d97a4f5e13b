"""MQTT payload rules: flattening, plain states, retained marks, times, quarantine reasons."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingest_worker.mqtt.payloads import decode_message, topic_entity

RECEIVED = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def _decode(payload: bytes, *, topic: str = "zigbee2mqtt/Kitchen Sensor", retained: bool = False):  # type: ignore[no-untyped-def]
    return decode_message(topic, payload, retained=retained, received=RECEIVED, max_bytes=1024)


def test_topic_entity_is_slug_of_topic() -> None:
    assert topic_entity("zigbee2mqtt/Kitchen Sensor") == "mqtt.zigbee2mqtt_kitchen_sensor"
    assert topic_entity("tele/plug-1/SENSOR") == "mqtt.tele_plug_1_sensor"


def test_json_object_flattens_one_event_per_field() -> None:
    decoded = _decode(
        b'{"temperature": 21.5, "humidity": 40, "battery_low": false, '
        b'"update": {"state": "idle"}, "list": [1, 2], "none": null}'
    )
    rows = {e.entity_id: (e.state, e.row()["value"]) for e in decoded.events}
    base = "mqtt.zigbee2mqtt_kitchen_sensor"
    assert rows == {
        f"{base}.temperature": ("21.5", 21.5),
        f"{base}.humidity": ("40", 40.0),
        f"{base}.battery_low": ("off", 0.0),
        f"{base}.update_state": ("idle", None),
    }
    assert all(
        e.time == RECEIVED and e.topic == "zigbee2mqtt/Kitchen Sensor" for e in decoded.events
    )


def test_plain_number_becomes_state_of_topic_entity() -> None:
    decoded = _decode(b" 230.4 ", topic="home/voltage")
    assert [(e.entity_id, e.state, e.row()["value"]) for e in decoded.events] == [
        ("mqtt.home_voltage", "230.4", 230.4)
    ]


def test_retained_message_is_marked() -> None:
    decoded = _decode(b"ON", topic="home/switch", retained=True)
    assert decoded.events[0].attributes == {"retained": True}
    assert decoded.events[0].state == "ON"


def test_payload_time_with_offset_is_used_and_not_stored() -> None:
    decoded = _decode(b'{"time": "2026-05-01T10:00:00+02:00", "power": 5}')
    assert decoded.payload_time
    assert [(e.entity_id.rsplit(".", 1)[1], e.time) for e in decoded.events] == [
        ("power", datetime(2026, 5, 1, 8, 0, tzinfo=UTC))
    ]


def test_epoch_millis_payload_time() -> None:
    decoded = _decode(b'{"ts": 1777636800000, "power": 5}')
    assert decoded.events[0].time == datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_naive_payload_time_falls_back_to_receive_time() -> None:
    decoded = _decode(b'{"Time": "2026-05-01T10:00:00", "power": 5}')
    assert not decoded.payload_time
    assert decoded.events[0].time == RECEIVED


def test_nan_and_infinity_keep_text_with_null_value() -> None:
    decoded = _decode(b'{"a": NaN, "b": Infinity, "c": "nan"}')
    assert [(e.state, e.row()["value"]) for e in decoded.events] == [
        ("nan", None),
        ("inf", None),
        ("nan", None),
    ]


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"\xff\xfe\x00bad", "invalid_utf8"),
        (b"abc\x00def", "binary"),
        (b"x" * 2000, "oversized"),
        (b'{"temperature": 21.5', "unparseable_json"),
        (b"[1, 2, 3]", "unsupported_json"),
        (b'{"only": [1]}', "no_fields"),
    ],
)
def test_bad_payload_gets_quarantine_reason(payload: bytes, reason: str) -> None:
    decoded = _decode(payload)
    assert decoded.reject == reason
    assert decoded.events == ()


def test_empty_payload_yields_nothing() -> None:
    decoded = _decode(b"")
    assert decoded.reject is None and decoded.events == ()
