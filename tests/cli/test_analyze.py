"""`homeiq analyze`: the --json shape, the summary table, and a store too short to analyse."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.analysis.home import write_home
from tests.cli.conftest import Homeiq

PLACE_ENV = {
    "HOMEIQ_TIMEZONE": "Europe/Amsterdam",
    "HOMEIQ_LATITUDE": "52.37",
    "HOMEIQ_LONGITUDE": "4.90",
}
KEYS = {
    "id", "kind", "entity_id", "to_state", "local_time", "weekdays", "event", "offset_minutes",
    "trigger_entity_id", "trigger_to_state", "confidence", "evidence", "automation", "status",
}  # fmt: skip


def test_analyze_json_lists_suggestions_in_the_public_shape(homeiq: Homeiq) -> None:
    write_home(homeiq.data_dir, days=32, now=datetime.now(UTC)).close()
    result = homeiq("analyze", "--json", env=PLACE_ENV)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload["run"]) == {"id", "started_at", "days", "events_read", "seconds"}
    assert payload["run"]["days"] == 30 and payload["run"]["events_read"] > 0
    kinds = {s["kind"]: s for s in payload["suggestions"]}
    assert set(kinds) == {"time", "sun", "trigger"}
    assert set(payload) == {"run", "suggestions"}
    assert all(set(s) == KEYS for s in payload["suggestions"])
    time_s, sun_s, trig_s = kinds["time"], kinds["sun"], kinds["trigger"]
    assert time_s["weekdays"] == [0, 1, 2, 3, 4] and len(time_s["local_time"]) == 5
    assert sun_s["event"] == "sunset" and isinstance(sun_s["offset_minutes"], int)
    assert (
        trig_s["trigger_entity_id"] == "binary_sensor.hall_motion"
        and trig_s["trigger_to_state"] == "on"
    )
    assert all(s["status"] == "new" and 0 < s["confidence"] <= 1 for s in payload["suggestions"])
    assert time_s["automation"]["mode"] == "single"


def test_analyze_prints_a_summary_table(homeiq: Homeiq) -> None:
    write_home(homeiq.data_dir, days=32, now=datetime.now(UTC)).close()
    result = homeiq("analyze", env=PLACE_ENV)
    assert result.exit_code == 0, result.output
    assert "Analysis run 1" in result.stdout and "Turn on Bedroom" in result.stdout


def test_empty_store_exits_0_saying_how_many_days_are_needed(homeiq: Homeiq) -> None:
    result = homeiq("analyze", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) == {"run", "suggestions"} and payload["suggestions"] == []
    assert "at least 28 days" in result.stderr


def test_too_few_days_flag_says_what_to_pass(homeiq: Homeiq) -> None:
    result = homeiq("analyze", "--days", "7")
    assert result.exit_code == 0, result.output
    assert "--days 28" in result.stdout


def test_unknown_time_zone_setting_exits_2_naming_it(homeiq: Homeiq) -> None:
    result = homeiq("analyze", env={"HOMEIQ_TIMEZONE": "Mars/Base"})
    assert result.exit_code == 2
    assert "HOMEIQ_TIMEZONE" in result.output


def test_place_comes_from_the_stored_home_facts(homeiq: Homeiq) -> None:
    from storage.metadata import MetadataStore
    from storage.metadata.home import HomeFacts

    write_home(homeiq.data_dir, days=32, now=datetime.now(UTC)).close()
    meta = MetadataStore(homeiq.data_dir / "homeiq.sqlite")
    meta.home.save(
        HomeFacts(source="ha", time_zone="Europe/Amsterdam", latitude=52.37, longitude=4.90)
    )
    meta.close()
    result = homeiq("analyze", "--json")  # no HOMEIQ_TIMEZONE / LATITUDE / LONGITUDE given
    assert result.exit_code == 0, result.output
    kinds = {s["kind"] for s in json.loads(result.stdout)["suggestions"]}
    assert "sun" in kinds


def test_daily_analysis_stores_a_run_and_an_anomaly_run(homeiq: Homeiq) -> None:
    # What the worker runs each night in a child process (HOMEIQ_ANALYZE_AT).
    from storage.metadata import MetadataStore

    write_home(homeiq.data_dir, days=32, now=datetime.now(UTC)).close()
    result = homeiq("daily-analysis", env=PLACE_ENV)
    assert result.exit_code == 0, result.output
    meta = MetadataStore(homeiq.data_dir / "homeiq.sqlite")
    try:
        run = meta.analysis.latest_run()
        assert run is not None and run.events_read > 0
        anomalies = meta.latest_anomaly_run()
        assert anomalies is not None and anomalies.trigger == "daily"
    finally:
        meta.close()
