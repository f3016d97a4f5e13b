"""Ask the configured language model to reword a suggestion's title and description.

Off unless HOMEIQ_LLM_BASE_URL and HOMEIQ_LLM_MODEL are set. The admin sees ``preview`` (the
exact request) before ``reword`` sends it; calls are counted per calendar month in the
metadata store, and each one that changes the wording is audited with the request it sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from automations.wording import LLMConfig, PatternSummary, Wording, build_request, word
from homeiq.automation.audit_log import AuditLog
from homeiq.settings import Settings
from storage.metadata import MetadataStore, Suggestion

_COUNTER = "llm_wording"


@dataclass(frozen=True, kw_only=True)
class _Registry:
    """Friendly names and device classes of the entities, for labels and mapping back."""

    names: dict[str, str]
    classes: dict[str, str]


def llm_config(settings: Settings) -> LLMConfig | None:
    """Return the wording server's config, or None when wording is off."""
    if not settings.llm_base_url or not settings.llm_model:
        return None
    return LLMConfig(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key(),
        timeout_s=settings.llm_timeout_s,
        monthly_cap=settings.llm_monthly_cap,
        send_names=settings.llm_send_names,
    )


def _field(suggestion: Suggestion, key: str) -> Any:
    """Return a suggestion field: a column once analysis stores it, else the same detail key."""
    value = getattr(suggestion, key, None)
    return value if value not in (None, {}, "") else suggestion.detail.get(key)


def summary_of(suggestion: Suggestion, registry: _Registry) -> PatternSummary:
    """Return the pattern summary of a stored suggestion (its parameters and evidence)."""
    params: dict[str, Any] = dict(_field(suggestion, "params") or {})
    entity_id = str(_field(suggestion, "entity_id") or "")
    trigger_entity_id = _field(suggestion, "trigger_entity_id")
    evidence: dict[str, Any] = dict(_field(suggestion, "evidence") or {})
    # Follows patterns carry their delay as evidence (median), time patterns have none.
    delay = params.get("delay_s", evidence.get("median_delay_s"))
    wanted = {entity_id, trigger_entity_id}
    return PatternSummary(
        kind=suggestion.kind,
        entity_id=entity_id,
        to_state=_field(suggestion, "to_state"),
        trigger_entity_id=trigger_entity_id,
        trigger_to_state=_field(suggestion, "trigger_to_state"),
        local_time=params.get("local_time"),
        weekdays=tuple(int(d) for d in params.get("weekdays") or ()),
        event=params.get("event"),
        offset_minutes=params.get("offset_minutes"),
        delay_s=round(delay) if isinstance(delay, int | float) else None,
        evidence=evidence,
        names={k: v for k, v in registry.names.items() if k in wanted},
        device_classes={k: v for k, v in registry.classes.items() if k in wanted},
    )


def _month() -> str:
    return datetime.now(UTC).strftime("%Y-%m")


def calls_this_month(meta: MetadataStore) -> int:
    """Return how many wording calls were made this calendar month (UTC)."""
    status = meta.worker_status().get(_COUNTER)
    if status is None or status.payload.get("month") != _month():
        return 0
    return int(status.payload.get("calls", 0))


def _registry(meta: MetadataStore) -> _Registry:
    entities = meta.list_entities()
    return _Registry(
        names={e.entity_id: e.friendly_name for e in entities if e.friendly_name},
        classes={e.entity_id: e.device_class for e in entities if e.device_class},
    )


def preview(meta: MetadataStore, config: LLMConfig, suggestion: Suggestion) -> dict[str, Any]:
    """Return the exact request that ``reword`` would send for ``suggestion``."""
    return build_request(summary_of(suggestion, _registry(meta)), config)


def reword(
    meta: MetadataStore, config: LLMConfig, suggestion: Suggestion, *, actor: str
) -> Wording:
    """Send the request, store the new title and description when usable; return the result."""
    summary = summary_of(suggestion, _registry(meta))
    used = calls_this_month(meta)
    result = word(summary, (suggestion.title, suggestion.body), config, calls_this_month=used)
    if result.calls:
        # Every request sent counts, answered or not: the cap bounds what the server bills.
        meta.set_worker_status(_COUNTER, {"month": _month(), "calls": used + result.calls})
    if result.source == "llm":
        meta.update_suggestion(suggestion.id, title=result.title, body=result.description)
        AuditLog(meta).record(
            actor=actor,
            action="reword",
            suggestion_id=suggestion.id,
            what=f"title and description worded by {config.model}",
            before={"title": suggestion.title, "description": suggestion.body},
            after={"title": result.title, "description": result.description},
            answer={"request": build_request(summary, config)},
        )
    return result
