"""Optional LLM wording of a suggestion's title and description (the only module using openai).

Only the pattern summary leaves the house: kind, clock time, weekday names, sun event and
offset, delay and evidence numbers, with entity ids replaced by pseudonyms ("light 1",
"motion sensor 1") unless the admin allows names. Never events, states or timestamps. The
automation config is never sent and never changed here. Any failure (timeout, refusal, cut-off
or unparseable answer, an invented device, the monthly cap) falls back to our own wording with
a note saying why.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

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
    api_key: SecretStr | None = field(default=None, repr=False)
    timeout_s: float = 30.0
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
    # entity id -> HA device class: "motion sensor 1" says more than "binary sensor 1".
    device_classes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Wording:
    """A title and description, where they came from and why."""

    title: str
    description: str
    source: str  # "llm" or "ours"
    note: str = ""
    calls: int = 0  # requests that reached (or were sent towards) the server


WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_SENSOR_DOMAINS = frozenset({"binary_sensor", "sensor"})


def _kind_label(entity_id: str, device_class: str | None) -> str:
    """Return the generic word for an entity: its domain, or "<class> sensor" for sensors."""
    domain = entity_id.partition(".")[0] or "device"
    if domain in _SENSOR_DOMAINS and device_class:
        return f"{device_class.replace('_', ' ')} sensor"
    return domain.replace("_", " ")


def _pseudonyms(summary: PatternSummary, send_names: bool) -> dict[str, str]:
    """Return entity id -> the label sent for it ("light 1", or its name when allowed)."""
    labels: dict[str, str] = {}
    per_kind: dict[str, int] = {}
    for entity_id in (summary.entity_id, summary.trigger_entity_id):
        if entity_id is None or entity_id in labels:
            continue
        if send_names:
            labels[entity_id] = summary.names.get(entity_id, entity_id)
            continue
        kind = _kind_label(entity_id, summary.device_classes.get(entity_id))
        per_kind[kind] = per_kind.get(kind, 0) + 1
        labels[entity_id] = f"{kind} {per_kind[kind]}"
    return labels


# Evidence counts, rates and minutes stay far below this; epoch seconds or ms are above it.
_EPOCH_LIKE = 1e9


def _plain_number(value: object) -> bool:
    """Return True for an evidence value that may leave the house.

    Only finite numbers: a string could carry a timestamp or a name, a list the per-day marks,
    an epoch-sized number a moment, and NaN/inf are not JSON that strict servers accept.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and abs(value) < _EPOCH_LIKE


def summary_payload(summary: PatternSummary, *, send_names: bool) -> dict[str, Any]:
    """Return the summary exactly as it is sent: labels for entities, numbers for evidence."""
    labels = _pseudonyms(summary, send_names)
    payload: dict[str, Any] = {"kind": summary.kind, "device": labels[summary.entity_id]}
    optional = {
        "to_state": summary.to_state,
        "trigger_device": labels.get(summary.trigger_entity_id or ""),
        "trigger_to_state": summary.trigger_to_state,
        "local_time": summary.local_time,
        # Names, not 0..6: models disagree on whether 0 is Monday or Sunday.
        "weekdays": [WEEKDAY_NAMES[d % 7] for d in summary.weekdays] or None,
        "sun_event": summary.event,
        "offset_minutes": summary.offset_minutes,
        "delay_seconds": summary.delay_s,
    }
    payload |= {k: v for k, v in optional.items() if v is not None}
    evidence = {str(k): v for k, v in summary.evidence.items() if _plain_number(v)}
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
        # Servers without JSON mode get the same request once more without this key.
        "response_format": {"type": "json_object"},
    }


_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)
_SPACES = re.compile(r"\s+")


def _literal(name: str) -> Callable[[re.Match[str]], str]:
    """Return a re.sub replacement giving ``name`` as it is (no backslash escapes)."""
    return lambda _match: name


def _map_back(text: str, summary: PatternSummary) -> str:
    """Return ``text`` with each pseudonym replaced by the home's own name for it."""
    for entity_id, label in _pseudonyms(summary, send_names=False).items():
        real = summary.names.get(entity_id, entity_id)
        # Models capitalise at a sentence start ("Light 1 turns on"); \b keeps "light 10" apart.
        text = re.sub(rf"\b{re.escape(label)}\b", _literal(real), text, flags=re.IGNORECASE)
    return text


def _invented_device(text: str, summary: PatternSummary) -> str | None:
    """Return a numbered pseudonym in ``text`` that was never sent (an invented device)."""
    sent = {label.lower() for label in _pseudonyms(summary, send_names=False).values()}
    kinds = {label.rsplit(" ", 1)[0] for label in sent}
    for kind in kinds:
        for match in re.finditer(rf"\b{re.escape(kind)} (\d+)\b", text, flags=re.IGNORECASE):
            if match.group(0).lower() not in sent:
                return match.group(0)
    return None


def parse_reply(text: str, summary: PatternSummary, *, send_names: bool) -> tuple[str, str]:
    """Return (title, description) from the model's text; raise ValueError when unusable."""
    match = _JSON_OBJECT.search(text or "")
    if match is None:
        raise ValueError("the answer holds no JSON object")
    parsed = json.loads(match.group(0))  # JSONDecodeError is a ValueError
    if not isinstance(parsed, dict):
        raise ValueError("the answer is not a JSON object")
    title, description = parsed.get("title"), parsed.get("description")
    if not isinstance(title, str) or not isinstance(description, str):
        raise ValueError("the answer lacks a text title or description")
    title, description = _SPACES.sub(" ", title).strip(), description.strip()
    if not title or not description:
        raise ValueError("the answer has an empty title or description")
    if len(title) > MAX_TITLE or len(description) > MAX_DESCRIPTION:
        raise ValueError(
            f"the answer is too long (title {len(title)} of at most {MAX_TITLE} characters, "
            f"description {len(description)} of at most {MAX_DESCRIPTION})"
        )
    if not send_names:
        invented = _invented_device(f"{title}\n{description}", summary)
        if invented is not None:
            raise ValueError(f"the answer names a device it was not given ({invented!r})")
        # Pseudonyms become the home's own names here, never at the model.
        title, description = _map_back(title, summary), _map_back(description, summary)
    return title, description


Sender = Callable[[dict[str, Any]], Any]


def openai_sender(config: LLMConfig) -> Sender:
    """Return a function that sends a request body through the openai client, no retries."""
    import openai

    key = config.api_key.get_secret_value() if config.api_key is not None else ""
    client = openai.OpenAI(
        base_url=config.base_url,
        api_key=key or "not-needed",  # local servers take any key
        timeout=config.timeout_s,
        max_retries=0,
    )

    def send(body: dict[str, Any]) -> Any:
        return client.chat.completions.create(**body)

    return send


def _without_json_mode(body: dict[str, Any]) -> dict[str, Any]:
    """Return the request without ``response_format`` (for servers that reject JSON mode)."""
    return {k: v for k, v in body.items() if k != "response_format"}


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
    calls = 0

    def fallback(note: str) -> Wording:
        # Some servers echo the key in their error text: it must not reach a page.
        key = config.api_key.get_secret_value() if config.api_key is not None else ""
        if key:
            note = note.replace(key, "***")
        return Wording(title=title, description=description, source="ours", note=note, calls=calls)

    if calls_this_month >= config.monthly_cap:
        return fallback(f"monthly cap of {config.monthly_cap} wording calls reached")
    import openai

    sender = send or openai_sender(config)
    body = build_request(summary, config)
    try:
        try:
            calls += 1
            answer = sender(body)
        except (openai.BadRequestError, openai.UnprocessableEntityError):
            # Older llama.cpp / LocalAI builds answer 400/422 to response_format: ask once
            # more without it (the answer is parsed for JSON either way).
            if calls_this_month + calls >= config.monthly_cap:
                raise
            calls += 1
            answer = sender(_without_json_mode(body))
    except openai.APITimeoutError:
        return fallback(f"the language model did not answer within {config.timeout_s:g} s")
    except openai.APIError as err:
        return fallback(f"the language model failed: {type(err).__name__}: {err}")
    if not hasattr(answer, "choices"):
        return fallback(
            "the server's answer is not a chat completion; is HOMEIQ_LLM_BASE_URL "
            f"({config.base_url}) the API's base URL, usually ending in /v1?"
        )
    choice = answer.choices[0] if answer.choices else None
    if choice is None:
        return fallback("the language model answered with no choice")
    if getattr(choice.message, "refusal", None):
        return fallback("the language model refused")
    if choice.finish_reason == "length":
        return fallback("the language model's answer was cut off (finish_reason length)")
    if choice.finish_reason == "content_filter":
        return fallback("the language model's answer was filtered")
    try:
        new_title, new_description = parse_reply(
            choice.message.content or "", summary, send_names=config.send_names
        )
    except ValueError as err:
        return fallback(f"the language model's answer was unusable ({err})")
    return Wording(title=new_title, description=new_description, source="llm", calls=calls)
