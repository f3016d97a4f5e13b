"""Rewording a stored suggestion: settings switch it on, the store keeps count and the audit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from homeiq.automation.rewording import calls_this_month, llm_config, preview, reword
from homeiq.settings import load_settings
from storage.metadata import MetadataStore
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
    assert config is not None and config.api_key == "sk-secret-9"
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
