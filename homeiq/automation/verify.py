"""Proving a change reached Home Assistant: poll until the automation is live as sent, or gone.

HA's config API answers before its reload has made (or removed) the entity, so a 200 proves
nothing; these checks look at what HA holds afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from automations.config_walk import canonical
from ha_client.automation_config import AutomationConfigClient, HAError


@dataclass(frozen=True, kw_only=True)
class Poller:
    """How long to wait for HA, how often to look, and how to sleep (tests may hook it)."""

    timeout_s: float = 30.0
    every_s: float = 0.5
    sleep: Callable[[float], None] = field(default=time.sleep)

    def until(self, problem: Callable[[], str | None]) -> str | None:
        """Poll ``problem`` until it returns None; return the last problem on timeout."""
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                found = problem()
            except HAError as err:
                found = f"checking failed ({err})"
            if found is None:
                return None
            if time.monotonic() >= deadline:
                return f"{found} after {self.timeout_s:g} s"
            self.sleep(self.every_s)


def live_problem(
    client: AutomationConfigClient, config_id: str, sent: Mapping[str, Any]
) -> str | None:
    """Return what keeps ``config_id`` from being live exactly as ``sent``, or None."""
    stored = client.get_config(config_id)
    if stored is None:
        return "its config is not in HA"
    if canonical(stored) != canonical(sent):
        return "HA holds a different config than was sent"
    entity_id = client.find_automation_entity(config_id)
    if entity_id is None:
        return "no automation entity has unique_id " + config_id
    state = client.state(entity_id)
    if state is None or state.get("state") != "on":
        shown = state.get("state") if state else "absent"
        return f"{entity_id} is {shown}, not on"
    return None


def gone_problem(client: AutomationConfigClient, config_id: str) -> str | None:
    """Return what is left of ``config_id`` in HA (config, registry entry), or None."""
    left = []
    if client.get_config(config_id) is not None:
        left.append("its config is still in HA")
    if client.find_automation_entity(config_id) is not None:
        left.append("its entity is still registered")
    return " and ".join(left) or None


def undo(client: AutomationConfigClient, config_id: str, previous: Mapping[str, Any] | None) -> str:
    """Take back an unverified POST (DELETE, or the earlier config); return what happened."""
    try:
        if previous is None:
            client.delete_config(config_id)
            return "the half-made automation was deleted again"
        client.post_config(config_id, previous)
        return "the earlier config was put back"
    except HAError as err:
        return f"undoing failed too ({err}); check automation {config_id} in HA"
