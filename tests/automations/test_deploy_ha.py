"""Deploy, verify, version and roll back against a real Home Assistant (tests/support/ha_peer)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from automations.edit import Edits
from ha_client.automation_config import AutomationConfigClient
from homeiq.automation.audit_log import AuditLog
from homeiq.automation.deployer import AutomationDeployer, HAFailed, Refused, ha_automation_id
from storage.metadata import MetadataStore, SuggestionStatus
from tests.conftest import require_peer
from tests.support.ha_peer import HAPeer
from tests.support.ha_venv import peer_possible

pytestmark = [pytest.mark.peer, pytest.mark.slow]
SWITCH = "input_boolean.homeiq_switch"
COUNTER = "counter.homeiq_ticks"


@pytest.fixture(scope="module")
def peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HAPeer]:
    require_peer(peer_possible(), "Home Assistant (needs Python >= 3.13 for its venv)")
    running = HAPeer(tmp_path_factory.mktemp("ha-deploy") / "config").start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def meta(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MetadataStore]:
    # One store for the module: suggestion ids, hence HA ids, never repeat across tests.
    store = MetadataStore(tmp_path_factory.mktemp("meta") / "homeiq.sqlite")
    yield store
    store.close()


def _deployer(
    meta: MetadataStore, peer: HAPeer, token: str | None = None, timeout_s: float = 30.0
) -> AutomationDeployer:
    client = AutomationConfigClient(base_url=peer.url, token=token or peer.token)
    return AutomationDeployer(meta, client, verify_timeout_s=timeout_s, poll_s=0.3)


def _config(alias: str, **overrides: Any) -> dict[str, Any]:
    config = {
        "alias": alias,
        "description": "made by HomeIQ tests",
        "triggers": [{"trigger": "state", "entity_id": SWITCH, "to": "on"}],
        "conditions": [],
        "actions": [{"action": "counter.increment", "target": {"entity_id": COUNTER}}],
        "mode": "single",
    }
    return config | overrides


def _approved(meta: MetadataStore, config: dict[str, Any]) -> int:
    suggestion = meta.add_suggestion(
        kind="trigger", title=config["alias"], body="", detail={"automation": config}
    )
    meta.update_suggestion(suggestion.id, status=SuggestionStatus.APPROVED)
    return suggestion.id


def _status(meta: MetadataStore, suggestion_id: int) -> str:
    return next(s.status for s in meta.list_suggestions() if s.id == suggestion_id)


def _registry_entity(peer: HAPeer, config_id: str) -> str | None:
    for entry in peer.ws_command("config/entity_registry/list"):
        if entry.get("platform") == "automation" and entry.get("unique_id") == config_id:
            return str(entry["entity_id"])
    return None


def _yaml_ids(peer: HAPeer) -> list[str]:
    loaded = yaml.safe_load((peer.config_dir / "automations.yaml").read_text()) or []
    return [item.get("id") for item in loaded]


def _counter(peer: HAPeer) -> int:
    return int(next(s["state"] for s in peer.states() if s["entity_id"] == COUNTER))


def _wait(predicate: Any, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_deployed_automation_is_saved_live_and_fires(meta: MetadataStore, peer: HAPeer) -> None:
    suggestion_id = _approved(meta, _config("HomeIQ test counts switch"))
    outcome = _deployer(meta, peer).deploy(suggestion_id, actor="tester")
    config_id = ha_automation_id(suggestion_id)
    assert outcome.status == "deployed" == _status(meta, suggestion_id)
    assert config_id in _yaml_ids(peer)
    entity_id = _registry_entity(peer, config_id)
    assert entity_id == "automation.homeiq_test_counts_switch" == outcome.version.entity_id  # type: ignore[union-attr]
    peer.call_service("input_boolean", "turn_off", entity_id=SWITCH)
    before = _counter(peer)
    peer.call_service("input_boolean", "turn_on", entity_id=SWITCH)
    assert _wait(lambda: _counter(peer) == before + 1), "the automation did not fire"
    versions = meta.versions.history(suggestion_id)
    assert [(v.number, v.status, v.previous) for v in versions] == [(1, "deployed", None)]
    assert versions[0].config == _config("HomeIQ test counts switch")
    assert versions[0].answer == {"status": 200, "body": {"result": "ok"}}
    audit = AuditLog(meta).entries()
    assert audit[0].action == "deploy" and audit[0].who == "tester"


def test_validation_asks_has_registry_and_services(meta: MetadataStore, peer: HAPeer) -> None:
    actions = [
        {"action": "counter.increment", "target": {"entity_id": COUNTER}},
        {"action": "light.blink", "target": {"entity_id": "light.nowhere"}},
    ]
    suggestion_id = _approved(meta, _config("HomeIQ test unknowns", actions=actions))
    validation = _deployer(meta, peer).validation(suggestion_id)
    found = {(f.rule, f.detail) for f in validation.findings}
    assert found == {("entity_unknown", "light.nowhere"), ("action_unknown", "light.blink")}
    assert validation.verdict == "blocked"


def test_legacy_syntax_deploys_and_verifies(meta: MetadataStore, peer: HAPeer) -> None:
    legacy = {
        "alias": "HomeIQ test legacy",
        "trigger": [{"platform": "state", "entity_id": SWITCH, "to": "on"}],
        "condition": [],
        "action": [{"service": "counter.increment", "entity_id": COUNTER}],
    }
    suggestion_id = _approved(meta, legacy)
    deployer = _deployer(meta, peer)
    assert deployer.deploy(suggestion_id, actor="tester").status == "deployed"
    stored = deployer.ha.get_config(ha_automation_id(suggestion_id))  # type: ignore[union-attr]
    assert stored is not None and "triggers" in stored and "trigger" not in stored
    assert meta.versions.history(suggestion_id)[0].config == legacy  # kept exactly as sent


def test_time_suggestion_as_the_analysis_renders_it(meta: MetadataStore, peer: HAPeer) -> None:
    # The shape automations/render.py writes: time trigger, weekday condition, mode single.
    config = {
        "alias": "Turn on Bed Light at 07:10 on weekdays",
        "description": "Seen on 20 of 28 weekdays.",
        "triggers": [{"trigger": "time", "at": "07:10:00"}],
        "conditions": [{"condition": "time", "weekday": ["mon", "tue", "wed", "thu", "fri"]}],
        "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.bed_light"}}],
        "mode": "single",
    }
    suggestion_id = _approved(meta, config)
    deployer = _deployer(meta, peer)
    assert deployer.validation(suggestion_id).verdict == "ok"
    outcome = deployer.deploy(suggestion_id, actor="tester")
    assert outcome.version is not None
    assert outcome.version.entity_id == "automation.turn_on_bed_light_at_07_10_on_weekdays"
    deployer.rollback(suggestion_id, actor="tester")
    assert _registry_entity(peer, ha_automation_id(suggestion_id)) is None


def test_rollback_removes_config_and_entity(meta: MetadataStore, peer: HAPeer) -> None:
    suggestion_id = _approved(meta, _config("HomeIQ test rollback"))
    deployer = _deployer(meta, peer)
    deployer.deploy(suggestion_id, actor="tester")
    config_id = ha_automation_id(suggestion_id)
    assert _registry_entity(peer, config_id) is not None
    outcome = deployer.rollback(suggestion_id, actor="tester")
    assert outcome.status == "rolled_back" == _status(meta, suggestion_id)
    assert config_id not in _yaml_ids(peer)
    assert _registry_entity(peer, config_id) is None
    assert deployer.ha.get_config(config_id) is None  # type: ignore[union-attr]
    assert [v.status for v in meta.versions.history(suggestion_id)] == ["rolled_back"]


def test_redeploy_after_edit_makes_version_2_and_rollback_restores_1(
    meta: MetadataStore, peer: HAPeer
) -> None:
    suggestion_id = _approved(meta, _config("HomeIQ test versions"))
    deployer = _deployer(meta, peer)
    deployer.deploy(suggestion_id, actor="tester")
    deployer.edit(suggestion_id, Edits(delay_s=5), actor="tester")
    deployer.deploy(suggestion_id, actor="tester")
    config_id = ha_automation_id(suggestion_id)
    in_ha = deployer.ha.get_config(config_id)  # type: ignore[union-attr]
    assert in_ha is not None and in_ha["triggers"][0]["for"] == "00:00:05"
    assert [v.number for v in meta.versions.history(suggestion_id)] == [1, 2]
    with pytest.raises(Refused, match="live with this very config"):
        deployer.deploy(suggestion_id, actor="tester")
    outcome = deployer.rollback(suggestion_id, actor="tester")
    assert outcome.status == "deployed"
    restored = deployer.ha.get_config(config_id)  # type: ignore[union-attr]
    assert restored is not None and "for" not in restored["triggers"][0]
    assert [v.status for v in meta.versions.history(suggestion_id)] == ["deployed", "rolled_back"]


def test_malformed_config_shows_has_message(meta: MetadataStore, peer: HAPeer) -> None:
    bad = _config("HomeIQ test malformed", triggers=[{"trigger": "no_such_trigger"}])
    suggestion_id = _approved(meta, bad)
    with pytest.raises(HAFailed, match="Message malformed") as caught:
        _deployer(meta, peer).deploy(suggestion_id, actor="tester")
    assert caught.value.answer is not None and caught.value.answer.status == 400
    assert _status(meta, suggestion_id) == "approved"
    assert meta.versions.history(suggestion_id) == []
    entry = AuditLog(meta).entries()[0]
    assert entry.action == "deploy_failed"
    assert entry.answer["status"] == 400
    assert entry.answer["body"]["message"].startswith("Message malformed:")


def test_non_admin_token_is_refused(meta: MetadataStore, peer: HAPeer) -> None:
    suggestion_id = _approved(meta, _config("HomeIQ test non admin"))
    token = peer.user_token("guest", "guest-pass-123", admin=False)
    deployer = _deployer(meta, peer, token=token)
    with pytest.raises(HAFailed, match="not an administrator"):
        deployer.deploy(suggestion_id, actor="tester")
    assert _status(meta, suggestion_id) == "approved"
    assert ha_automation_id(suggestion_id) not in _yaml_ids(peer)
    entry = AuditLog(meta).entries()[0]
    assert (entry.action, entry.suggestion_id) == ("deploy_failed", suggestion_id)
    assert "not an administrator" in entry.what
    assert entry.after["alias"] == "HomeIQ test non admin"
    assert token not in json.dumps(entry.to_dict(), default=str)


def test_changed_in_ha_then_rolled_back_warns_and_keeps_has_copy(
    meta: MetadataStore, peer: HAPeer
) -> None:
    suggestion_id = _approved(meta, _config("HomeIQ test changed in HA"))
    deployer = _deployer(meta, peer)
    deployer.deploy(suggestion_id, actor="tester")
    config_id = ha_automation_id(suggestion_id)
    changed = _config("HomeIQ test changed in HA", description="edited by a person in HA")
    deployer.ha.post_config(config_id, changed)  # type: ignore[union-attr]
    outcome = deployer.rollback(suggestion_id, actor="tester")
    assert outcome.warnings and "changed in Home Assistant" in outcome.warnings[0]
    kept = [e for e in AuditLog(meta).entries() if e.action == "ha_copy_kept"]
    assert kept and kept[0].before["description"] == "edited by a person in HA"
    assert _registry_entity(peer, config_id) is None


def test_ha_stopped_during_deploy_leaves_it_approved(meta: MetadataStore, peer: HAPeer) -> None:
    suggestion_id = _approved(meta, _config("HomeIQ test stopped"))
    deployer = _deployer(meta, peer, timeout_s=3.0)
    client = deployer.ha
    assert client is not None
    post = client.post_config

    def post_then_die(config_id: str, config: Any) -> Any:
        answer = post(config_id, config)
        peer.kill()  # HA dies right after accepting the POST, before it is verified
        return answer

    client.post_config = post_then_die  # type: ignore[method-assign]
    try:
        with pytest.raises(HAFailed) as caught:
            deployer.deploy(suggestion_id, actor="tester")
    finally:
        client.post_config = post  # type: ignore[method-assign]
        peer.start()
    assert "HOMEIQ_HA_URL" in str(caught.value)
    assert _status(meta, suggestion_id) == "approved"
    assert meta.versions.history(suggestion_id) == []
    assert AuditLog(meta).entries()[0].action == "deploy_failed"
    # HA saved the file before it died; deploying again adopts that copy as ours, so a
    # rollback deletes it rather than "restoring" it.
    deployer.deploy(suggestion_id, actor="tester")
    assert meta.versions.history(suggestion_id)[0].previous is None
    deployer.rollback(suggestion_id, actor="tester")
    assert ha_automation_id(suggestion_id) not in _yaml_ids(peer)


def test_ha_down_before_deploy_is_a_clean_error(meta: MetadataStore, peer: HAPeer) -> None:
    suggestion_id = _approved(meta, _config("HomeIQ test down"))
    deployer = _deployer(meta, peer)
    peer.stop()
    try:
        with pytest.raises(HAFailed, match="HOMEIQ_HA_URL"):
            deployer.deploy(suggestion_id, actor="tester")
    finally:
        peer.start()
    assert _status(meta, suggestion_id) == "approved"
    assert ha_automation_id(suggestion_id) not in _yaml_ids(peer)
