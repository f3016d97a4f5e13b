"""Patterns and Suggestions pages on a simulated home that the analysis has run over."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.place import HomePlace
from app.pages import ROOT
from homeiq.analysis import run_analysis
from homeiq.sim import GROUND_TRUTH_FILE, simulate_home
from storage.factory import open_store
from storage.metadata import MetadataStore
from tests.app.conftest import _point_app_at, require_password_sign_in, signed_in

END = datetime(2026, 11, 8, tzinfo=UTC)  # 30 days across the EU DST change


@pytest.fixture(scope="module")
def analysed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a data dir with a 30-day simulated home and one analysis run over it."""
    data_dir = tmp_path_factory.mktemp("analysed-home")
    store = open_store(backend="embedded", data_dir=data_dir)
    meta = MetadataStore(data_dir / "homeiq.sqlite")
    try:
        simulate_home(store, days=30, entities=40, seed=42, end=END,
                      ground_truth_path=data_dir / GROUND_TRUTH_FILE, metadata=meta)  # fmt: skip
        place = HomePlace(time_zone="Europe/Amsterdam", latitude=52.37, longitude=4.90)
        outcome = run_analysis(store, meta, place, days=30, now=END)
        assert outcome.suggestions
    finally:
        store.close()
        meta.close()
    return data_dir


@pytest.fixture
def analysed_env(monkeypatch: pytest.MonkeyPatch, analysed_dir: Path) -> Iterator[Path]:
    _point_app_at(monkeypatch, analysed_dir)
    monkeypatch.setenv("HOMEIQ_LATITUDE", "52.37")
    monkeypatch.setenv("HOMEIQ_LONGITUDE", "4.90")
    yield analysed_dir


def _run(script: str) -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / script), default_timeout=60).run()


def test_suggestions_page_shows_a_card_per_suggestion_with_evidence(analysed_env: Path) -> None:
    at = _run("suggestions.py")
    assert not at.exception, [e.value for e in at.exception]
    approve = [b for b in at.button if b.label == "Approve"]
    assert len(approve) >= 4
    labels = {m.label for m in at.metric}
    assert {"Days seen", "Replay precision", "Replay recall", "Lift over chance"} <= labels
    assert any("Turn on" in m.value or "light" in m.value.lower() for m in at.markdown)


def test_approve_records_the_decision(
    analysed_env: Path, monkeypatch: pytest.MonkeyPatch, admin_password_hash: str
) -> None:
    require_password_sign_in(monkeypatch, admin_password_hash)  # writes need a signed-in admin
    at = AppTest.from_file(str(ROOT / "pages" / "suggestions.py"), default_timeout=60)
    signed_in(at)
    at.run()
    first = next(b for b in at.button if b.label == "Approve")
    suggestion_id = int(first.key.split("-")[1])
    first.click().run()
    meta = MetadataStore(analysed_env / "homeiq.sqlite")
    try:
        status = next(s.status for s in meta.list_suggestions() if s.id == suggestion_id)
    finally:
        meta.close()
    assert status == "approved"


def test_patterns_page_draws_each_pattern_and_filters_by_kind(analysed_env: Path) -> None:
    at = _run("patterns.py")
    assert not at.exception, [e.value for e in at.exception]
    charts = len(at.get("plotly_chart"))
    assert charts >= 4
    at.multiselect[1].set_value(["trigger"]).run()
    assert not at.exception
    assert 1 <= len(at.get("plotly_chart")) < charts


def test_your_automations_lists_each_automation_and_flags_the_stale_one(
    analysed_env: Path,
) -> None:
    at = AppTest.from_file(str(ROOT / "pages" / "your_automations.py"), default_timeout=60)
    from app.services.timerange import preset_range

    at.session_state["homeiq_range"] = preset_range("Last 30 days", END)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    rows = {row["Entity"]: row for row in table.to_dict("records")}
    assert rows["automation.holiday_lights"]["Stale (no run in 30 days)"] is True
    assert rows["automation.driveway_light"]["Runs in range"] > 20
    assert any("never fired" in w.value for w in at.warning)
