"""Who may write (issue 13): the pages act as the signed-in admin, audited; nobody else writes."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.auth.config import ENABLE_WRITES
from app.auth.sessions import SESSIONS
from app.pages import ROOT
from app.services.audit import NOBODY
from storage.metadata import AuditEntry, MetadataStore, SuggestionStatus
from tests.app.conftest import _point_app_at, require_password_sign_in, signed_in

LIGHT = {
    "alias": "Hall light in the evening",
    "triggers": [{"trigger": "time", "at": "19:00:00"}],
    "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.hall"}}],
}
WRITE_BUTTONS = {"Approve", "Reject", "Deploy", "Rollback", "Save edit", "Send", "Save"}


@pytest.fixture
def home(sim_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private copy of the simulated home with one new and one deployed suggestion."""
    data_dir = tmp_path / "home"
    shutil.copytree(sim_dir, data_dir)
    # The shared simulated home may carry audit rows of earlier tests (an export page test
    # audits into it); each test here starts from an empty log.
    with sqlite3.connect(data_dir / "homeiq.sqlite") as conn:
        conn.execute("DELETE FROM audit")
    meta = MetadataStore(data_dir / "homeiq.sqlite")
    try:
        meta.add_suggestion(kind="time", title="Hall", body="", detail={"automation": LIGHT})
        second = meta.add_suggestion(
            kind="time", title="Hall again", body="", detail={"automation": LIGHT}
        )
        meta.update_suggestion(second.id, status=SuggestionStatus.DEPLOYED)
    finally:
        meta.close()
    _point_app_at(monkeypatch, data_dir)
    SESSIONS.clear()
    yield data_dir
    SESSIONS.clear()


@pytest.fixture
def password_home(home: Path, monkeypatch: pytest.MonkeyPatch, admin_password_hash: str) -> Path:
    """The same home with HOMEIQ_APP_AUTH=password (sign-in required)."""
    require_password_sign_in(monkeypatch, admin_password_hash)
    return home


def _page(script: str) -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / script), default_timeout=90)


def _audit(data_dir: Path) -> list[AuditEntry]:
    meta = MetadataStore(data_dir / "homeiq.sqlite")
    try:
        return meta.list_audit(100)
    finally:
        meta.close()


def _status(data_dir: Path, suggestion_id: int) -> str:
    meta = MetadataStore(data_dir / "homeiq.sqlite")
    try:
        return next(s.status for s in meta.list_suggestions() if s.id == suggestion_id)
    finally:
        meta.close()


def _no_secret_in(entries: list[AuditEntry], password_hash: str) -> None:
    text = json.dumps([[e.actor, e.action, e.detail] for e in entries], default=str)
    assert password_hash not in text and "$argon2" not in text
    assert "eyJ" not in text and "Bearer" not in text


def test_approve_is_recorded_under_the_signed_in_admin(
    password_home: Path, admin_password_hash: str
) -> None:
    at = _page("suggestions.py")
    label = signed_in(at, name="Ada", method="ha")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert ENABLE_WRITES not in [c.value for c in at.caption]
    approve = at.button(key="approve-1")
    assert not approve.disabled
    approve.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _status(password_home, 1) == "approved"
    entries = _audit(password_home)
    assert [(e.actor, e.action, e.detail["suggestion_id"]) for e in entries] == [
        ("Ada (Home Assistant)", "approve", 1)
    ]
    assert label == "Ada (Home Assistant)"
    _no_secret_in(entries, admin_password_hash)


def test_a_session_that_ends_before_the_click_writes_nothing(password_home: Path) -> None:
    at = _page("suggestions.py")
    signed_in(at)
    at.run()
    assert not at.button(key="approve-1").disabled
    SESSIONS.clear()  # expired or signed out in another tab between render and click
    at.button(key="approve-1").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _status(password_home, 1) == "new"
    assert _audit(password_home) == []
    assert at.button(key="approve-1").disabled


def test_without_sign_in_every_write_button_is_disabled_and_says_why(home: Path) -> None:
    at = _page("suggestions.py").run()
    assert not at.exception, [e.value for e in at.exception]
    writes = [b for b in at.button if b.label in WRITE_BUTTONS]
    assert {b.label for b in writes} >= {"Approve", "Reject", "Deploy", "Rollback", "Save edit"}
    assert all(b.disabled for b in writes), [(b.label, b.disabled) for b in writes]
    assert [c.value for c in at.caption].count(ENABLE_WRITES) == 1


def test_a_role_change_is_audited_with_before_and_after(
    password_home: Path, admin_password_hash: str
) -> None:
    at = _page("settings.py")
    signed_in(at, name="Bob")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="role_media_player").select("(none)")
    save = next(b for b in at.button if b.label == "Save")
    assert not save.disabled
    save.click().run()
    assert not at.exception, [e.value for e in at.exception]
    entries = _audit(password_home)
    assert [(e.actor, e.action) for e in entries] == [("Bob (local password)", "role_change")]
    detail = entries[0].detail
    assert (detail["before"], detail["after"]) == ("(automatic)", "(none)")
    assert detail["what"].startswith("media_player: was ")
    _no_secret_in(entries, admin_password_hash)


def test_without_sign_in_the_role_choice_cannot_be_saved(home: Path) -> None:
    at = _page("settings.py").run()
    assert not at.exception, [e.value for e in at.exception]
    save = next(b for b in at.button if b.label == "Save")
    assert save.disabled
    assert [c.value for c in at.caption].count(ENABLE_WRITES) == 1


def test_an_export_records_who_wrote_it(password_home: Path) -> None:
    at = _page("export.py")
    signed_in(at, name="Cy")
    at.run()
    domains = at.multiselect[0]
    domains.set_value([domains.options[0]]).run()
    next(b for b in at.button if b.label == "Prepare export").click().run()
    assert not at.exception, [e.value for e in at.exception]
    entries = _audit(password_home)
    assert [(e.actor, e.action) for e in entries] == [("Cy (local password)", "export")]
    assert " rows of " in entries[0].detail["what"]
    assert str(password_home / "exports") in entries[0].detail["what"]


def test_an_export_without_sign_in_is_allowed_and_says_nobody_signed_in(home: Path) -> None:
    at = _page("export.py").run()
    button = next(b for b in at.button if b.label == "Prepare export")
    assert not button.disabled
    at.multiselect[0].set_value([at.multiselect[0].options[0]]).run()
    next(b for b in at.button if b.label == "Prepare export").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [(e.actor, e.action) for e in _audit(home)] == [(NOBODY, "export")]
