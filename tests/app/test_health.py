"""The Health page reads the worker's status from metadata and counts recent events."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.pages import ADMIN_PAGES
from app.services.context import build_services
from app.services.health import event_rate, worker_summary
from homeiq.settings import load_settings
from storage.metadata import MetadataStore
from tests.app.conftest import SIM_END, _point_app_at

HEALTH = next(spec for spec in ADMIN_PAGES if spec.url_path == "health")


def _status(last_event: str) -> dict[str, object]:
    return {
        "pid": 4242,
        "started_at": "2026-01-30T23:00:00+00:00",
        "sources": {
            "ha": {
                "state": "connected",
                "last_event": last_event,
                "events_per_s_1m": 3.5,
                "events_per_s_15m": 2.25,
                "last_error": None,
                "counters": {"backfilled": 1200, "removed": 1},
            },
            "mqtt": {
                "state": "backoff",
                "last_event": None,
                "events_per_s_1m": 0.0,
                "events_per_s_15m": 0.0,
                "last_error": "Cannot reach broker at 127.0.0.1:1883",
            },
        },
        "spool": {"depth": 17, "bytes": 2048, "budget_bytes": 1_048_576},
        "store": {"ok": True, "backend": "embedded", "detail": "ok"},
    }


@pytest.fixture
def home_with_worker(sim_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a copy of the simulated home whose metadata holds a fresh worker status."""
    data_dir = tmp_path / "home"
    shutil.copytree(sim_dir, data_dir)
    metadata = MetadataStore(data_dir / "homeiq.sqlite")
    try:
        metadata.set_worker_status("worker", _status("2026-01-30T23:59:00+00:00"))
    finally:
        metadata.close()
    _point_app_at(monkeypatch, data_dir)
    return data_dir


def test_health_page_shows_a_running_worker_and_its_sources(home_with_worker: Path) -> None:
    at = AppTest.from_file(str(HEALTH.path), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Running (pid 4242)" in box.value for box in at.success)
    sources = next(t.value for t in at.dataframe if "source" in t.value.columns)
    assert sources["source"].tolist() == ["ha", "mqtt"]
    assert sources["state"].tolist() == ["connected", "backoff"]
    assert sources["counters"].tolist() == ["backfilled 1,200 · removed 1", "—"]
    assert sources["last error"].tolist()[1] == "Cannot reach broker at 127.0.0.1:1883"
    assert any("17 events waiting" in caption.value for caption in at.caption)


def test_worker_status_older_than_30_s_means_not_running(home_with_worker: Path) -> None:
    svc = build_services(load_settings())
    try:
        assert svc.metadata is not None
        updated = svc.metadata.worker_status()["worker"].updated_at
        fresh = worker_summary(svc, updated + timedelta(seconds=29))
        old = worker_summary(svc, updated + timedelta(seconds=31))
    finally:
        svc.store.close()
    assert fresh.running
    assert not old.running
    assert "homeiq ingest" in old.message


def test_event_rate_counts_every_stored_event(app_env: Path) -> None:
    svc = build_services(load_settings())
    try:
        rate = event_rate(svc, SIM_END)
        raw = svc.store.read(None, SIM_END - timedelta(hours=3), SIM_END)
    finally:
        svc.store.close()
    numeric = raw.filter(raw["value"].is_not_null()).height
    assert raw.height > 0
    assert round(float((rate["events_per_s"] * 300).sum())) == numeric


def test_health_page_says_how_long_the_worker_was_away(
    sim_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "home"
    shutil.copytree(sim_dir, data_dir)
    metadata = MetadataStore(data_dir / "homeiq.sqlite")
    try:
        metadata.set_worker_status("worker", _status("2026-01-30T23:59:00+00:00"))
        restart = {
            "away_from": "2026-01-30T22:58:00+00:00",
            "back_at": "2026-01-30T23:00:00+00:00",  # the reported run's started_at
            "clean_stop": False,
        }
        metadata.set_worker_status("worker_restart", restart)
    finally:
        metadata.close()
    _point_app_at(monkeypatch, data_dir)
    at = AppTest.from_file(str(HEALTH.path), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    away = [c.value for c in at.caption if "away" in c.value]
    assert away and "away 2 min after it stopped unexpectedly" in away[0], away
