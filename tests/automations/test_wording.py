"""LLM wording against a recording OpenAI-compatible server on loopback."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from automations.wording import LLMConfig, PatternSummary, build_request, word
from tests.support.llm_server import LLMServer, running_llm_server

SUMMARY = PatternSummary(
    kind="trigger",
    entity_id="light.kitchen_ceiling",
    to_state="on",
    trigger_entity_id="binary_sensor.kitchen_motion",
    trigger_to_state="on",
    delay_s=4,
    # routines12's evidence: numbers, plus per-day marks and a reason that must stay home.
    evidence={
        "days_seen": 28,
        "lift": 6.5,
        "replay_precision": 0.83,
        "marks": [["2026-11-02", 404.5], ["2026-11-03", 401.0]],
        "reason": "seen 2026-11-02T06:44:10+01:00",
        "first_seen": "2026-11-02T06:44",
        "last_seen_epoch": 1764600000,
        "p_value": float("nan"),
        "chance_lift": float("inf"),
    },
    names={"light.kitchen_ceiling": "Kitchen ceiling", "binary_sensor.kitchen_motion": "Motion"},
    device_classes={"binary_sensor.kitchen_motion": "motion"},
)
OURS = ("Kitchen light follows motion", "Our own description.")
# ISO dates, times with seconds, epoch-like numbers: what a timestamp looks like on the wire.
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}|\b1[6-9]\d{8}\b")


@pytest.fixture
def llm() -> Iterator[LLMServer]:
    with running_llm_server() as server:
        yield server


def _config(llm: LLMServer, **overrides: object) -> LLMConfig:
    return LLMConfig(base_url=llm.base_url, model="tiny", timeout_s=2.0, **overrides)  # type: ignore[arg-type]


def _sent(llm: LLMServer, index: int = 0) -> dict[str, object]:
    return json.loads(llm.requests[index]["messages"][1]["content"])  # type: ignore[no-any-return]


def test_sends_pseudonyms_and_numbers_only(llm: LLMServer) -> None:
    word(SUMMARY, OURS, _config(llm), calls_this_month=0)
    sent = _sent(llm)
    assert sent["device"] == "light 1" and sent["trigger_device"] == "motion sensor 1"
    assert sent["evidence"] == {"days_seen": 28, "lift": 6.5, "replay_precision": 0.83}
    wire = json.dumps(llm.requests[0])
    for entity_id in ("light.kitchen_ceiling", "binary_sensor.kitchen_motion"):
        assert entity_id not in wire
    assert "kitchen" not in wire.lower() and 'motion"' not in wire.lower()
    assert TIMESTAMP.search(wire) is None, TIMESTAMP.search(wire)
    assert "NaN" not in wire and "Infinity" not in wire


def test_pseudonyms_are_numbered_per_kind() -> None:
    summary = PatternSummary(
        kind="trigger",
        entity_id="light.hall",
        trigger_entity_id="light.porch",
        trigger_to_state="on",
    )
    payload = json.loads(
        build_request(summary, LLMConfig(base_url="x", model="m"))["messages"][1]["content"]
    )
    assert (payload["device"], payload["trigger_device"]) == ("light 1", "light 2")


def test_weekdays_are_sent_as_names(llm: LLMServer) -> None:
    summary = PatternSummary(
        kind="time", entity_id="light.hall", local_time="07:10", weekdays=(0, 4, 6)
    )
    word(summary, OURS, _config(llm), calls_this_month=0)
    assert _sent(llm)["weekdays"] == ["Mon", "Fri", "Sun"]
    assert _sent(llm)["local_time"] == "07:10"


def test_answer_pseudonyms_become_the_homes_names(llm: LLMServer) -> None:
    llm.reply = json.dumps(
        {
            "title": "Light 1 follows motion",
            "description": "When motion sensor 1 sees you, light 1 goes on.",
        }
    )
    result = word(SUMMARY, OURS, _config(llm), calls_this_month=0)
    assert result.source == "llm" and result.calls == 1
    assert result.title == "Kitchen ceiling follows motion"
    assert result.description == "When Motion sees you, Kitchen ceiling goes on."


def test_answer_in_a_code_fence_is_used(llm: LLMServer) -> None:
    llm.reply = '```json\n{"title": "Morning light", "description": "Light 1 at seven."}\n```'
    result = word(SUMMARY, OURS, _config(llm), calls_this_month=0)
    assert (result.title, result.description) == ("Morning light", "Kitchen ceiling at seven.")


def test_answer_inventing_a_device_falls_back(llm: LLMServer) -> None:
    llm.reply = json.dumps({"title": "Light 2 follows", "description": "Light 2 goes on."})
    result = word(SUMMARY, OURS, _config(llm), calls_this_month=0)
    assert result.source == "ours" and "'Light 2'" in result.note


def test_admin_sees_the_exact_request(llm: LLMServer) -> None:
    config = _config(llm)
    shown = build_request(SUMMARY, config)
    word(SUMMARY, OURS, config, calls_this_month=0)
    assert llm.requests == [shown]
    assert shown["response_format"] == {"type": "json_object"}


def test_server_without_json_mode_gets_the_request_without_it(llm: LLMServer) -> None:
    llm.json_mode = False
    llm.reply = 'Here you go: {"title": "Hall light", "description": "On at 7."}'
    config = _config(llm)
    shown = build_request(SUMMARY, config)
    result = word(SUMMARY, OURS, config, calls_this_month=0)
    assert (result.source, result.title, result.calls) == ("llm", "Hall light", 2)
    assert llm.requests[0] == shown
    assert llm.requests[1] == {k: v for k, v in shown.items() if k != "response_format"}


def test_names_are_sent_only_when_allowed(llm: LLMServer) -> None:
    word(SUMMARY, OURS, _config(llm, send_names=True), calls_this_month=0)
    sent = _sent(llm)
    assert (sent["device"], sent["trigger_device"]) == ("Kitchen ceiling", "Motion")


def test_api_key_is_sent_as_bearer_and_never_shown(llm: LLMServer) -> None:
    config = _config(llm, api_key=SecretStr("sk-test-123"))
    assert "sk-test-123" not in repr(config)
    assert "sk-test-123" not in json.dumps(build_request(SUMMARY, config))
    word(SUMMARY, OURS, config, calls_this_month=0)
    assert llm.headers[0]["authorization"] == "Bearer sk-test-123"


@pytest.mark.parametrize(
    ("setup", "note"),
    [
        ({"reply": "Sure! Here is a title: Lights"}, "no JSON object"),
        ({"reply": '{"title": "Lights", description: on}'}, "unusable"),
        ({"reply": '{"title": 3, "description": "x"}'}, "lacks a text title"),
        ({"refusal": "I cannot help with that"}, "refused"),
        ({"finish_reason": "length", "reply": '{"title": "Li'}, "cut off"),
        ({"finish_reason": "length", "reply": '{"title": "A", "description": "B"}'}, "cut off"),
        ({"delay_s": 3.0}, "did not answer within 2 s"),
        ({"reply": json.dumps({"title": "x" * 200, "description": "y"})}, "too long"),
        ({"reply": json.dumps({"title": "Ok", "description": "y" * 401})}, "too long"),
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
    assert result.calls == 1 and len(llm.requests) == 1


def test_monthly_cap_stops_calls(llm: LLMServer) -> None:
    result = word(SUMMARY, OURS, _config(llm, monthly_cap=5), calls_this_month=5)
    assert result.source == "ours" and "monthly cap of 5" in result.note
    assert result.calls == 0 and llm.requests == []


def test_json_mode_retry_stays_under_the_cap(llm: LLMServer) -> None:
    llm.json_mode = False
    result = word(SUMMARY, OURS, _config(llm, monthly_cap=5), calls_this_month=4)
    assert result.source == "ours" and result.calls == 1 and len(llm.requests) == 1


def test_unreachable_server_falls_back() -> None:
    config = LLMConfig(base_url="http://127.0.0.1:9/v1", model="tiny", timeout_s=2.0)
    result = word(SUMMARY, OURS, config, calls_this_month=0)
    assert result.source == "ours" and "failed" in result.note


@pytest.mark.parametrize(
    ("setup", "note"),
    [
        ({"raw_body": b"<html>It works</html>"}, "not a chat completion"),
        ({"raw_body": b'{"choices": []}'}, "no choice"),
        ({"status": 500, "error": "model crashed"}, "model crashed"),
        ({"status": 404, "error": "model 'tiny' not found"}, "not found"),
    ],
)
def test_broken_servers_fall_back(llm: LLMServer, setup: dict[str, object], note: str) -> None:
    for key, value in setup.items():
        setattr(llm, key, value)
    result = word(SUMMARY, OURS, _config(llm), calls_this_month=0)
    assert (result.title, result.source) == (OURS[0], "ours")
    assert note in result.note


def test_a_server_echoing_the_key_does_not_show_it(llm: LLMServer) -> None:
    llm.status, llm.error = 401, "Incorrect API key provided: sk-test-123"
    result = word(SUMMARY, OURS, _config(llm, api_key=SecretStr("sk-test-123")), calls_this_month=0)
    assert result.source == "ours" and "AuthenticationError" in result.note
    assert "sk-test-123" not in result.note
