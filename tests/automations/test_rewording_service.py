"""Rewording a stored suggestion: settings switch it on, the store keeps count and the audit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.services import ServiceError, Services, build_services
from app.services.automations import reword_suggestion, wording_request
from homeiq.automation.rewording import calls_this_month, llm_config, preview, reword
from homeiq.settings import Settings, load_settings
from storage.metadata import EntityInfo, MetadataStore
from tests.support.llm_server import LLMServer, running_llm_server


@pytest.fixture
def llm() -> Iterator[LLMServer]:
    with running_llm_server() as server:
        yield server


def test_wording_is_off_without_url_and_model(tmp_path: Path) -> None:
    assert llm_config(load_settings(data_dir=tmp_path)) is None
    assert llm_config(load_settings(data_dir=tmp_path, llm_base_url="http://x/v1")) is None


def test_reword_updates_title_counts_and_audits(tmp_path: Path, llm: LLMServer) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("sk-secret-9\n")
    settings = load_settings(
        data_dir=tmp_path, llm_base_url=llm.base_url, llm_model="tiny", llm_api_key_file=key_file
    )
    config = llm_config(settings)
    assert config is not None and config.api_key is not None
    assert config.api_key.get_secret_value() == "sk-secret-9"
    assert "sk-secret-9" not in repr(config) and "sk-secret-9" not in repr(settings)
    meta = MetadataStore(tmp_path / "m.sqlite")
    suggestion = meta.add_suggestion(kind="time", title="Ours", body="Our text.")
    shown = preview(meta, config, suggestion)
    result = reword(meta, config, suggestion, actor="ann")
    assert result.source == "llm"
    assert llm.requests == [shown]
    stored = meta.list_suggestions()[0]
    assert (stored.title, stored.body) == ("Light on", "Turns it on.")
    assert calls_this_month(meta) == 1
    entry = meta.list_audit()[0]
    assert entry.action == "reword" and entry.detail["before"]["title"] == "Ours"
    assert "sk-secret-9" not in str(entry.detail)


def _services(settings: Settings) -> tuple[Services, MetadataStore]:
    """Return services on a fresh metadata store holding one follows suggestion."""
    meta = MetadataStore(settings.metadata_path)
    _follows(meta)
    return build_services(settings), meta


def _follows(meta: MetadataStore) -> None:
    """Store a follows suggestion shaped like an analysis run's, and the registry names."""
    meta.upsert_entities(
        [
            EntityInfo(entity_id="light.hall", domain="light", friendly_name="Hall lamp"),
            EntityInfo(
                entity_id="binary_sensor.hall_pir",
                domain="binary_sensor",
                friendly_name="Hall PIR",
                device_class="motion",
            ),
        ]
    )
    meta.add_suggestion(
        kind="trigger",
        title="Turn on Hall lamp when Hall PIR turns on",
        body="alias: ...",
        detail={
            "entity_id": "light.hall",
            "to_state": "on",
            "trigger_entity_id": "binary_sensor.hall_pir",
            "trigger_to_state": "on",
            "params": {"window_s": 120},
            "evidence": {
                "followed": 40,
                "median_delay_s": 3.2,
                "marks": [["2026-11-01", 400.0]],
                "reason": "last seen 2026-11-28T19:02:11+01:00",
            },
        },
    )


def _settings(tmp_path: Path, llm: LLMServer, **more: object) -> Settings:
    return load_settings(
        data_dir=tmp_path, llm_base_url=llm.base_url, llm_model="tiny", llm_timeout_s=2.0, **more
    )


def test_feature_off_sends_nothing(tmp_path: Path, llm: LLMServer) -> None:
    settings = load_settings(data_dir=tmp_path, llm_base_url=llm.base_url)  # no model
    assert llm_config(settings) is None
    svc, _meta = _services(settings)
    assert wording_request(svc, 1) is None
    with pytest.raises(ServiceError, match="HOMEIQ_LLM_MODEL"):
        reword_suggestion(svc, 1, actor="ann")
    assert llm.requests == []


def test_stored_suggestion_is_sent_without_ids_names_or_timestamps(
    tmp_path: Path, llm: LLMServer
) -> None:
    llm.reply = '{"title": "Light 1 follows motion sensor 1", "description": "Within seconds."}'
    svc, meta = _services(_settings(tmp_path, llm))
    shown = wording_request(svc, 1)
    message = reword_suggestion(svc, 1, actor="ann")
    assert llm.requests == [shown]
    wire = json.dumps(llm.requests[0])
    for private in ("light.hall", "binary_sensor.hall_pir", "Hall lamp", "Hall PIR", "2026"):
        assert private not in wire
    sent = json.loads(llm.requests[0]["messages"][1]["content"])
    assert (sent["device"], sent["trigger_device"], sent["delay_seconds"]) == (
        "light 1",
        "motion sensor 1",
        3,
    )
    assert sent["evidence"] == {"followed": 40, "median_delay_s": 3.2}
    assert message == "Reworded: Hall lamp follows Hall PIR"
    assert meta.list_suggestions()[0].title == "Hall lamp follows Hall PIR"


def test_names_go_out_only_when_the_admin_allows(tmp_path: Path, llm: LLMServer) -> None:
    svc, _meta = _services(_settings(tmp_path, llm, llm_send_names=True))
    reword_suggestion(svc, 1, actor="ann")
    sent = json.loads(llm.requests[0]["messages"][1]["content"])
    assert (sent["device"], sent["trigger_device"]) == ("Hall lamp", "Hall PIR")


def test_monthly_cap_counts_failures_and_stops_sending(tmp_path: Path, llm: LLMServer) -> None:
    llm.reply = "not json at all"
    svc, meta = _services(_settings(tmp_path, llm, llm_monthly_cap=2))
    first = reword_suggestion(svc, 1, actor="ann")
    assert "Kept our wording" in first and "no JSON object" in first
    reword_suggestion(svc, 1, actor="ann")
    third = reword_suggestion(svc, 1, actor="ann")
    assert "monthly cap of 2" in third
    assert len(llm.requests) == 2 and calls_this_month(meta) == 2
    stored = meta.list_suggestions()[0]
    assert stored.title == "Turn on Hall lamp when Hall PIR turns on"
    assert meta.list_audit() == []  # nothing changed, nothing to audit


def test_reword_never_touches_the_automation(tmp_path: Path, llm: LLMServer) -> None:
    llm.reply = '{"title": "Hall light", "description": "alias: changed\\nactions: []"}'
    svc, meta = _services(_settings(tmp_path, llm))
    before = meta.list_suggestions()[0]
    assert reword_suggestion(svc, 1, actor="ann") == "Reworded: Hall light"
    after = meta.list_suggestions()[0]
    assert after.detail == before.detail and after.kind == before.kind
    # Once analysis stores the config in its own column, that stays too.
    assert getattr(after, "automation", None) == getattr(before, "automation", None)
    assert after.status == before.status


def test_the_count_starts_again_each_month(tmp_path: Path) -> None:
    meta = MetadataStore(tmp_path / "m.sqlite")
    meta.set_worker_status("llm_wording", {"month": "2000-01", "calls": 99})
    assert calls_this_month(meta) == 0
