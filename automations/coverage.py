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

# The trigger kind each candidate kind becomes in HA.
TRIGGER_KIND: Final[dict[str, str]] = {"time": "time", "sun": "sun", "trigger": "state"}


@dataclass(frozen=True, slots=True, kw_only=True)
class ExistingAutomation:
    """The trigger kinds and target entities of one HA automation."""

    automation_id: str | None
    alias: str | None
    trigger_kinds: frozenset[str]
    targets: frozenset[str]


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


def _walk_actions(actions: Any) -> Iterator[str]:
    for step in _as_list(actions):
        if not isinstance(step, Mapping):
            continue
        for holder in (step, step.get("target"), step.get("data")):
            if isinstance(holder, Mapping):
                yield from _entity_ids(holder.get("entity_id"))
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
    actions = config.get("actions", config.get("action"))
    return ExistingAutomation(
        automation_id=str(config["id"]) if config.get("id") is not None else None,
        alias=str(config["alias"]) if config.get("alias") is not None else None,
        trigger_kinds=frozenset(kinds),
        targets=frozenset(_walk_actions(actions)),
    )


def parse_automations(configs: Iterable[Mapping[str, Any]]) -> list[ExistingAutomation]:
    """Return every parsable automation of ``configs``."""
    return [parse_automation(c) for c in configs if isinstance(c, Mapping)]


def covered_by(
    candidate: Candidate, existing: Sequence[ExistingAutomation]
) -> ExistingAutomation | None:
    """Return the automation acting on the candidate's target by the same trigger kind."""
    kind = TRIGGER_KIND[candidate.kind]
    for automation in existing:
        if candidate.entity_id in automation.targets and kind in automation.trigger_kinds:
            return automation
    return None
