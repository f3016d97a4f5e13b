"""Every deploy or rollback attempt is audited, also one that stops before HA changes anything.

No Home Assistant needed: refusals happen before HA is asked to change anything, and an
unreachable HA is a closed loopback port. tests/automations/test_deploy_ha.py has the real-HA
cases (HA rejecting the config, a non-admin token).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ha_client.automation_config import AutomationConfigClient
from homeiq.automation.audit_log import AuditLog, AuditRow
from homeiq.automation.deployer import AutomationDeployer, HAFailed, Refused
from storage.metadata import MetadataStore, SuggestionStatus
from tests.support.workbench import free_port

# Shaped like an HA access token: it must never reach the audit log.
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ0ZXN0In0.c2lnbmF0dXJl"


def _config(action: str) -> dict[str, Any]:
    return {
        "alias": f"Audit test {action}",
        "triggers": [{"trigger": "time", "at": "07:00:00"}],
        "actions": [{"action": action, "target": {"entity_id": f"{action.split('.')[0]}.front"}}],
    }


@pytest.fixture
def meta(tmp_path: Path) -> Iterator[MetadataStore]:
    store = MetadataStore(tmp_path / "homeiq.sqlite")
    try:
        yield store
    finally:
        store.close()


def _suggestion(meta: MetadataStore, action: str, *, approved: bool = True) -> int:
    suggestion = meta.add_suggestion(
        kind="time", title="Audit", body="", detail={"automation": _config(action)}
    )
    if approved:
        meta.update_suggestion(suggestion.id, status=SuggestionStatus.APPROVED)
    return suggestion.id


def _unreachable(meta: MetadataStore) -> AutomationDeployer:
    client = AutomationConfigClient(base_url=f"http://127.0.0.1:{free_port()}", token=TOKEN)
    return AutomationDeployer(meta, client, verify_timeout_s=1.0, poll_s=0.1)


def _only_entry(meta: MetadataStore) -> AuditRow:
    entries = AuditLog(meta).entries()
    assert len(entries) == 1, [e.action for e in entries]
    assert TOKEN not in json.dumps([e.to_dict() for e in entries], default=str)
    return entries[0]


def test_blocked_deploy_is_audited_as_refused_with_the_config(meta: MetadataStore) -> None:
    suggestion_id = _suggestion(meta, "lock.unlock")
    with pytest.raises(Refused, match="blocked by the safety rules"):
        _unreachable(meta).deploy(suggestion_id, actor="ann", confirmed=True)
    entry = _only_entry(meta)
    assert (entry.who, entry.action, entry.suggestion_id) == (
        "ann",
        "deploy_refused",
        suggestion_id,
    )
    assert "lock.unlock" in entry.what
    assert entry.after == _config("lock.unlock")
    assert meta.versions.history(suggestion_id) == []


def test_unconfirmed_critical_deploy_is_audited_as_refused(meta: MetadataStore) -> None:
    suggestion_id = _suggestion(meta, "lock.lock")
    with pytest.raises(Refused, match="needs confirmation"):
        _unreachable(meta).deploy(suggestion_id, actor="ann")
    entry = _only_entry(meta)
    assert entry.action == "deploy_refused"
    assert "critical findings" in entry.what


def test_deploy_of_an_unapproved_suggestion_is_audited_as_refused(meta: MetadataStore) -> None:
    suggestion_id = _suggestion(meta, "light.turn_on", approved=False)
    with pytest.raises(Refused, match="approve it before deploying"):
        _unreachable(meta).deploy(suggestion_id, actor="ann")
    entry = _only_entry(meta)
    assert entry.action == "deploy_refused"
    assert entry.what == f"Suggestion {suggestion_id} is new; approve it before deploying."


def test_deploy_of_a_missing_suggestion_is_audited_without_a_config(meta: MetadataStore) -> None:
    with pytest.raises(Refused, match="no suggestion 42"):
        _unreachable(meta).deploy(42, actor="ann")
    entry = _only_entry(meta)
    assert (entry.action, entry.suggestion_id, entry.after) == ("deploy_refused", 42, None)


def test_deploy_without_ha_configured_is_audited_as_failed(meta: MetadataStore) -> None:
    suggestion_id = _suggestion(meta, "light.turn_on")
    with pytest.raises(HAFailed, match="HOMEIQ_HA_URL"):
        AutomationDeployer(meta, None).deploy(suggestion_id, actor="ann")
    entry = _only_entry(meta)
    assert entry.action == "deploy_failed"
    assert "HOMEIQ_HA_URL" in entry.what
    assert entry.after == _config("light.turn_on")
    assert meta.list_suggestions()[0].status == "approved"


def test_deploy_with_ha_unreachable_is_audited_as_failed(meta: MetadataStore) -> None:
    suggestion_id = _suggestion(meta, "light.turn_on")
    with pytest.raises(HAFailed, match="HOMEIQ_HA_URL"):
        _unreachable(meta).deploy(suggestion_id, actor="ann")
    entry = _only_entry(meta)
    assert entry.action == "deploy_failed"
    assert entry.after == _config("light.turn_on")
    assert meta.list_suggestions()[0].status == "approved"


def test_rollback_with_nothing_deployed_is_audited_as_refused(meta: MetadataStore) -> None:
    suggestion_id = _suggestion(meta, "light.turn_on")
    with pytest.raises(Refused, match="nothing is deployed"):
        _unreachable(meta).rollback(suggestion_id, actor="ann")
    entry = _only_entry(meta)
    assert (entry.action, entry.after) == ("rollback_refused", None)


def test_rollback_without_ha_configured_is_audited_as_failed(meta: MetadataStore) -> None:
    suggestion_id = _suggestion(meta, "light.turn_on")
    with pytest.raises(HAFailed, match="HOMEIQ_HA_URL"):
        AutomationDeployer(meta, None).rollback(suggestion_id, actor="ann")
    assert _only_entry(meta).action == "rollback_failed"
