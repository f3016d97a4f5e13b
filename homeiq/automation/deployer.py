"""Approve, edit, deploy and roll back suggested automations through HA's own config API.

Deploy POSTs the config under ``homeiq_<suggestion id>`` and only calls it deployed once the
automation entity exists (found by registry unique_id), is on, and HA's GET returns what we
sent. Anything else leaves the suggestion approved, with HA's answer verbatim in the error and
the audit log. Every change is audited; every deployed config is a stored version.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from automations.config_walk import canonical
from automations.edit import EditError, Edits, apply_edits
from automations.safety import Validation, validate
from ha_client.automation_config import AutomationConfigClient, HAAnswer, HAError, HARejected
from homeiq.automation.audit_log import AuditLog
from homeiq.automation.ha_facts import try_home_facts
from homeiq.automation.suggestion_config import config_of, status_of
from homeiq.automation.verify import Poller, gone_problem, live_problem, undo
from storage.metadata import MetadataStore, Suggestion, SuggestionStatus
from storage.metadata.versions import AutomationVersion

_log = logging.getLogger(__name__)
ID_PREFIX = "homeiq_"


class DeployError(Exception):
    """A suggestion could not be changed; the message says why and what to do."""


class Refused(DeployError):
    """Refused by validation or by the suggestion's state (CLI exit code 2)."""


class HAFailed(DeployError):
    """Home Assistant was unreachable or rejected the change (CLI exit code 3)."""

    def __init__(self, message: str, answer: HAAnswer | None = None) -> None:
        super().__init__(message)
        self.answer = answer


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """What a deploy or rollback did: the new status, a message and any warnings."""

    status: str
    message: str
    version: AutomationVersion | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)


def ha_automation_id(suggestion_id: int) -> str:
    """Return the stable HA config id of a suggestion's automation."""
    return f"{ID_PREFIX}{suggestion_id}"


class AutomationDeployer:
    """The write side of suggestions; ``actor`` is the signed-in person's label."""

    def __init__(
        self,
        meta: MetadataStore,
        ha: AutomationConfigClient | None,
        *,
        verify_timeout_s: float = 30.0,
        poll_s: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.meta = meta
        self.ha = ha
        self.audit = AuditLog(meta)
        self._poller = Poller(timeout_s=verify_timeout_s, every_s=poll_s, sleep=sleep)

    # --- reading --------------------------------------------------------------------------
    def suggestion(self, suggestion_id: int) -> Suggestion:
        """Return one suggestion or raise Refused naming the id."""
        found = [s for s in self.meta.list_suggestions(limit=100_000) if s.id == suggestion_id]
        if not found:
            raise Refused(
                f"There is no suggestion {suggestion_id}; `homeiq suggestions` lists them."
            )
        return found[0]

    def config(self, suggestion_id: int) -> dict[str, Any]:
        """Return the config that would be deployed: the admin's edit, else the suggestion's."""
        draft = self.meta.versions.draft(suggestion_id)
        if draft is not None:
            return draft
        suggestion = self.suggestion(suggestion_id)
        config = config_of(suggestion)
        if config is None:
            raise Refused(f"Suggestion {suggestion_id} holds no automation config to deploy.")
        config.setdefault("alias", suggestion.title)
        return config

    def validation(self, suggestion_id: int, *, max_age_s: float = 0.0) -> Validation:
        """Return the safety verdict of the config that would be deployed.

        ``max_age_s`` lets a display reuse HA's facts read that recently; deploy never does.
        """
        facts = try_home_facts(
            self.ha, skip_id=ha_automation_id(suggestion_id), max_age_s=max_age_s
        )
        return validate(self.config(suggestion_id), facts)

    def show(self, suggestion_id: int, *, max_age_s: float = 0.0) -> dict[str, Any]:
        """Return a suggestion with status, HA id, validation and versions, JSON-ready."""
        suggestion = self.suggestion(suggestion_id)
        return {
            "id": suggestion.id,
            "kind": suggestion.kind,
            "title": suggestion.title,
            "description": suggestion.body,
            "status": status_of(suggestion),
            "ha_automation_id": suggestion.ha_automation_id,
            "config": self.config(suggestion_id),
            "validation": self.validation(suggestion_id, max_age_s=max_age_s).to_dict(),
            "versions": [v.to_dict() for v in self.meta.versions.history(suggestion_id)],
        }

    # --- review ---------------------------------------------------------------------------
    def _set_status(self, suggestion_id: int, status: str, **fields: Any) -> None:
        self.meta.update_suggestion(suggestion_id, status=SuggestionStatus(status), **fields)

    def approve(self, suggestion_id: int, *, actor: str) -> None:
        """Mark a new (or rejected/rolled back) suggestion approved."""
        self._review(suggestion_id, "approved", actor=actor)

    def reject(self, suggestion_id: int, *, actor: str) -> None:
        """Mark a suggestion that is not deployed rejected."""
        self._review(suggestion_id, "rejected", actor=actor)

    def _review(self, suggestion_id: int, status: str, *, actor: str) -> None:
        before = status_of(self.suggestion(suggestion_id))
        if before == "deployed":
            raise Refused(
                f"Suggestion {suggestion_id} is deployed; roll it back before marking it {status}."
            )
        self._set_status(suggestion_id, status)
        self.audit.record(
            actor=actor,
            action={"approved": "approve", "rejected": "reject"}[status],
            suggestion_id=suggestion_id,
            what=f"status {before} -> {status}",
        )

    def edit(self, suggestion_id: int, edits: Edits, *, actor: str) -> dict[str, Any]:
        """Apply the admin's edits to the config to deploy; return the edited config."""
        before = self.config(suggestion_id)
        try:
            after = apply_edits(before, edits)
        except EditError as err:
            raise Refused(f"Suggestion {suggestion_id}: {err}") from err
        self.meta.versions.set_draft(suggestion_id, after, actor=actor)
        self.audit.record(
            actor=actor,
            action="edit",
            suggestion_id=suggestion_id,
            what=f"edited {', '.join(edits.to_dict())}",
            before=before,
            after=after,
        )
        return after

    # --- deploy ---------------------------------------------------------------------------
    def _client(self) -> AutomationConfigClient:
        if self.ha is None:
            raise HAFailed(
                "Home Assistant is not configured: set HOMEIQ_HA_URL and HOMEIQ_HA_TOKEN "
                "(an administrator's long-lived token) to deploy automations."
            )
        return self.ha

    def _stopped(self, action: str, suggestion_id: int, actor: str, why: str) -> None:
        """Audit a deploy or rollback that stopped before HA was asked to change anything.

        A stopped deploy keeps the config it would have sent, so the log shows what was tried.
        """
        config: dict[str, Any] | None = None
        if action.startswith("deploy"):
            try:
                config = self.config(suggestion_id)
            except DeployError:  # no such suggestion or no config: ``why`` says so
                config = None
        self.audit.record(actor=actor, action=action, suggestion_id=suggestion_id, what=why,
                          after=config)  # fmt: skip

    def deploy(self, suggestion_id: int, *, actor: str, confirmed: bool = False) -> Outcome:
        """POST the config, verify it is live, store the version; raise Refused or HAFailed.

        Every attempt is audited: ``deploy``, ``deploy_refused`` (state or safety rules, exit
        2) or ``deploy_failed`` (HA not configured, unreachable or rejecting, exit 3).
        """
        try:
            return self._deploy(suggestion_id, actor=actor, confirmed=confirmed)
        except Refused as err:
            self._stopped("deploy_refused", suggestion_id, actor, str(err))
            raise

    def _deploy(self, suggestion_id: int, *, actor: str, confirmed: bool) -> Outcome:
        try:
            client = self._client()
        except HAFailed as err:
            self._stopped("deploy_failed", suggestion_id, actor, str(err))
            raise
        status = status_of(self.suggestion(suggestion_id))
        if status not in ("approved", "deployed"):
            raise Refused(f"Suggestion {suggestion_id} is {status}; approve it before deploying.")
        config_id = ha_automation_id(suggestion_id)
        config = self.config(suggestion_id)
        live = self.meta.versions.live(suggestion_id)
        if live is not None and canonical(live.config) == canonical(config):
            raise Refused(
                f"Version {live.number} of suggestion {suggestion_id} is live with this very "
                "config; edit it first to deploy a new version."
            )
        verdict = self.validation(suggestion_id)
        if verdict.verdict == "blocked":
            details = "; ".join(f.detail for f in verdict.findings if f.severity == "blocked")
            raise Refused(f"Suggestion {suggestion_id} is blocked by the safety rules: {details}")
        if verdict.verdict == "critical" and not confirmed:
            raise Refused(
                f"Suggestion {suggestion_id} has critical findings; deploying needs confirmation."
            )
        try:
            previous = client.get_config(config_id)
            if previous is not None and self._leftover(suggestion_id, previous, config):
                previous = None
            answer = client.post_config(config_id, config)
        except HAError as err:
            return self._failed(suggestion_id, actor, config, err)
        problem = self._poller.until(lambda: live_problem(client, config_id, config))
        if problem is not None:
            undone = undo(client, config_id, previous)
            self.audit.record(
                actor=actor,
                action="deploy_failed",
                suggestion_id=suggestion_id,
                what=f"{problem}; {undone}",
                after=config,
                answer=answer.to_dict(),
            )
            raise HAFailed(
                f"Home Assistant accepted automation {config_id} but {problem}; {undone}. "
                f"Suggestion {suggestion_id} stays {status}.",
                answer,
            )
        entity_id = client.find_automation_entity(config_id)
        version = self.meta.versions.add(
            suggestion_id=suggestion_id,
            ha_automation_id=config_id,
            entity_id=entity_id,
            config=config,
            previous=previous,
            answer=answer.to_dict(),
            actor=actor,
        )
        self._set_status(
            suggestion_id, "deployed", ha_automation_id=config_id, deployed_at=datetime.now(UTC)
        )
        self.audit.record(
            actor=actor,
            action="deploy",
            suggestion_id=suggestion_id,
            what=f"version {version.number} live as {entity_id}",
            before=previous,
            after=config,
            answer=answer.to_dict(),
        )
        return Outcome(
            status="deployed",
            message=f"Deployed version {version.number} of suggestion {suggestion_id} as "
            f"{entity_id} (HA id {config_id}).",
            version=version,
        )

    def _leftover(
        self, suggestion_id: int, previous: Mapping[str, Any], config: Mapping[str, Any]
    ) -> bool:
        """Return whether HA's copy is this very config left by a deploy that died unverified.

        Then the automation was still created by us: a rollback must DELETE it, not restore it.
        """
        return self.meta.versions.live(suggestion_id) is None and canonical(previous) == canonical(
            config
        )

    def _failed(
        self, suggestion_id: int, actor: str, config: Mapping[str, Any], err: HAError
    ) -> Outcome:
        answer = err.answer if isinstance(err, HARejected) else None
        self.audit.record(
            actor=actor,
            action="deploy_failed",
            suggestion_id=suggestion_id,
            what=str(err),
            after=config,
            answer=answer.to_dict() if answer else None,
        )
        raise HAFailed(f"{err} Suggestion {suggestion_id} was not deployed.", answer) from err

    # --- rollback -------------------------------------------------------------------------
    def rollback(self, suggestion_id: int, *, actor: str) -> Outcome:
        """Undo the live version: DELETE a created automation or POST the earlier config back.

        A refused or failed attempt is audited (``rollback_refused``, ``rollback_failed``).
        """
        try:
            client = self._client()
            live = self.meta.versions.live(suggestion_id)
            if live is None:
                status = status_of(self.suggestion(suggestion_id))
                raise Refused(
                    f"Suggestion {suggestion_id} is {status}; nothing is deployed to roll back."
                )
        except DeployError as err:
            action = "rollback_refused" if isinstance(err, Refused) else "rollback_failed"
            self._stopped(action, suggestion_id, actor, str(err))
            raise
        config_id = live.ha_automation_id
        warnings: list[str] = []
        try:
            in_ha = client.get_config(config_id)
            if in_ha is None:
                warnings.append(
                    f"Automation {config_id} was already deleted in Home Assistant; "
                    "nothing of it was left to take back."
                )
            elif canonical(in_ha) != canonical(live.config):
                warning = (
                    f"Automation {config_id} was changed in Home Assistant since version "
                    f"{live.number} was deployed; HA's copy is kept in the audit log."
                )
                warnings.append(warning)
                self.audit.record(
                    actor=actor,
                    action="ha_copy_kept",
                    suggestion_id=suggestion_id,
                    what=warning,
                    before=in_ha,
                )
            previous = live.previous
            if previous is None:
                answer = client.delete_config(config_id)
                problem = self._poller.until(lambda: gone_problem(client, config_id))
            else:
                answer = client.post_config(config_id, previous)
                problem = self._poller.until(lambda: live_problem(client, config_id, previous))
        except HAError as err:
            rejected = err.answer if isinstance(err, HARejected) else None
            self.audit.record(
                actor=actor,
                action="rollback_failed",
                suggestion_id=suggestion_id,
                what=str(err),
                answer=rejected.to_dict() if rejected else None,
            )
            raise HAFailed(f"{err} Version {live.number} stays deployed.", rejected) from err
        if problem is not None:
            self.audit.record(
                actor=actor,
                action="rollback_failed",
                suggestion_id=suggestion_id,
                what=problem,
                answer=answer.to_dict(),
            )
            raise HAFailed(f"Rolling back {config_id}: {problem}.", answer)
        earlier = self._restored(suggestion_id, live)
        self.meta.versions.mark_rolled_back(live.id, restore=earlier.id if earlier else None)
        if earlier is not None:
            # The card and the next deploy start from what is live again.
            self.meta.versions.set_draft(suggestion_id, earlier.config, actor=actor)
        status = "deployed" if live.previous is not None else "rolled_back"
        self._set_status(suggestion_id, status)
        self.audit.record(
            actor=actor,
            action="rollback",
            suggestion_id=suggestion_id,
            what=f"version {live.number} rolled back"
            + (f" to version {earlier.number}" if earlier else ""),
            before=live.config,
            after=live.previous,
            answer=answer.to_dict(),
        )
        message = (
            f"Rolled back version {live.number}; "
            + (f"version {earlier.number} is live again." if earlier else "")
            + ("HA's earlier config is back." if live.previous and not earlier else "")
            + ("the automation is deleted from HA." if live.previous is None else "")
        )
        return Outcome(status=status, message=message, warnings=tuple(warnings))

    def _restored(self, suggestion_id: int, live: AutomationVersion) -> AutomationVersion | None:
        if live.previous is None:
            return None
        earlier = [
            v
            for v in self.meta.versions.history(suggestion_id)
            if v.number < live.number and canonical(v.config) == canonical(live.previous)
        ]
        return earlier[-1] if earlier else None
