"""`homeiq suggestions` and `homeiq audit` without Home Assistant: review, refusals, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from homeiq.cli import app as cli_app
from storage.metadata import MetadataStore, SuggestionStatus
from tests.cli.conftest import Homeiq

CONFIG = {
    "alias": "Hall light at motion",
    "triggers": [{"trigger": "state", "entity_id": "binary_sensor.hall_motion", "to": "on"}],
    "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.hall"}}],
}


@pytest.fixture
def one_suggestion(homeiq: Homeiq) -> int:
    homeiq.data_dir.mkdir(parents=True, exist_ok=True)
    meta = MetadataStore(homeiq.data_dir / "homeiq.sqlite")
    suggestion = meta.add_suggestion(
        kind="trigger", title="Hall light at motion", body="", detail={"automation": CONFIG}
    )
    meta.close()
    return suggestion.id


def test_show_json_has_the_public_fields(homeiq: Homeiq, one_suggestion: int) -> None:
    result = homeiq("suggestions", "show", str(one_suggestion), "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["status"] == "new"
    assert shown["ha_automation_id"] is None
    assert shown["versions"] == []
    # Without HA the registry checks are reported as not made, never silently passed.
    assert shown["validation"]["verdict"] == "ok"
    assert {f["rule"] for f in shown["validation"]["findings"]} == {"not_checked"}


def test_approve_then_reject_are_audited(homeiq: Homeiq, one_suggestion: int) -> None:
    assert homeiq("suggestions", "approve", str(one_suggestion)).exit_code == 0
    listed = json.loads(homeiq("suggestions", "--status", "approved", "--json").stdout)
    assert [row["id"] for row in listed] == [one_suggestion]
    assert homeiq("suggestions", "reject", str(one_suggestion)).exit_code == 0
    audit = json.loads(homeiq("audit", "--json").stdout)
    assert [(e["action"], e["suggestion_id"]) for e in audit] == [
        ("reject", one_suggestion),
        ("approve", one_suggestion),
    ]
    assert audit[0]["what"] == "status approved -> rejected"
    assert "(command line)" in audit[0]["who"]


def test_deploying_an_unapproved_suggestion_is_refused(homeiq: Homeiq, one_suggestion: int) -> None:
    env = {"HOMEIQ_HA_URL": "http://127.0.0.1:9", "HOMEIQ_HA_TOKEN": "x"}
    result = homeiq("suggestions", "deploy", str(one_suggestion), "--yes", env=env)
    assert result.exit_code == 2
    assert "approve it before deploying" in result.stderr


def test_deploy_with_ha_unreachable_names_the_setting(homeiq: Homeiq, one_suggestion: int) -> None:
    env = {"HOMEIQ_HA_URL": "http://127.0.0.1:9", "HOMEIQ_HA_TOKEN": "x"}
    homeiq("suggestions", "approve", str(one_suggestion))
    result = homeiq("suggestions", "deploy", str(one_suggestion), "--yes", env=env)
    assert result.exit_code == 3
    assert "HOMEIQ_HA_URL" in result.stderr
    shown = json.loads(homeiq("suggestions", "show", str(one_suggestion), "--json").stdout)
    assert shown["status"] == "approved"


def test_edit_changes_the_config_to_deploy(homeiq: Homeiq, one_suggestion: int) -> None:
    result = homeiq("suggestions", "edit", str(one_suggestion), "--target", "light.porch")
    assert result.exit_code == 0, result.output
    shown = json.loads(homeiq("suggestions", "show", str(one_suggestion), "--json").stdout)
    assert shown["config"]["actions"][0]["target"]["entity_id"] == "light.porch"
    assert homeiq("suggestions", "edit", str(one_suggestion), "--time", "25:00").exit_code == 2


def test_unknown_suggestion_is_refused(homeiq: Homeiq) -> None:
    homeiq.data_dir.mkdir(parents=True, exist_ok=True)
    result = homeiq("suggestions", "show", "999")
    assert result.exit_code == 2
    assert "no suggestion 999" in result.stderr


def _approved_with(homeiq: Homeiq, action: str) -> int:
    homeiq.data_dir.mkdir(parents=True, exist_ok=True)
    meta = MetadataStore(homeiq.data_dir / "homeiq.sqlite")
    config = {**CONFIG, "actions": [{"action": action, "target": {"entity_id": "lock.front"}}]}
    suggestion = meta.add_suggestion(
        kind="trigger",
        title="Front door",
        body="",
        status=SuggestionStatus.APPROVED,
        detail={"automation": config},
    )
    meta.close()
    return suggestion.id


UNREACHABLE = {"HOMEIQ_HA_URL": "http://127.0.0.1:9", "HOMEIQ_HA_TOKEN": "x"}


def test_blocked_suggestion_is_never_deployed(homeiq: Homeiq) -> None:
    suggestion_id = _approved_with(homeiq, "lock.unlock")
    result = homeiq("suggestions", "deploy", str(suggestion_id), "--yes", env=UNREACHABLE)
    assert result.exit_code == 2
    assert "blocked by the safety rules: lock.unlock" in result.stderr


def test_refused_deploys_are_in_the_audit_json(homeiq: Homeiq) -> None:
    blocked = _approved_with(homeiq, "lock.unlock")
    critical = _approved_with(homeiq, "lock.lock")
    assert homeiq("suggestions", "deploy", str(blocked), "--yes", env=UNREACHABLE).exit_code == 2
    declined = homeiq.runner.invoke(
        cli_app,
        ["suggestions", "deploy", str(critical)],
        input="no\n",
        env={"HOMEIQ_DATA_DIR": str(homeiq.data_dir), **UNREACHABLE},
    )
    assert declined.exit_code == 2
    audit = json.loads(homeiq("audit", "--json").stdout)
    assert [(e["action"], e["suggestion_id"]) for e in audit] == [
        ("deploy_refused", critical),
        ("deploy_refused", blocked),
    ]
    assert set(audit[0]) == {
        "id", "when", "who", "action", "suggestion_id", "what", "before", "after", "answer"
    }  # fmt: skip
    assert "critical findings" in audit[0]["what"]
    assert "lock.unlock" in audit[1]["what"]
    assert audit[1]["after"]["actions"][0]["action"] == "lock.unlock"


def test_critical_suggestion_needs_the_typed_confirmation(homeiq: Homeiq) -> None:
    suggestion_id = _approved_with(homeiq, "lock.lock")
    refused = homeiq.runner.invoke(
        cli_app,
        ["suggestions", "deploy", str(suggestion_id)],
        input="yes\n",
        env={"HOMEIQ_DATA_DIR": str(homeiq.data_dir), **UNREACHABLE},
    )
    assert refused.exit_code == 2
    assert "not confirmed" in refused.stderr
    confirmed = homeiq.runner.invoke(
        cli_app,
        ["suggestions", "deploy", str(suggestion_id)],
        input=f"deploy {suggestion_id}\n",
        env={"HOMEIQ_DATA_DIR": str(homeiq.data_dir), **UNREACHABLE},
    )
    # Confirmed, so it went on to HA, which is unreachable here.
    assert confirmed.exit_code == 3, confirmed.output


def test_export_is_audited(demo_home: Homeiq, tmp_path: Path) -> None:
    out = tmp_path / "power.csv"
    result = demo_home(
        "export", "--format", "csv", "--out", str(out), "--entity", "sensor.house_power"
    )
    assert result.exit_code == 0, result.output
    audit = json.loads(demo_home("audit", "--json").stdout)
    exports = [e for e in audit if e["action"] == "export"]
    assert exports and "of entities sensor.house_power as csv" in exports[0]["what"]
    assert str(out) in exports[0]["what"]
