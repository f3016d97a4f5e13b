"""LLM wording against a recording OpenAI-compatible server on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from automations.wording import LLMConfig, PatternSummary, build_request, word
from tests.support.llm_server import LLMServer, running_llm_server

SUMMARY = PatternSummary(
    kind="trigger",
    entity_id="light.kitchen_ceiling",
    to_state="on",
    trigger_entity_id="binary_sensor.kitchen_motion",
    trigger_to_state="on",
    delay_s=4,
    evidence={"occurrences": 41, "days": 28, "precision": 0.83, "first_seen": "2026-11-02T06:44"},
    names={"light.kitchen_ceiling": "Kitchen ceiling", "binary_sensor.kitchen_motion": "Motion"},
)
OURS = ("Kitchen light follows motion", "Our own description.")


@pytest.fixture
def llm() -> Iterator[LLMServer]:
    with running_llm_server() as server:
        yield server


def _config(llm: LLMServer, **overrides: object) -> LLMConfig:
    return LLMConfig(base_url=llm.base_url, model="tiny", timeout_s=2.0, **overrides)  # type: ignore[arg-type]


def test_sends_pseudonyms_and_numbers_only(llm: LLMServer) -> None:
    llm.reply = json.dumps(
        {
            "title": "light A follows motion",
            "description": "When binary sensor A sees you, light A goes on.",
        }
    )
    result = word(SUMMARY, OURS, _config(llm), calls_this_month=0)
    sent = json.loads(llm.requests[0]["messages"][1]["content"])
    assert sent["device"] == "light A" and sent["trigger_device"] == "binary sensor A"
    assert sent["evidence"] == {"occurrences": 41, "days": 28, "precision": 0.83}
    text = json.dumps(llm.requests[0])
    assert "kitchen" not in text.lower() and "2026" not in text
    # The pseudonyms come back as the home's names.
    assert result.source == "llm"
    assert result.title == "Kitchen ceiling follows motion"
    assert result.description == "When Motion sees you, Kitchen ceiling goes on."


def test_admin_sees_the_exact_request(llm: LLMServer) -> None:
    config = _config(llm)
    shown = build_request(SUMMARY, config)
    word(SUMMARY, OURS, config, calls_this_month=0)
    assert llm.requests == [shown]


def test_names_are_sent_only_when_allowed(llm: LLMServer) -> None:
    word(SUMMARY, OURS, _config(llm, send_names=True), calls_this_month=0)
    sent = json.loads(llm.requests[0]["messages"][1]["content"])
    assert sent["device"] == "Kitchen ceiling"


def test_api_key_is_sent_as_bearer(llm: LLMServer) -> None:
    word(SUMMARY, OURS, _config(llm, api_key="sk-test-123"), calls_this_month=0)
    assert llm.headers[0]["authorization"] == "Bearer sk-test-123"


@pytest.mark.parametrize(
    ("setup", "note"),
    [
        ({"reply": "Sure! Here is a title: Lights"}, "unusable"),
        ({"refusal": "I cannot help with that"}, "refused"),
        ({"finish_reason": "length", "reply": '{"title": "Li'}, "cut off"),
        ({"delay_s": 3.0}, "did not answer within 2 s"),
        ({"reply": json.dumps({"title": "x" * 200, "description": "y"})}, "too long"),
    ],
)
def test_bad_answers_fall_back_to_our_wording(
    llm: LLMServer, setup: dict[str, object], note: str
) -> None:
    for key, value in setup.items():
        setattr(llm, key, value)
    result = word(SUMMARY, OURS, _config(llm), calls_this_month=0)
    assert (result.title, result.description, result.source) == (*OURS, "ours")
    assert note in result.note


def test_monthly_cap_stops_calls(llm: LLMServer) -> None:
    result = word(SUMMARY, OURS, _config(llm, monthly_cap=5), calls_this_month=5)
    assert result.source == "ours" and "monthly cap of 5" in result.note
    assert llm.requests == []


def test_unreachable_server_falls_back() -> None:
    config = LLMConfig(base_url="http://127.0.0.1:9/v1", model="tiny", timeout_s=2.0)
    result = word(SUMMARY, OURS, config, calls_this_month=0)
    assert result.source == "ours" and "failed" in result.note
