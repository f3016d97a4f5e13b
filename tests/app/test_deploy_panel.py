"""The suggestion card's deploy controls: findings shown, buttons by status, writes audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from storage.metadata import MetadataStore, SuggestionStatus
from tests.support.llm_server import running_llm_server

CONFIG = {
    "alias": "Porch light",
    "triggers": [{"trigger": "time", "at": "07:00:00"}],
    "actions": [{"action": "lock.lock", "target": {"entity_id": "lock.front"}}],
}


def _panel(actor: str | None) -> None:
    from app.deploy_panel import deploy_controls
    from app.services import get_services

    deploy_controls(get_services(), 1, actor=actor, disabled_reason="Sign in to change anything.")


def _app(actor: str | None) -> AppTest:
    return AppTest.from_function(_panel, args=(actor,), default_timeout=60)


def _store(empty_env: Path) -> MetadataStore:
    meta = MetadataStore(empty_env / "homeiq.sqlite")
    meta.add_suggestion(kind="time", title="Porch", body="", detail={"automation": CONFIG})
    return meta


def test_findings_and_approve_button_for_a_new_suggestion(empty_env: Path) -> None:
    meta = _store(empty_env)
    at = _app("ann (local password)").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Critical" in at.warning[0].value
    assert any("sensitive" in m.value or "lock" in m.value for m in at.markdown)
    assert [b.label for b in at.button] == ["Approve", "Reject"]
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert meta.list_suggestions()[0].status == "approved"
    assert meta.list_audit()[0].actor == "ann (local password)"
    assert "approved" in at.success[0].value
    # Approved and critical: Deploy waits for the typed confirmation.
    deploy = next(b for b in at.button if b.label == "Deploy")
    assert deploy.disabled


def test_buttons_are_disabled_without_sign_in(empty_env: Path) -> None:
    _store(empty_env)
    at = _app(None).run()
    assert all(b.disabled for b in at.button)
    assert any("Sign in" in c.value for c in at.caption)


def test_deploy_without_ha_explains_the_settings(empty_env: Path) -> None:
    meta = _store(empty_env)
    meta.update_suggestion(1, status=SuggestionStatus.APPROVED)
    at = _app("ann").run()
    at.text_input[0].input("deploy 1").run()
    next(b for b in at.button if b.label == "Deploy").click().run()
    assert "HOMEIQ_HA_URL" in at.error[0].value
    assert meta.list_suggestions()[0].status == "approved"


def _wording(actor: str | None) -> None:
    from app.deploy_panel import wording_controls
    from app.services import get_services

    wording_controls(get_services(), 1, actor=actor)


def test_wording_shows_the_request_then_sends_it(
    empty_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    meta = _store(empty_env)
    with running_llm_server() as llm:
        monkeypatch.setenv("HOMEIQ_LLM_BASE_URL", llm.base_url)
        monkeypatch.setenv("HOMEIQ_LLM_MODEL", "tiny")
        at = AppTest.from_function(_wording, args=("ann",), default_timeout=60).run()
        assert not at.exception, [e.value for e in at.exception]
        shown = json.loads(at.json[0].value)
        assert llm.requests == []  # shown, not sent
        at.button[0].click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert llm.requests == [shown]
        assert at.success[0].value == "Reworded: Light on"
    assert meta.list_suggestions()[0].title == "Light on"


def test_wording_fallback_says_why(empty_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    meta = _store(empty_env)
    with running_llm_server() as llm:
        llm.finish_reason = "length"
        monkeypatch.setenv("HOMEIQ_LLM_BASE_URL", llm.base_url)
        monkeypatch.setenv("HOMEIQ_LLM_MODEL", "tiny")
        at = AppTest.from_function(_wording, args=("ann",), default_timeout=60).run()
        at.button[0].click().run()
        assert not at.exception, [e.value for e in at.exception]
    assert "cut off" in at.warning[0].value
    assert meta.list_suggestions()[0].title == "Porch"


def test_wording_is_not_drawn_when_off(empty_env: Path) -> None:
    _store(empty_env)
    at = AppTest.from_function(_wording, args=("ann",), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.expander) == 0 and len(at.button) == 0


def _editor(actor: str | None) -> None:
    from app.deploy_panel import edit_controls
    from app.services import get_services

    edit_controls(get_services(), 1, actor=actor)


def test_edit_form_changes_what_will_be_deployed(empty_env: Path) -> None:
    meta = _store(empty_env)
    at = AppTest.from_function(_editor, args=("ann",), default_timeout=60).run()
    at.text_input(key="edit_time_1").input("07:40")
    at.multiselect(key="edit_days_1").select("Sat").select("Sun")
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    draft = meta.versions.draft(1)
    assert draft is not None and draft["triggers"][0]["at"] == "07:40:00"
    assert {"condition": "time", "weekday": ["sat", "sun"]} in draft["conditions"]
    assert meta.list_audit()[0].action == "edit"


def test_edit_form_refuses_a_bad_time(empty_env: Path) -> None:
    meta = _store(empty_env)
    at = AppTest.from_function(_editor, args=("ann",), default_timeout=60).run()
    at.text_input(key="edit_time_1").input("7h40")
    at.button[0].click().run()
    assert "7h40" in at.error[0].value
    assert meta.versions.draft(1) is None
