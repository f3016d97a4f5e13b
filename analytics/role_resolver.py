"""Decide which entity plays each role: settings, then the user, then HA's energy prefs, then
scored heuristics (analytics.roles).

Pure: the caller passes the entities it knows, HA's energy preferences as HA answered
``energy/get_prefs``, the user's stored choices and the ``HOMEIQ_ROLE_*`` values. A setting or
choice naming an unknown entity, or one with an incompatible unit, is not used; the role's
``problems`` say why, naming both the role and the entity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from analytics.roles import ROLES, EntityFacts, RoleSpec, candidates

RoleSource = Literal["energy_prefs", "heuristic", "setting", "user", "none"]
SOURCE_WORDS: Final[dict[str, str]] = {
    "energy_prefs": "HA energy dashboard",
    "heuristic": "guessed",
    "setting": "setting",
    "user": "chosen by you",
    "none": "not found",
}
NONE_WORDS: Final = frozenset({"", "none", "null", "-"})


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleAssignment:
    """The entity (or fixed number) one role resolved to, where that came from and why not."""

    role: str
    entity_id: str | None
    source: RoleSource
    candidates: tuple[str, ...] = ()
    fixed_value: float | None = None  # electricity_price given as a number
    problems: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Return the ``homeiq roles --json`` object of this role."""
        return {
            "entity_id": self.entity_id,
            "source": self.source,
            "candidates": list(self.candidates),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleMap:
    """Every role's assignment, in ROLES order."""

    roles: dict[str, RoleAssignment] = field(default_factory=dict)

    def entity(self, role: str) -> str | None:
        """Return the entity playing ``role``, or None."""
        found = self.roles.get(role)
        return found.entity_id if found else None

    def to_json(self) -> dict[str, Any]:
        """Return ``{"roles": {role: {entity_id, source, candidates}}}``."""
        return {"roles": {name: item.to_json() for name, item in self.roles.items()}}


def _grid(prefs: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    sources = prefs.get("energy_sources") or []
    return [s for s in sources if isinstance(s, Mapping) and s.get("type") == "grid"]


def _flows(prefs: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    return [
        flow for grid in _grid(prefs) for flow in (grid.get(key) or []) if isinstance(flow, Mapping)
    ]


def _of_type(prefs: Mapping[str, Any], kind: str) -> list[str]:
    return [
        str(s["stat_energy_from"])
        for s in prefs.get("energy_sources") or []
        if isinstance(s, Mapping) and s.get("type") == kind and s.get("stat_energy_from")
    ]


def device_consumption(prefs: Mapping[str, Any] | None) -> list[tuple[str, str | None]]:
    """Return ``(entity_id, name)`` of every device in the energy prefs' device_consumption."""
    if not prefs:
        return []
    found = []
    for item in prefs.get("device_consumption") or []:
        if isinstance(item, Mapping) and isinstance(item.get("stat_consumption"), str):
            name = item.get("name")
            found.append((item["stat_consumption"], name if isinstance(name, str) else None))
    return found


@dataclass(frozen=True, slots=True, kw_only=True)
class GridImport:
    """One grid import meter of HA's energy prefs (one tariff) and the price HA gives it."""

    entity_id: str
    price_entity: str | None = None  # a sensor in currency per kWh
    fixed_price: float | None = None  # currency per kWh

    @property
    def priced(self) -> bool:
        """Return whether HA's prefs give this meter a price."""
        return self.price_entity is not None or self.fixed_price is not None


def grid_imports(prefs: Mapping[str, Any] | None) -> list[GridImport]:
    """Return every grid import meter (``flow_from``) of the energy prefs with its own price."""
    if not prefs:
        return []
    found = []
    for flow in _flows(prefs, "flow_from"):
        meter = flow.get("stat_energy_from")
        if not isinstance(meter, str) or not meter:
            continue
        entity = flow.get("entity_energy_price")
        number = flow.get("number_energy_price")
        fixed = (
            float(number)
            if isinstance(number, int | float) and not isinstance(number, bool)
            else None
        )
        price_entity = entity if isinstance(entity, str) and entity else None
        found.append(
            GridImport(
                entity_id=meter,
                price_entity=price_entity,
                fixed_price=None if price_entity else fixed,
            )
        )
    return found


def prefs_choice(spec: RoleSpec, prefs: Mapping[str, Any]) -> list[str] | float:
    """Return the entity ids HA's energy prefs name for ``spec`` (or a fixed price)."""
    if spec.name == "main_energy_meter":
        return [
            str(f["stat_energy_from"])
            for f in _flows(prefs, "flow_from")
            if f.get("stat_energy_from")
        ]
    if spec.name == "grid_export":
        return [
            str(f["stat_energy_to"]) for f in _flows(prefs, "flow_to") if f.get("stat_energy_to")
        ]
    if spec.name == "electricity_price":
        for flow in _flows(prefs, "flow_from"):
            if flow.get("entity_energy_price"):
                return [str(flow["entity_energy_price"])]
            number = flow.get("number_energy_price")
            if isinstance(number, int | float) and not isinstance(number, bool):
                return float(number)
        return []
    if spec.name == "solar_production":
        return _of_type(prefs, "solar")
    if spec.name == "gas_meter":
        return _of_type(prefs, "gas")
    if spec.name == "heating_energy":  # a device the user listed, recognised as heating
        return [eid for eid, _ in device_consumption(prefs)]
    return []


def _number(text: str) -> float | None:
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        return None


def _check(
    spec: RoleSpec, entity_id: str, known: Mapping[str, EntityFacts], where: str
) -> str | None:
    """Return why ``entity_id`` cannot play ``spec`` (None when it can)."""
    facts = known.get(entity_id)
    if facts is None:
        return (
            f"{where} names {entity_id} for {spec.name}, but no entity {entity_id} is known "
            "(not in the store or the registry); check the id in Home Assistant"
        )
    if not spec.compatible(facts):
        unit = facts.unit or "no unit"
        return (
            f"{where} names {entity_id} for {spec.name}, but {entity_id} has {unit} "
            f"({facts.domain}); {spec.name} needs {spec.required_unit}"
        )
    return None


def resolve_role(
    spec: RoleSpec,
    known: Mapping[str, EntityFacts],
    *,
    prefs: Mapping[str, Any] | None,
    user: Mapping[str, str | None],
    settings: Mapping[str, str],
) -> RoleAssignment:
    """Return the assignment of one role (see the module docstring for the order)."""
    found = tuple(candidates(spec, list(known.values())))
    problems: list[str] = []
    setting = settings.get(spec.name)
    if setting is not None:
        text = setting.strip()
        number = _number(text) if spec.fixed_number else None
        if text.lower() in NONE_WORDS:
            return RoleAssignment(
                role=spec.name, entity_id=None, source="setting", candidates=found
            )
        if number is not None:
            return RoleAssignment(
                role=spec.name,
                entity_id=None,
                source="setting",
                candidates=found,
                fixed_value=number,
            )
        problem = _check(spec, text, known, f"{spec.setting}={text}")
        if problem is None:
            return RoleAssignment(
                role=spec.name, entity_id=text, source="setting", candidates=found
            )
        problems.append(problem)
    if spec.name in user:
        chosen = user[spec.name]
        if chosen is None:
            return RoleAssignment(
                role=spec.name,
                entity_id=None,
                source="user",
                candidates=found,
                problems=tuple(problems),
            )
        problem = _check(spec, chosen, known, "Your choice")
        if problem is None:
            return RoleAssignment(
                role=spec.name,
                entity_id=chosen,
                source="user",
                candidates=found,
                problems=tuple(problems),
            )
        problems.append(problem)
    if prefs:
        named = prefs_choice(spec, prefs)
        if isinstance(named, float):
            return RoleAssignment(
                role=spec.name,
                entity_id=None,
                source="energy_prefs",
                candidates=found,
                fixed_value=named,
                problems=tuple(problems),
            )
        needs_score = spec.name == "heating_energy"
        for entity_id in named:
            facts = known.get(entity_id)
            if facts is None or not spec.compatible(facts):
                continue
            if needs_score and spec.score(facts) <= 0:
                continue
            return RoleAssignment(
                role=spec.name,
                entity_id=entity_id,
                source="energy_prefs",
                candidates=found,
                problems=tuple(problems),
            )
    if found:
        return RoleAssignment(
            role=spec.name,
            entity_id=found[0],
            source="heuristic",
            candidates=found,
            problems=tuple(problems),
        )
    return RoleAssignment(
        role=spec.name, entity_id=None, source="none", candidates=found, problems=tuple(problems)
    )


def resolve_roles(
    entities: Sequence[EntityFacts],
    *,
    energy_prefs: Mapping[str, Any] | None = None,
    user: Mapping[str, str | None] | None = None,
    settings: Mapping[str, str] | None = None,
) -> RoleMap:
    """Return every role's assignment over ``entities`` (see the module docstring)."""
    known = {entity.entity_id: entity for entity in entities}
    return RoleMap(
        roles={
            spec.name: resolve_role(
                spec, known, prefs=energy_prefs, user=user or {}, settings=settings or {}
            )
            for spec in ROLES
        }
    )
