"""`homeiq demo` fills the store idempotently; `homeiq status` reports it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import orjson
import polars as pl

from homeiq.sim import GROUND_TRUTH_FILE
from storage.factory import open_store
from storage.metadata import MetadataStore
from tests.cli.conftest import Homeiq


def _status(cli: Homeiq) -> dict:  # type: ignore[type-arg]
    result = cli("status", "--json")
    assert result.exit_code == 0, result.output
    return orjson.loads(result.stdout)


def test_demo_then_status_reports_50_entities_and_events(demo_home: Homeiq) -> None:
    store = _status(demo_home)["store"]
    assert store["backend"] == "embedded"
    assert store["entities"] == 50
    assert store["events"] > 10_000
    assert store["oldest"] < store["newest"]
    assert store["bytes_on_disk"] > 0


def test_demo_rerun_does_not_change_the_event_count(demo_home: Homeiq) -> None:
    before = _status(demo_home)["store"]["events"]
    result = demo_home("demo", "--days", "7", "--entities", "50")
    assert result.exit_code == 0, result.output
    assert " 0 new" in result.output
    assert _status(demo_home)["store"]["events"] == before


def test_demo_fills_the_entity_registry(demo_home: Homeiq) -> None:
    metadata = MetadataStore(demo_home.data_dir / "homeiq.sqlite")
    entities = {row.entity_id: row for row in metadata.list_entities()}
    metadata.close()
    assert len(entities) == 50
    porch = entities["light.porch"]
    assert (porch.friendly_name, porch.area) == ("Porch light", "Outside")
    assert porch.first_seen is not None and porch.last_seen is not None


def test_ground_truth_morning_light_matches_stored_events(demo_home: Homeiq) -> None:
    truth = orjson.loads((demo_home.data_dir / GROUND_TRUTH_FILE).read_bytes())
    assert truth["entities"] == 50
    routine = next(r for r in truth["routines"] if r["entity_id"] == "light.bedroom")
    planted = [datetime.fromisoformat(t.replace("Z", "+00:00")) for t in routine["occurrences"]]
    # 7 days hold at least 4 weekday mornings unless they fall in the planted away week
    assert len(planted) >= 4 or truth["away"]
    store = open_store(backend="embedded", data_dir=demo_home.data_dir)
    try:
        start = datetime.fromisoformat(truth["start"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(truth["end"].replace("Z", "+00:00"))
        light = store.read(["light.bedroom"], start, end)
    finally:
        store.close()
    ons = light.filter(pl.col("state") == "on").get_column("time").to_list()
    zone = ZoneInfo(truth["timezone"])
    for moment in planted:
        assert moment in ons
        local = moment.astimezone(zone)
        assert abs(local.hour * 60 + local.minute - (6 * 60 + 45)) <= 6


def test_status_prints_a_table(demo_home: Homeiq) -> None:
    result = demo_home("status")
    assert result.exit_code == 0, result.output
    assert "embedded" in result.output
    assert "entities" in result.output and "50" in result.output


def test_status_of_an_empty_store_reports_zero(homeiq: Homeiq) -> None:
    store = _status(homeiq)["store"]
    assert (store["events"], store["entities"], store["oldest"]) == (0, 0, None)


def test_demo_rejects_too_few_entities_naming_the_flag(homeiq: Homeiq) -> None:
    result = homeiq("demo", "--entities", "5")
    assert result.exit_code == 2
    assert "--entities" in result.output and "5" in result.output and "34" in result.output


def test_bad_setting_exits_2_naming_it(homeiq: Homeiq) -> None:
    result = homeiq("status", env={"HOMEIQ_STORE": "mongodb"})
    assert result.exit_code == 2
    assert "HOMEIQ_STORE" in result.output


def test_demo_rejects_an_unknown_time_zone_naming_it(homeiq: Homeiq) -> None:
    result = homeiq("demo", "--days", "1", "--entities", "40", "--timezone", "Mars/Olympus")
    assert result.exit_code == 2
    assert "Mars/Olympus" in result.output
