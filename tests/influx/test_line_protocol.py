"""Line-protocol escaping: awkward strings survive encoder -> InfluxDB 3 grammar -> reader."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from storage.events import Event, events_to_frame
from storage.influx3 import InfluxStore
from storage.influx3.line_protocol import (
    MAX_STRING_BYTES,
    encode_frame,
    escape_measurement,
    normalize_tag_value,
)
from tests.support.influx_standin.lp_parser import LineError, parse_line

AWKWARD = [
    " ",
    ",",
    "=",
    '"',
    "\\",
    "\n",
    "\t",
    "\r",
    "#",
    "'",
    "é",
    "°C",
    "漢字",
    "🙂",
    "\\,",
    "\\ ",
    '\\"',
    "a=b,c d",
    "\\\\",
    "\x00",
    "=\\",
    "null",
    "",
    "  ",
]
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _awkward(rng: random.Random) -> str:
    pool = [*AWKWARD, "x", "Living Room", "1.5"]
    return "".join(rng.choice(pool) for _ in range(rng.randint(1, 8)))


def _parse(line: str) -> dict[str, object]:
    parsed = parse_line(line)
    values: dict[str, object] = dict(parsed.tags)
    values.update({key: value for key, _, value in parsed.fields})
    values["__measurement"] = parsed.measurement
    values["__time"] = parsed.timestamp
    return values


def _events(rng: random.Random, count: int) -> list[Event]:
    return [
        Event(
            time=T0 + timedelta(seconds=index),
            entity_id=f"sensor.awkward_{index % 7}",
            state=_awkward(rng),
            source="mqtt",
            unit=_awkward(rng),
            device_class=_awkward(rng),
            area=_awkward(rng),
            attributes={_awkward(rng): _awkward(rng)},
            context_id=_awkward(rng),
            topic=_awkward(rng),
            context_user_id=_awkward(rng),
            context_parent_id=_awkward(rng),
        )
        for index in range(count)
    ]


def test_awkward_strings_round_trip_through_the_influxdb_grammar() -> None:
    frame = events_to_frame(_events(random.Random(7), 400))
    lines = encode_frame(frame).to_list()
    for row, line in zip(frame.iter_rows(named=True), lines, strict=True):
        got = _parse(line)
        assert got["__measurement"] == "events"
        assert got["__time"] == int(row["time"].timestamp()) * 1_000_000_000
        for name in (
            "state",
            "unit",
            "attributes",
            "context_id",
            "topic",
            "context_user_id",
            "context_parent_id",
        ):
            assert got[name] == row[name], (name, line)
        for name in ("area", "device_class", "entity_id", "domain", "source"):
            expected = normalize_tag_value(row[name])
            assert got.get(name) == (expected or None), (name, line)


def test_string_fields_keep_newlines_quotes_and_backslashes_exactly() -> None:
    state = 'line one\nline "two" \\ end\\'
    frame = events_to_frame([Event(time=T0, entity_id="sensor.x", state=state, source="ha")])
    assert _parse(encode_frame(frame)[0])["state"] == state


@pytest.mark.parametrize(
    ("area", "stored"),
    [
        ("Kid's room, upstairs", "Kid's room, upstairs"),
        ("a=b c", "a=b c"),
        ("tab\there", "tab here"),
        ("new\nline", "new line"),
        ("ends with \\", "ends with "),
        ("Küche", "Küche"),
    ],
)
def test_tag_values_lose_only_what_line_protocol_cannot_carry(area: str, stored: str) -> None:
    event = Event(time=T0, entity_id="light.x", state="on", source="ha", area=area)
    assert _parse(encode_frame(events_to_frame([event]))[0])["area"] == stored


def test_empty_tag_value_is_left_out_of_the_line() -> None:
    event = Event(time=T0, entity_id="light.x", state="on", source="ha", area="")
    line = encode_frame(events_to_frame([event]))[0]
    assert "area=" not in line
    assert "area" not in _parse(line)


@pytest.mark.parametrize("value", [0.0, -0.0, 5.0, 1e20, 1.5e-7, -123456.789, 2.0**53])
def test_numeric_values_parse_back_as_the_same_float(value: float) -> None:
    event = Event(time=T0, entity_id="sensor.x", state=repr(value), source="ha", value=value)
    parsed = parse_line(encode_frame(events_to_frame([event]))[0])
    kinds = {key: (kind, got) for key, kind, got in parsed.fields}
    assert kinds["value"] == ("float", value)


def test_oversized_attributes_become_a_marker_instead_of_failing_the_line() -> None:
    big = {"forecast": "x" * (MAX_STRING_BYTES + 10)}
    event = Event(time=T0, entity_id="weather.home", state="sunny", source="ha", attributes=big)
    stored = json.loads(str(_parse(encode_frame(events_to_frame([event]))[0])["attributes"]))
    assert stored == {"homeiq_truncated_bytes": MAX_STRING_BYTES + 10 + len('{"forecast":""}')}


def test_measurement_escaping_is_accepted_by_the_grammar() -> None:
    line = f"{escape_measurement('my events, v2')} v=1 1"
    assert parse_line(line).measurement == "my events, v2"


@pytest.mark.parametrize(
    "line",
    [
        "events,area=ends\\\\ v=1 1",  # tag value ends with a backslash
        "events,area= v=1 1",  # empty tag value
        "events,=x v=1 1",  # empty tag key
        "events,area v=1 1",  # tag without equals sign
        "events area=x",  # no field value
        "events",  # no fields at all
        'events v="unterminated 1',
        "events v=1 1 2",  # trailing content
        "events v=1,v=2 1",  # duplicate field
        "events,t=a,t=b v=1 1",  # duplicate tag
        "events v=1x 1",  # not a number
    ],
)
def test_the_stand_in_grammar_refuses_what_influxdb_refuses(line: str) -> None:
    with pytest.raises(LineError):
        parse_line(line)


def test_awkward_events_round_trip_through_the_real_client_and_stand_in(
    store: InfluxStore,
) -> None:
    frame = events_to_frame(_events(random.Random(11), 300))
    assert store.write(frame).written == frame.height
    back = store.read(None, T0, T0 + timedelta(hours=1))
    expected = frame.sort("entity_id", "time").with_columns(
        *(
            pl.col(name)
            .str.replace_all(r"[\t\n\r]", " ")
            .str.replace(r"\\+$", "")
            .replace("", None)
            .alias(name)
            for name in ("area", "device_class")
        )
    )
    assert back.equals(expected)


def test_the_stand_in_fast_path_agrees_with_the_full_grammar() -> None:
    from tests.support.influx_standin.lp_parser import parse_slowly

    frame = events_to_frame(_events(random.Random(5), 300))
    for line in encode_frame(frame).to_list():
        assert parse_line(line) == parse_slowly(line)
