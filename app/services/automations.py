"""Suggestions' write side and the audit log for the admin pages (never the kiosk).

Pages call these; they never talk to Home Assistant themselves. The acting person's label
comes from the sign-in (app.services.auth) and is passed in as ``actor``.
"""

from __future__ import annotations

from typing import Any

from app.services.context import ServiceError, Services
from automations.edit import Edits
from homeiq.automation.audit_log import AuditLog, AuditRow
from homeiq.automation.deployer import AutomationDeployer, DeployError, Outcome
from homeiq.automation.factory import ha_config_client
from homeiq.automation.rewording import llm_config, preview, reword


def deployer(svc: Services) -> AutomationDeployer:
    """Return a deployer on this server's metadata and HA; ServiceError without metadata."""
    if svc.metadata is None:
        raise ServiceError(
            f"There is no metadata database at {svc.settings.metadata_path} yet; run "
            "`homeiq analyze` (or the ingest worker) first."
        )
    return AutomationDeployer(svc.metadata, ha_config_client(svc.settings))


def audit_rows(svc: Services, limit: int = 500) -> list[AuditRow]:
    """Return the newest audit entries (empty when there is no metadata database yet)."""
    if svc.metadata is None:
        return []
    return AuditLog(svc.metadata).entries(limit)


def show(svc: Services, suggestion_id: int) -> dict[str, Any]:
    """Return a suggestion's status, config, findings and versions; ServiceError on refusal."""
    try:
        return deployer(svc).show(suggestion_id, max_age_s=60.0)
    except DeployError as err:
        raise ServiceError(str(err)) from err


def act(
    svc: Services, action: str, suggestion_id: int, *, actor: str, confirmed: bool = False
) -> str:
    """Run approve / reject / deploy / rollback; return the message to show."""
    tool = deployer(svc)
    try:
        if action == "approve":
            tool.approve(suggestion_id, actor=actor)
            return f"Suggestion {suggestion_id} approved."
        if action == "reject":
            tool.reject(suggestion_id, actor=actor)
            return f"Suggestion {suggestion_id} rejected."
        if action == "deploy":
            outcome: Outcome = tool.deploy(suggestion_id, actor=actor, confirmed=confirmed)
        elif action == "rollback":
            outcome = tool.rollback(suggestion_id, actor=actor)
        else:
            raise ValueError(f"unknown action {action!r}")
    except DeployError as err:
        raise ServiceError(str(err)) from err
    return " ".join((outcome.message, *outcome.warnings))


def wording_request(svc: Services, suggestion_id: int) -> dict[str, Any] | None:
    """Return the exact request an LLM rewording would send, or None when wording is off."""
    config = llm_config(svc.settings)
    if config is None:
        return None
    tool = deployer(svc)
    try:
        return preview(tool.meta, config, tool.suggestion(suggestion_id))
    except DeployError as err:
        raise ServiceError(str(err)) from err


def reword_suggestion(svc: Services, suggestion_id: int, *, actor: str) -> str:
    """Send the wording request; return what happened (new wording or why ours stays)."""
    config = llm_config(svc.settings)
    if config is None:
        raise ServiceError("Wording is off: set HOMEIQ_LLM_BASE_URL and HOMEIQ_LLM_MODEL.")
    tool = deployer(svc)
    try:
        result = reword(tool.meta, config, tool.suggestion(suggestion_id), actor=actor)
    except DeployError as err:
        raise ServiceError(str(err)) from err
    if result.source == "llm":
        return f"Reworded: {result.title}"
    return f"Kept our wording: {result.note}."


def edit(svc: Services, suggestion_id: int, edits: Edits, *, actor: str) -> str:
    """Apply the admin's edits to what will be deployed; return what changed."""
    try:
        deployer(svc).edit(suggestion_id, edits, actor=actor)
    except DeployError as err:
        raise ServiceError(str(err)) from err
    changed = ", ".join(f"{k} {v}" for k, v in edits.to_dict().items())
    return f"Suggestion {suggestion_id} edited: {changed}. Deploy to make it a new version."
