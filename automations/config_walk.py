"""Read an HA automation config in today's and the legacy key spellings, nested steps too.

HA accepts ``triggers``/``trigger``, ``conditions``/``condition``, ``actions``/``action`` (a
list at the top level), ``action:``/``service:`` in a step and ``trigger:``/``platform:`` in a
trigger. A hand-edited or LLM-worded config may mix them, so every reader goes through here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Steps that hold further steps (HA script syntax).
_NESTED_LISTS = ("sequence", "then", "else", "default", "parallel")


@dataclass(frozen=True, kw_only=True)
class ActionCall:
    """One action (service) call found anywhere in the config."""

    action: str  # "domain.service", lower case
    entity_ids: tuple[str, ...] = ()
    area_ids: tuple[str, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)
    legacy_key: bool = False  # spelled ``service:``

    @property
    def domain(self) -> str:
        """Return the action's domain (``light`` of ``light.turn_on``)."""
        return self.action.partition(".")[0]

    @property
    def service(self) -> str:
        """Return the action's service name (``turn_on`` of ``light.turn_on``)."""
        return self.action.partition(".")[2]


@dataclass(frozen=True, kw_only=True)
class AutomationView:
    """The parts of one automation config the safety rules read."""

    triggers: tuple[Mapping[str, Any], ...]
    conditions: tuple[Mapping[str, Any], ...]
    calls: tuple[ActionCall, ...]
    legacy_keys: tuple[str, ...]
    config_id: str | None = None


def as_list(value: Any) -> list[Any]:
    """Return ``value`` as a list: None -> [], a single item -> [item]."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def entity_list(value: Any) -> tuple[str, ...]:
    """Return the entity ids in an ``entity_id`` value (a string, comma list or list)."""
    found: list[str] = []
    for item in as_list(value):
        if isinstance(item, str):
            found.extend(part.strip().lower() for part in item.split(",") if part.strip())
    return tuple(found)


def trigger_kind(trigger: Mapping[str, Any]) -> str:
    """Return a trigger's type, read from ``trigger:`` (today) or ``platform:`` (legacy)."""
    kind = trigger.get("trigger", trigger.get("platform", ""))
    return str(kind).lower()


def _call_of(step: Mapping[str, Any]) -> ActionCall | None:
    name = step.get("action", step.get("service"))
    if not isinstance(name, str) or "." not in name:
        return None
    target = step.get("target") if isinstance(step.get("target"), Mapping) else {}
    data = step.get("data") if isinstance(step.get("data"), Mapping) else {}
    assert isinstance(target, Mapping) and isinstance(data, Mapping)
    entities = (
        *entity_list(target.get("entity_id")),
        *entity_list(data.get("entity_id")),
        *entity_list(step.get("entity_id")),
    )
    areas = (*entity_list(target.get("area_id")), *entity_list(data.get("area_id")))
    return ActionCall(
        action=name.strip().lower(),
        entity_ids=entities,
        area_ids=areas,
        data=dict(data),
        legacy_key="service" in step and "action" not in step,
    )


def walk_steps(steps: Any) -> Iterator[Mapping[str, Any]]:
    """Yield every step of an action list, depth first, including nested ones."""
    for step in as_list(steps):
        if not isinstance(step, Mapping):
            continue
        yield step
        for key in _NESTED_LISTS:
            for nested in as_list(step.get(key)):
                # ``parallel`` items may themselves be sequences.
                if isinstance(nested, Mapping):
                    yield from walk_steps([nested])
                elif isinstance(nested, list):
                    yield from walk_steps(nested)
        for option in as_list(step.get("choose")):
            if isinstance(option, Mapping):
                yield from walk_steps(option.get("sequence"))
        repeat = step.get("repeat")
        if isinstance(repeat, Mapping):
            yield from walk_steps(repeat.get("sequence"))


def walk_conditions(conditions: Any) -> Iterator[Mapping[str, Any]]:
    """Yield every condition, including those inside and/or/not."""
    for condition in as_list(conditions):
        if not isinstance(condition, Mapping):
            continue
        yield condition
        yield from walk_conditions(condition.get("conditions"))


def _top(config: Mapping[str, Any], new: str, old: str, legacy: list[str]) -> list[Any]:
    if new in config:
        return as_list(config[new])
    if old in config:
        value = config[old]
        # A string ``action:`` at the top level is not an action list.
        if isinstance(value, list | Mapping):
            legacy.append(old)
            return as_list(value)
    return []


def read_config(config: Mapping[str, Any]) -> AutomationView:
    """Return what the safety rules need of ``config``, whatever key spelling it uses."""
    legacy: list[str] = []
    triggers = [t for t in _top(config, "triggers", "trigger", legacy) if isinstance(t, Mapping)]
    conditions = _top(config, "conditions", "condition", legacy)
    steps = _top(config, "actions", "action", legacy)
    if any("platform" in t and "trigger" not in t for t in triggers):
        legacy.append("platform")
    calls: list[ActionCall] = []
    step_conditions: list[Mapping[str, Any]] = []
    for step in walk_steps(steps):
        call = _call_of(step)
        if call is not None:
            calls.append(call)
            if call.legacy_key and "service" not in legacy:
                legacy.append("service")
        # Conditions inside choose/if/steps still reference entities.
        step_conditions.extend(walk_conditions(step.get("if")))
        for option in as_list(step.get("choose")):
            if isinstance(option, Mapping):
                step_conditions.extend(walk_conditions(option.get("conditions")))
        if "condition" in step and isinstance(step.get("condition"), str):
            step_conditions.extend(walk_conditions([step]))
    all_conditions = [*walk_conditions(conditions), *step_conditions]
    config_id = config.get("id")
    return AutomationView(
        triggers=tuple(triggers),
        conditions=tuple(all_conditions),
        calls=tuple(calls),
        legacy_keys=tuple(legacy),
        config_id=str(config_id) if config_id is not None else None,
    )


def referenced_entities(view: AutomationView) -> tuple[str, ...]:
    """Return every entity id the triggers, conditions and actions name, in order, once."""
    found: dict[str, None] = {}
    for item in (*view.triggers, *view.conditions):
        for entity in entity_list(item.get("entity_id")):
            found.setdefault(entity)
        # A time trigger or condition may name an input_datetime or timestamp sensor.
        for key in ("at", "after", "before"):
            for value in entity_list(item.get(key)):
                if "." in value and ":" not in value:
                    found.setdefault(value)
    for call in view.calls:
        for entity in call.entity_ids:
            found.setdefault(entity)
    found.pop("all", None)
    # A template is resolved by HA at run time; there is no id to look up.
    return tuple(e for e in found if "{" not in e)


def top_level_conditions(config: Mapping[str, Any]) -> Sequence[Any]:
    """Return the automation's own conditions (``conditions`` or legacy ``condition``)."""
    return _top(config, "conditions", "condition", [])


_TOP_RENAMES = {"trigger": "triggers", "condition": "conditions", "action": "actions"}


def _canonical_node(value: Any) -> Any:
    if isinstance(value, list):
        return [_canonical_node(item) for item in value]
    if not isinstance(value, Mapping):
        return value
    renamed: dict[str, Any] = {}
    for key, item in value.items():
        if key == "service" and "action" not in value:
            key = "action"
        elif key == "platform" and "trigger" not in value:
            key = "trigger"
        renamed[key] = _canonical_node(item)
    return renamed


def canonical(config: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``config`` in today's spelling without ``id``, to compare what HA stores with ours.

    HA stores legacy ``trigger``/``condition``/``action`` lists, ``service:`` and ``platform:``
    under today's keys, so a GET never equals a legacy POST word for word.
    """
    top: dict[str, Any] = {}
    for key, value in config.items():
        if key == "id":
            continue
        if key in _TOP_RENAMES and _TOP_RENAMES[key] not in config and not isinstance(value, str):
            key = _TOP_RENAMES[key]
            value = as_list(value)
        top[key] = _canonical_node(value)
    return top
