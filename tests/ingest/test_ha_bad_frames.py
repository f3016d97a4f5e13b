"""Frames a real HA never sends (a fake HA sends them): counted or stored, never a crash."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from ingest_worker.base import SourceState
from tests.ingest.ha_fixtures import FakeHA, running_source, state_changed

STAMP = "2026-01-02T03:04:05.123456+00:00"


def _state(entity_id: str, state: str, **attributes: Any) -> dict[str, Any]:
    return {
        "entity_id": entity_id,
        "state": state,
        "attributes": attributes,
        "last_changed": STAMP,
        "last_updated": STAMP,
        "context": {"id": "01TESTCONTEXT"},
    }


def _frames() -> list[str]:
    missing_time = {"entity_id": "sensor.no_time", "state": "1", "attributes": {}}
    return [
        "{not json at all",
        # A coalesced frame: an entity removal and a NaN state with a NaN attribute.
        json.dumps(
            [
                state_changed(None, entity_id="sensor.gone", fired=STAMP),
                state_changed(_state("sensor.nan", "nan", reading=float("nan"))),
                state_changed(_state("sensor.inf", "inf", unit_of_measurement="W")),
                state_changed(_state("sensor.huge", "1", big=2**70, fine=[1, 2])),
            ]
        ),
        json.dumps(state_changed(_state("sensor.big", "on", blob="x" * (1024 * 1024)))),
        json.dumps(state_changed(missing_time)),
        json.dumps("just a string"),
        json.dumps(state_changed(_state("sensor.ok", "21.5", unit_of_measurement="°C"))),
    ]


async def _stream(tmp_path: Path) -> Any:
    fake = FakeHA(frames=_frames())
    async with fake.serving(), running_source(fake.url, fake.token, tmp_path) as harness:
        async with asyncio.timeout(20):
            while not len(harness.rows(["sensor.ok"])):
                assert not harness.task.done(), harness.task
                await asyncio.sleep(0.05)
        return harness.rows(), dict(harness.source.counters), harness.status.state


async def test_bad_frames_are_counted_and_good_ones_stored(tmp_path: Path) -> None:
    rows, counters, state = await _stream(tmp_path)
    assert state == SourceState.CONNECTED
    assert counters["malformed"] == 3  # not JSON, no timestamp, not an object
    assert counters["removed"] == 1
    stored = sorted(rows["entity_id"])
    assert stored == [
        "sensor.big",
        "sensor.gone",
        "sensor.huge",
        "sensor.inf",
        "sensor.nan",
        "sensor.ok",
    ]
    # A removal is the row HA's recorder keeps for it: state "" at the event's time.
    gone = rows.filter(entity_id="sensor.gone").row(0, named=True)
    assert (gone["state"], gone["value"], gone["time"].isoformat()) == ("", None, STAMP)
    ok = rows.filter(entity_id="sensor.ok").row(0, named=True)
    assert (ok["state"], ok["value"], ok["unit"]) == ("21.5", 21.5, "°C")
    assert ok["time"].isoformat() == STAMP


async def test_nan_and_inf_states_store_a_null_value(tmp_path: Path) -> None:
    rows, _, _ = await _stream(tmp_path)
    odd = rows.filter(rows["entity_id"].is_in(["sensor.nan", "sensor.inf"])).sort("entity_id")
    assert odd["state"].to_list() == ["inf", "nan"]
    assert odd["value"].to_list() == [None, None]
    assert json.loads(odd.filter(entity_id="sensor.nan")["attributes"][0]) == {"reading": None}


async def test_one_mib_attribute_is_stored_whole(tmp_path: Path) -> None:
    rows, _, _ = await _stream(tmp_path)
    big = json.loads(rows.filter(entity_id="sensor.big")["attributes"][0])
    assert len(big["blob"]) == 1024 * 1024


async def test_integer_beyond_64_bits_is_stored_as_text(tmp_path: Path) -> None:
    rows, _, _ = await _stream(tmp_path)
    huge = json.loads(rows.filter(entity_id="sensor.huge")["attributes"][0])
    assert huge == {"big": str(2**70), "fine": [1, 2]}
