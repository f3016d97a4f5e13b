"""Anomaly runs: stored with their findings, newest first, old runs pruned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage.metadata import AnomalyFinding, MetadataStore
from storage.metadata.anomaly_runs import KEEP_RUNS

T0 = datetime(2026, 1, 30, tzinfo=UTC)


def _finding(entity_id: str) -> AnomalyFinding:
    return AnomalyFinding(
        kind="day",
        entity_id=entity_id,
        start=T0,
        end=T0 + timedelta(days=1),
        score=5.5,
        summary="unusual day",
        evidence={"hour": [0, 1], "value": [1.0, 9.0]},
    )


def test_latest_run_comes_back_with_its_findings_and_evidence(tmp_path: Path) -> None:
    store = MetadataStore(tmp_path / "m.sqlite")
    try:
        start = T0 - timedelta(days=28)
        store.add_anomaly_run(
            trigger="cli", window_start=start, window_end=T0, entities=3,
            findings=[_finding("sensor.a")],
        )  # fmt: skip
        store.add_anomaly_run(
            trigger="daily", window_start=start, window_end=T0, entities=3,
            findings=[_finding("sensor.b")], detail={"days": 7},
        )  # fmt: skip
        latest = store.latest_anomaly_run()
    finally:
        store.close()
    assert latest is not None
    assert (latest.trigger, latest.detail) == ("daily", {"days": 7})
    assert latest.findings == (_finding("sensor.b"),)
    assert latest.findings[0].start == T0


def test_no_run_yet_is_none(tmp_path: Path) -> None:
    store = MetadataStore(tmp_path / "m.sqlite")
    try:
        assert store.latest_anomaly_run() is None
    finally:
        store.close()


def test_only_the_newest_runs_are_kept(tmp_path: Path) -> None:
    store = MetadataStore(tmp_path / "m.sqlite")
    try:
        for _ in range(KEEP_RUNS + 3):
            store.add_anomaly_run(trigger="daily", window_start=T0, window_end=T0,
                                  entities=1, findings=[_finding("sensor.a")])  # fmt: skip
        runs = store.list_anomaly_runs(limit=KEEP_RUNS + 10)
    finally:
        store.close()
    assert len(runs) == KEEP_RUNS
    assert runs[0].id == KEEP_RUNS + 3


def test_forecast_summary_is_replaced_under_its_key(tmp_path: Path) -> None:
    store = MetadataStore(tmp_path / "m.sqlite")
    try:
        assert store.forecast_summary("expected_today") is None
        store.put_forecast_summary("expected_today", {"day": "2026-01-30", "total_kwh": 40.0})
        store.put_forecast_summary("expected_today", {"day": "2026-01-31", "total_kwh": 42.5})
        stored = store.forecast_summary("expected_today")
    finally:
        store.close()
    assert stored is not None
    assert stored[0] == {"day": "2026-01-31", "total_kwh": 42.5}
