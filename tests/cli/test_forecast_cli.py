"""`homeiq forecast --json` and `homeiq anomalies --json`: the public shapes on a demo home."""

from __future__ import annotations

import json
from datetime import datetime

from tests.cli.conftest import Homeiq


def test_forecast_json_has_the_public_shape_and_beats_or_names_the_baseline(
    homeiq: Homeiq,
) -> None:
    made = homeiq("demo", "--days", "21", "--entities", "40")
    assert made.exit_code == 0, made.output
    result = homeiq("forecast", "--entity", "sensor.house_energy", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) == {
        "entity_id", "bucket", "horizon", "model", "models", "baseline", "forecast"
    }  # fmt: skip
    assert (payload["entity_id"], payload["bucket"], payload["horizon"]) == (
        "sensor.house_energy",
        "1h",
        "24h",
    )
    assert all(set(m) == {"name", "mae", "mase", "coverage"} for m in payload["models"])
    assert set(payload["baseline"]) == {"name", "mae"}
    names = {m["name"]: m for m in payload["models"]}
    assert payload["model"] in names and payload["baseline"]["name"] in names
    drawn = names[payload["model"]]
    # the drawn model is the naive one unless it beats it in the backtest
    assert payload["model"] == payload["baseline"]["name"] or drawn["mase"] < 1
    assert len(payload["forecast"]) == 24
    first = payload["forecast"][0]
    assert set(first) == {"time", "value", "low", "high"}
    assert first["time"].endswith("Z") and datetime.fromisoformat(first["time"])
    assert first["low"] <= first["value"] <= first["high"]


def test_forecast_of_an_unknown_entity_is_refused_with_its_name(homeiq: Homeiq) -> None:
    made = homeiq("demo", "--days", "3", "--entities", "40")
    assert made.exit_code == 0, made.output
    result = homeiq("forecast", "--entity", "sensor.nope", "--json")
    assert result.exit_code != 0
    assert "sensor.nope" in result.output
