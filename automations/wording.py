"""Optional LLM wording of a suggestion's title and description (the only module using openai).

Only the pattern summary leaves the house: kind, clock time, weekdays, sun event and offset,
delay and evidence numbers, with entity ids replaced by pseudonyms ("light A") unless the
admin allows names. Never events, states or timestamps. The automation config is never sent
and never changed here. Any failure (timeout, refusal, cut-off or unparseable answer, the
monthly cap) falls back to our own wording with a note saying why.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_TITLE = 80
MAX_DESCRIPTION = 400
SYSTEM_PROMPT = (
    "You name home automations. Given a JSON summary of a habit seen in a home, answer with "
    'only a JSON object {"title": "...", "description": "..."}: a title of at most 8 words '
    "and one or two plain sentences saying what the automation would do and the evidence. "
    "Use the device labels exactly as given. Do not invent devices, times or numbers."
)


@dataclass(frozen=True, kw_only=True)
class LLMConfig:
    """Where to send wording requests; built from HOMEIQ_LLM_* settings by the caller."""

    base_url: str
    model: str
    api_key: str | None = None
    timeout_s: float = 20.0
    monthly_cap: int = 100
    send_names: bool = False


@dataclass(frozen=True, kw_only=True)
class PatternSummary:
    """What a suggestion is about, as parameters and numbers only."""

    kind: str  # time | sun | trigger
    entity_id: str
    to_state: str | None = None
    trigger_entity_id: str | None = None
    trigger_to_state: str | None = None
    local_time: str | None = None
    weekdays: Sequence[int] = ()
    event: str | None = None
    offset_minutes: int | None = None
    delay_s: int | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)  # entity id -> friendly name


@dataclass(frozen=True, kw_only=True)
class Wording:
    """A title and description, where they came from and why."""

    title: str
    description: str
    source: str  # "llm" or "ours"
    note: str = ""


def _pseudonyms(summary: PatternSummary, send_names: bool) -> dict[str, str]:
    """Return entity id -> the label sent for it."""
    labels: dict[str, str] = {}
    per_domain: dict[str, int] = {}
    for entity_id in (summary.entity_id, summary.trigger_entity_id):
        if entity_id is None or entity_id in labels:
            continue
        if send_names:
            labels[entity_id] = summary.names.get(entity_id, entity_id)
            continue
        domain = entity_id.partition(".")[0]
        index = per_domain.get(domain, 0)
        per_domain[domain] = index + 1
        labels[entity_id] = f"{domain.replace('_', ' ')} {string.ascii_uppercase[index % 26]}"
    return labels


def summary_payload(summary: PatternSummary, *, send_names: bool) -> dict[str, Any]:
    """Return the summary exactly as it is sent: labels for entities, numbers for evidence."""
    labels = _pseudonyms(summary, send_names)
    payload: dict[str, Any] = {"kind": summary.kind, "device": labels[summary.entity_id]}
    optional = {
        "to_state": summary.to_state,
        "trigger_device": labels.get(summary.trigger_entity_id or ""),
        "trigger_to_state": summary.trigger_to_state,
        "local_time": summary.local_time,
        "weekdays": list(summary.weekdays) or None,
        "sun_event": summary.event,
        "offset_minutes": summary.offset_minutes,
        "delay_seconds": summary.delay_s,
    }
    payload |= {k: v for k, v in optional.items() if v is not None}
    # Evidence is numbers only: a string could carry a timestamp or a name.
    evidence = {
        str(k): v
        for k, v in summary.evidence.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }
    if evidence:
        payload["evidence"] = evidence
    return payload


def build_request(summary: PatternSummary, config: LLMConfig) -> dict[str, Any]:
    """Return the exact chat-completions request body (what the admin is shown first)."""
    payload = summary_payload(summary, send_names=config.send_names)
    return {
        "model": config.model,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": json.dumps(payload, sort_keys=True)},
        ],
        "temperature": 0.2,
        "max_tokens": 300,
    }


_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def parse_reply(text: str, summary: PatternSummary, *, send_names: bool) -> tuple[str, str]:
    """Return (title, description) from the model's text; raise ValueError when unusable."""
    match = _JSON_OBJECT.search(text or "")
    if match is None:
        raise ValueError("the answer holds no JSON object")
    parsed = json.loads(match.group(0))
    if not isinstance(parsed, dict):
        raise ValueError("the answer is not a JSON object")
    title, description = parsed.get("title"), parsed.get("description")
    if not isinstance(title, str) or not isinstance(description, str):
        raise ValueError("the answer lacks a text title or description")
    title, description = title.strip(), description.strip()
    if not title or not description:
        raise ValueError("the answer has an empty title or description")
    if len(title) > MAX_TITLE or len(description) > MAX_DESCRIPTION:
        raise ValueError(f"the answer is too long (title {len(title)}, text {len(description)})")
    if not send_names:
        # Pseudonyms become the home's own names here, never at the model.
        for entity_id, label in _pseudonyms(summary, send_names=False).items():
            real = summary.names.get(entity_id, entity_id)
            label_word = re.compile(rf"\b{re.escape(label)}\b")
            title = label_word.sub(real, title)
            description = label_word.sub(real, description)
    return title, description


Sender = Callable[[dict[str, Any]], Any]


def openai_sender(config: LLMConfig) -> Sender:
    """Return a function that sends a request body through the openai client, no retries."""
    import openai

    client = openai.OpenAI(
        base_url=config.base_url,
        api_key=config.api_key or "not-needed",  # local servers take any key
        timeout=config.timeout_s,
        max_retries=0,
    )

    def send(body: dict[str, Any]) -> Any:
        return client.chat.completions.create(**body)

    return send


def word(
    summary: PatternSummary,
    ours: tuple[str, str],
    config: LLMConfig,
    *,
    calls_this_month: int,
    send: Sender | None = None,
) -> Wording:
    """Return the LLM's wording of ``summary``, or ``ours`` with a note saying why not."""
    title, description = ours

    def fallback(note: str) -> Wording:
        return Wording(title=title, description=description, source="ours", note=note)

    if calls_this_month >= config.monthly_cap:
        return fallback(f"monthly cap of {config.monthly_cap} wording calls reached")
    import openai

    sender = send or openai_sender(config)
    try:
        answer = sender(build_request(summary, config))
    except openai.APITimeoutError:
        return fallback(f"the language model did not answer within {config.timeout_s:g} s")
    except openai.APIError as err:
        return fallback(f"the language model failed: {type(err).__name__}: {err}")
    choice = answer.choices[0] if answer.choices else None
    if choice is None:
        return fallback("the language model answered with no choice")
    if getattr(choice.message, "refusal", None):
        return fallback("the language model refused")
    if choice.finish_reason == "length":
        return fallback("the language model's answer was cut off")
    if choice.finish_reason == "content_filter":
        return fallback("the language model's answer was filtered")
    try:
        new_title, new_description = parse_reply(
            choice.message.content or "", summary, send_names=config.send_names
        )
    except ValueError as err:
        return fallback(f"the language model's answer was unusable ({err})")
    return Wording(title=new_title, description=new_description, source="llm")
