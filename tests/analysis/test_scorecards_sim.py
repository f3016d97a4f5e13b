"""The analysis run's scorecard of a deployed automation, on the simulated home's driveway light."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from homeiq.analysis.scorecards import card_of
from homeiq.sim import simulate_home
from homeiq.sim.automated import AUTOMATION_ID, OVERRIDE_SHARE
from storage.factory import open_store
from storage.metadata import Suggestion

END = datetime(2026, 11, 8, tzinfo=UTC)


def test_driveway_automation_scorecard_counts_runs_and_overrides(tmp_path: Path) -> None:
    store = open_store(backend="embedded", data_dir=tmp_path)
    try:
        simulate_home(store, days=30, entities=40, seed=42, end=END)
        deployed = Suggestion(
            id=1, created_at=END - timedelta(days=20), kind="trigger", title="Driveway",
            body="", status="deployed", ha_automation_id=AUTOMATION_ID,
            deployed_at=END - timedelta(days=15), entity_id="light.driveway",
        )  # fmt: skip
        latest = store.latest().filter(pl.col("entity_id").str.starts_with("automation."))
        card = card_of(store, deployed, latest, END)
        runs = store.read(["automation.driveway_light"], END - timedelta(days=15), END)
    finally:
        store.close()
    assert card is not None
    assert card["automation_entity_id"] == "automation.driveway_light"
    assert card["fired"] == runs.height > 10
    assert card["acted"] == card["fired"]  # the light was off each time the gate opened
    assert card["override_share"] == pytest.approx(OVERRIDE_SHARE, abs=0.12)
    assert card["consider_rollback"] is False
    assert card["manual_per_day_after"] > 0  # the person switches it off by hand
