"""Reading HA's automations for coverage: the real HA peer, and HA unreachable."""

from __future__ import annotations

import logging

import pytest

from homeiq.analysis.inputs import read_ha_automations
from homeiq.settings import load_settings
from tests.support.ha_peer import HAPeer


def test_without_ha_nothing_is_read() -> None:
    assert read_ha_automations(load_settings(ha_url=None)) is None


def test_unreachable_ha_falls_back_to_context_columns() -> None:
    settings = load_settings(ha_url="http://127.0.0.1:9", ha_token="not-a-token")
    assert read_ha_automations(settings) is None


def test_real_ha_automation_entities_are_found_and_yaml_only_ones_skipped(
    ha_peer: HAPeer, caplog: pytest.LogCaptureFixture
) -> None:
    # The peer's one automation lives in configuration.yaml: it has an entity with an id
    # attribute, but the config API (automations.yaml only) answers 404 for it.
    settings = load_settings(ha_url=ha_peer.url, ha_token=ha_peer.token)
    with caplog.at_level(logging.INFO, logger="homeiq.analysis.inputs"):
        assert read_ha_automations(settings) == []
    assert "homeiq_peer_flag_follows_switch has no readable config" in caplog.text
