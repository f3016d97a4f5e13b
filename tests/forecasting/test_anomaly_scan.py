"""The anomaly run on a simulated home finds the planted anomalies, stores the run, and
flags little else."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from homeiq.anomaly_scan import run_anomalies, scan_anomalies
from homeiq.cli import app
from storage.factory import open_store
from storage.metadata import MetadataStore
from tests.forecasting.conftest import SIM_END

# README ("Anomalies"): on the simulated home, at most this share of entity-days is flagged
# as unusual besides the planted ones.
FALSE_DAY_RATE = 0.02


def test_planted_heater_day_and_stopped_sensor_are_found(one_home: Path) -> None:
    store = open_store(backend="embedded", data_dir=one_home)
    try:
        report = scan_anomalies(store, days=7, tz="Europe/Amsterdam", now=SIM_END)
    finally:
        store.close()
    days = [(f.entity_id, f.start.date().isoformat()) for f in report.findings if f.kind == "day"]
    assert ("sensor.space_heater_power", "2026-01-28") in days
    silent = [f.entity_id for f in report.findings if f.kind == "silent"]
    assert silent == ["sensor.attic_temperature"]
    heater = next(f for f in report.findings if f.entity_id == "sensor.space_heater_power")
    assert len(heater.evidence["value"]) == 24


def test_unplanted_entities_are_rarely_flagged(one_home: Path) -> None:
    store = open_store(backend="embedded", data_dir=one_home)
    try:
        report = scan_anomalies(store, days=28, tz="Europe/Amsterdam", now=SIM_END)
    finally:
        store.close()
    planted = {"sensor.space_heater_power", "sensor.attic_temperature"}
    others = [f for f in report.findings if f.kind == "day" and f.entity_id not in planted]
    assert len(others) <= FALSE_DAY_RATE * report.entities * 28, [f.summary for f in others]


def test_run_is_stored_with_its_findings(one_home: Path, tmp_path: Path) -> None:
    store = open_store(backend="embedded", data_dir=one_home)
    metadata = MetadataStore(tmp_path / "homeiq.sqlite")
    try:
        run = run_anomalies(store, metadata, days=7, tz="Europe/Amsterdam", now=SIM_END)
        latest = metadata.latest_anomaly_run()
    finally:
        store.close()
        metadata.close()
    assert latest is not None and latest.id == run.id
    assert latest.trigger == "daily"
    assert {f.entity_id for f in latest.findings} >= {"sensor.attic_temperature"}
    assert latest.findings == run.findings


def test_forecast_command_prints_the_public_json(one_home: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["forecast", "--entity", "sensor.house_energy", "--json"],
        env={"HOMEIQ_DATA_DIR": str(one_home), "HOMEIQ_TIMEZONE": "Europe/Amsterdam"},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    body = orjson.loads(result.stdout)
    assert list(body) == [
        "entity_id",
        "bucket",
        "horizon",
        "model",
        "models",
        "baseline",
        "forecast",
    ]
    assert (body["entity_id"], body["bucket"], body["horizon"]) == (
        "sensor.house_energy",
        "1h",
        "24h",
    )
    assert body["baseline"]["name"] == "naive_day"
    chosen = next(m for m in body["models"] if m["name"] == body["model"])
    assert chosen["mase"] < 1
    assert set(body["models"][0]) == {"name", "mae", "mase", "coverage"}
    assert len(body["forecast"]) == 24
    assert body["forecast"][0]["time"].endswith("Z")
    assert set(body["forecast"][0]) == {"time", "value", "low", "high"}


def test_forecast_command_explains_an_unknown_entity(one_home: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["forecast", "--entity", "sensor.nope"],
        env={"HOMEIQ_DATA_DIR": str(one_home)},
    )
    assert result.exit_code == 2
    assert "not in the store" in result.output


def test_anomalies_command_prints_findings_as_json(one_home: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.symlink_to(one_home)
    result = CliRunner().invoke(
        app,
        ["anomalies", "--days", "7", "--json"],
        env={"HOMEIQ_DATA_DIR": str(data), "HOMEIQ_TIMEZONE": "Europe/Amsterdam"},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    body = orjson.loads(result.stdout)
    assert body["days"] == 7
    assert "sensor.attic_temperature" in {f["entity_id"] for f in body["findings"]}
