"""Which candidates an existing Home Assistant automation already performs.

Reads today's keys (``triggers``/``conditions``/``actions``, ``trigger:``, ``action:``) and
the legacy ones (``trigger``/``action`` lists, ``platform:``, ``service:``), and walks into
``choose``/``if``/``sequence``/``parallel`` blocks, so a hand-written automation counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from automations.candidate import Candidate
from automations.render import ACTIONS, action_for

# The trigger kind each candidate kind becomes in HA.
TRIGGER_KIND: Final[dict[str, str]] = {"time": "time", "sun": "sun", "trigger": "state"}


@dataclass(frozen=True, slots=True, kw_only=True)
class ExistingAutomation:
    """The trigger kinds and target entities of one HA automation."""

    automation_id: str | None
    alias: str | None
    trigger_kinds: frozenset[str]
    targets: frozenset[str]
    actions: frozenset[tuple[str, str]]  # (entity id, action) pairs, e.g. light.turn_on


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _entity_ids(value: Any) -> Iterator[str]:
    for item in _as_list(value):
        if isinstance(item, str):
            yield from (part.strip() for part in item.split(",") if part.strip())


def _walk_actions(actions: Any) -> Iterator[tuple[str, str]]:
    for step in _as_list(actions):
        if not isinstance(step, Mapping):
            continue
        name = step.get("action", step.get("service"))
        for holder in (step, step.get("target"), step.get("data")):
            if isinstance(holder, Mapping):
                for entity_id in _entity_ids(holder.get("entity_id")):
                    yield entity_id, str(name) if isinstance(name, str) else ""
        for nested in ("sequence", "then", "else", "default", "parallel"):
            yield from _walk_actions(step.get(nested))
        for option in _as_list(step.get("choose")):
            if isinstance(option, Mapping):
                yield from _walk_actions(option.get("sequence"))
        if isinstance(step.get("repeat"), Mapping):
            yield from _walk_actions(step["repeat"].get("sequence"))


def parse_automation(config: Mapping[str, Any]) -> ExistingAutomation:
    """Return the trigger kinds and targets of one HA automation config."""
    triggers = _as_list(config.get("triggers", config.get("trigger")))
    kinds = set()
    for trigger in triggers:
        if isinstance(trigger, Mapping):
            kind = trigger.get("trigger", trigger.get("platform"))
            if isinstance(kind, str):
                kinds.add(kind)
    pairs = frozenset(_walk_actions(config.get("actions", config.get("action"))))
    return ExistingAutomation(
        automation_id=str(config["id"]) if config.get("id") is not None else None,
        alias=str(config["alias"]) if config.get("alias") is not None else None,
        trigger_kinds=frozenset(kinds),
        targets=frozenset(entity for entity, _ in pairs),
        actions=pairs,
    )


def parse_automations(configs: Iterable[Mapping[str, Any]]) -> list[ExistingAutomation]:
    """Return every parsable automation of ``configs``."""
    return [parse_automation(c) for c in configs if isinstance(c, Mapping)]


def covered_by(
    candidate: Candidate, existing: Sequence[ExistingAutomation]
) -> ExistingAutomation | None:
    """Return the automation acting on the candidate's target by the same trigger kind.

    The automation must do what the candidate would (turn on vs. off), or something this
    module cannot name (``light.toggle``, a script): then it is taken to cover it too.
    """
    kind = TRIGGER_KIND[candidate.kind]
    row = action_for(candidate.entity_id, candidate.to_state)
    known = {r.action for r in ACTIONS if r.domain == candidate.domain}
    for automation in existing:
        if kind not in automation.trigger_kinds:
            continue
        for entity_id, action in automation.actions:
            if entity_id != candidate.entity_id:
                continue
            if row is None or action == row.action or action not in known:
                return automation
    return None
