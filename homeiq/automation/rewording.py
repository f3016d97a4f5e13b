"""Ask the configured language model to reword a suggestion's title and description.

Off unless HOMEIQ_LLM_BASE_URL and HOMEIQ_LLM_MODEL are set. The admin sees ``preview`` (the
exact request) before ``reword`` sends it; calls are counted per calendar month in the
metadata store, and each one that changes the wording is audited with the request it sent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from automations.wording import LLMConfig, PatternSummary, Wording, build_request, word
from homeiq.automation.audit_log import AuditLog
from homeiq.settings import Settings
from storage.metadata import MetadataStore, Suggestion

_COUNTER = "llm_wording"


def llm_config(settings: Settings) -> LLMConfig | None:
    """Return the wording server's config, or None when wording is off."""
    if not settings.llm_base_url or not settings.llm_model:
        return None
    return LLMConfig(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key(),
        monthly_cap=settings.llm_monthly_cap,
        send_names=settings.llm_send_names,
    )


def summary_of(suggestion: Suggestion, names: dict[str, str]) -> PatternSummary:
    """Return the pattern summary of a stored suggestion (its parameters and evidence)."""
    params: dict[str, Any] = dict(getattr(suggestion, "params", {}) or {})
    entity_id = getattr(suggestion, "entity_id", None) or ""
    trigger_entity_id = getattr(suggestion, "trigger_entity_id", None)
    delay = params.get("delay_s")
    return PatternSummary(
        kind=suggestion.kind,
        entity_id=entity_id,
        to_state=getattr(suggestion, "to_state", None),
        trigger_entity_id=trigger_entity_id,
        trigger_to_state=getattr(suggestion, "trigger_to_state", None),
        local_time=params.get("local_time"),
        weekdays=tuple(params.get("weekdays") or ()),
        event=params.get("event"),
        offset_minutes=params.get("offset_minutes"),
        delay_s=int(delay) if isinstance(delay, int | float) else None,
        evidence=dict(getattr(suggestion, "evidence", {}) or {}),
        names={k: v for k, v in names.items() if k in {entity_id, trigger_entity_id}},
    )


def _month() -> str:
    return datetime.now(UTC).strftime("%Y-%m")


def calls_this_month(meta: MetadataStore) -> int:
    """Return how many wording calls were made this calendar month (UTC)."""
    status = meta.worker_status().get(_COUNTER)
    if status is None or status.payload.get("month") != _month():
        return 0
    return int(status.payload.get("calls", 0))


def _names(meta: MetadataStore) -> dict[str, str]:
    return {e.entity_id: e.friendly_name for e in meta.list_entities() if e.friendly_name}


def preview(meta: MetadataStore, config: LLMConfig, suggestion: Suggestion) -> dict[str, Any]:
    """Return the exact request that ``reword`` would send for ``suggestion``."""
    return build_request(summary_of(suggestion, _names(meta)), config)


def reword(
    meta: MetadataStore, config: LLMConfig, suggestion: Suggestion, *, actor: str
) -> Wording:
    """Send the request, store the new title and description when usable; return the result."""
    summary = summary_of(suggestion, _names(meta))
    used = calls_this_month(meta)
    result = word(summary, (suggestion.title, suggestion.body), config, calls_this_month=used)
    if result.note.startswith("monthly cap"):
        return result
    meta.set_worker_status(_COUNTER, {"month": _month(), "calls": used + 1})
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
