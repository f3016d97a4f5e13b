"""Entity roles for the pages: which entity plays which part, friendly names, the admin's choice.

Pages and the kiosk ask this module for a role's entity instead of naming entity ids: the
resolver (analytics.role_resolver) weighs HOMEIQ_ROLE_* settings, the admin's choice stored in
metadata, HA's energy preferences and heuristics over the entities we know.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
import streamlit as st

from analytics.role_resolver import SOURCE_WORDS, RoleMap
from analytics.roles import ROLES
from app.services.cache import cached
from app.services.context import ServiceError, Services
from homeiq.roles import energy_prefs, entity_facts, resolve_home_roles
from storage.errors import StoreError

__all__ = [
    "ROLES",
    "SOURCE_WORDS",
    "choose",
    "energy_prefs_of",
    "forget",
    "friendly_names",
    "label",
    "role_entity",
    "role_map",
    "role_options",
    "with_names",
]


@cached(ttl=60, show_spinner=False)
def role_map(svc: Services) -> RoleMap:
    """Return every role's entity: settings, the admin's choice, HA energy prefs, heuristics."""
    try:
        return resolve_home_roles(svc.store, svc.metadata, svc.settings)
    except StoreError as err:
        raise ServiceError(f"Finding which entity plays each role failed: {err}") from err


def energy_prefs_of(svc: Services) -> Mapping[str, Any] | None:
    """Return HA's energy dashboard preferences as the worker stored them, or None."""
    try:
        return energy_prefs(svc.metadata)
    except StoreError as err:
        raise ServiceError(f"Reading HA's energy preferences failed: {err}") from err


def role_entity(svc: Services, role: str) -> str | None:
    """Return the entity playing ``role``, or None."""
    return role_map(svc).entity(role)


@cached(ttl=120, show_spinner=False)
def friendly_names(svc: Services) -> dict[str, str]:
    """Return entity id -> friendly name for every entity that has one."""
    try:
        facts = entity_facts(svc.store, svc.metadata)
    except StoreError as err:
        raise ServiceError(f"Listing entity names failed: {err}") from err
    return {f.entity_id: f.friendly_name for f in facts if f.friendly_name}


def label(entity_id: str, names: Mapping[str, str]) -> str:
    """Return ``Friendly name (entity_id)``, or the id alone when it has no name."""
    name = names.get(entity_id)
    return f"{name} ({entity_id})" if name and name != entity_id else entity_id


def with_names(
    frame: pl.DataFrame, names: Mapping[str, str], column: str = "entity_id"
) -> pl.DataFrame:
    """Return ``frame`` with a ``name`` column (friendly name or id) right after ``column``."""
    named = frame.with_columns(
        pl.col(column)
        .replace_strict(dict(names), default=pl.col(column), return_dtype=pl.String)
        .alias("name")
    )
    order = [c for c in frame.columns if c != column]
    return named.select("name", column, *order)


def choose(svc: Services, role: str, entity_id: str | None) -> None:
    """Store the admin's choice for ``role`` (None: no entity plays it)."""
    if svc.metadata is None:
        raise ServiceError(
            "Choices are stored in the metadata database, which is missing; "
            f"run `homeiq demo` or `homeiq ingest` once to create {svc.settings.metadata_path}"
        )
    try:
        svc.metadata.role_choices.choose(role, entity_id)
    except StoreError as err:
        raise ServiceError(f"Saving your choice for {role} failed: {err}") from err
    st.cache_data.clear()


def forget(svc: Services, role: str) -> None:
    """Drop the admin's choice for ``role``: HA's prefs and the guesses decide again."""
    if svc.metadata is None:
        return
    try:
        svc.metadata.role_choices.forget(role)
    except StoreError as err:
        raise ServiceError(f"Resetting {role} failed: {err}") from err
    st.cache_data.clear()


@cached(ttl=60, show_spinner=False)
def role_options(svc: Services) -> dict[str, list[str]]:
    """Return, per role, the entities one may pick: candidates first, then other compatible ones."""
    try:
        facts = entity_facts(svc.store, svc.metadata)
    except StoreError as err:
        raise ServiceError(f"Listing entities for their roles failed: {err}") from err
    found = role_map(svc)
    options: dict[str, list[str]] = {}
    for spec in ROLES:
        ranked = list(found.roles[spec.name].candidates)
        others = sorted(
            f.entity_id for f in facts if spec.compatible(f) and f.entity_id not in ranked
        )
        options[spec.name] = ranked + others
    return options
