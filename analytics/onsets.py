"""Which entities a person switches or that can trigger, and the moments they enter a state.

An onset is a row whose state differs from the entity's previous known state. Rows next to
``unknown``/``unavailable``/``""`` are never onsets: a device coming back online is not a
person acting. A change carrying ``context_parent_id`` was made by an automation or script
(``automated``); it is kept for lookups but never counts as evidence of a habit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import polars as pl

from analytics.place import check_time_zone

MISSING_STATES: Final[tuple[str, ...]] = ("unknown", "unavailable", "")


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainRole:
    """How one HA domain takes part: a target a person switches, a trigger, or both."""

    domain: str
    target: bool  # a person switches it: its manual onsets can become suggested actions
    trigger: bool  # its onsets can start a "follows" automation
    reason: str  # why it is in the list (shown in docs/tests)
    device_classes: tuple[str | None, ...] | None = None  # trigger only for these (None = any)
    # Transitional states folded into their end state, so "opening" then "open" is one onset.
    fold: tuple[tuple[str, str], ...] = ()
    # Domains whose state is the time of the last activation: every change is one activation.
    activation_state: str | None = None


ROLES: Final[tuple[DomainRole, ...]] = (
    DomainRole(domain="light", target=True, trigger=True, reason="switched by hand and by habit"),
    DomainRole(domain="switch", target=True, trigger=True, reason="plugs and relays"),
    DomainRole(
        domain="cover",
        target=True,
        trigger=True,
        reason="blinds and doors",
        fold=(("opening", "open"), ("closing", "closed")),
    ),
    DomainRole(domain="fan", target=True, trigger=True, reason="switched by hand"),
    DomainRole(domain="climate", target=True, trigger=False, reason="hvac mode set by hand"),
    DomainRole(domain="media_player", target=True, trigger=True, reason="TV and speakers"),
    DomainRole(
        domain="lock",
        target=True,
        trigger=True,
        reason="locked by hand",
        fold=(("locking", "locked"), ("unlocking", "unlocked")),
    ),
    DomainRole(domain="input_boolean", target=True, trigger=True, reason="helper toggles"),
    DomainRole(domain="vacuum", target=True, trigger=False, reason="cleaning started by hand"),
    DomainRole(
        domain="scene",
        target=True,
        trigger=True,
        reason="scene activations",
        activation_state="activated",
    ),
    DomainRole(domain="script", target=True, trigger=True, reason="script runs"),
    DomainRole(
        domain="binary_sensor",
        target=False,
        trigger=True,
        reason="motion, presence and door sensors announce a person",
        device_classes=(
            "motion",
            "occupancy",
            "presence",
            "door",
            "opening",
            "garage_door",
            None,
        ),
    ),
    DomainRole(domain="person", target=False, trigger=True, reason="arrivals and departures"),
    DomainRole(domain="device_tracker", target=False, trigger=True, reason="arrivals"),
    DomainRole(
        domain="button", target=False, trigger=True, reason="presses", activation_state="pressed"
    ),
    DomainRole(
        domain="input_button",
        target=False,
        trigger=True,
        reason="presses",
        activation_state="pressed",
    ),
    DomainRole(
        domain="event",
        target=False,
        trigger=True,
        reason="remote presses",
        activation_state="fired",
    ),
)
ROLE_BY_DOMAIN: Final[dict[str, DomainRole]] = {role.domain: role for role in ROLES}
TARGET_DOMAINS: Final[tuple[str, ...]] = tuple(r.domain for r in ROLES if r.target)

ONSET_SCHEMA: Final[dict[str, pl.DataType]] = {
    "entity_id": pl.String(),
    "domain": pl.String(),
    "state": pl.String(),
    "time": pl.Datetime("us", "UTC"),
    "local_date": pl.Date(),
    "minute": pl.Float64(),  # local minute of the day, with seconds as a fraction
    "weekday": pl.Int8(),  # 0 = Monday
    "automated": pl.Boolean(),  # carries a parent context: an automation or script did it
    "by_user": pl.Boolean(),  # carries a user context: a person through the UI or an app
    "target": pl.Boolean(),  # the domain is one a person switches
    "trigger": pl.Boolean(),  # the entity (domain, device class) can trigger
}


def relevant_entities(entities: pl.DataFrame) -> list[str]:
    """Return the entity ids (of an ENTITY_SCHEMA frame) whose domain plays a role."""
    if entities.height == 0:
        return []
    return sorted(
        entities.filter(pl.col("domain").is_in(list(ROLE_BY_DOMAIN)))
        .get_column("entity_id")
        .to_list()
    )


def _trigger_expr() -> pl.Expr:
    expr = pl.lit(False)
    for role in ROLES:
        if not role.trigger:
            continue
        allowed = pl.col("domain") == role.domain
        if role.device_classes is not None:
            named = [dc for dc in role.device_classes if dc is not None]
            dc_ok = pl.col("device_class").is_in(named)
            if None in role.device_classes:
                dc_ok = dc_ok | pl.col("device_class").is_null()
            allowed = allowed & dc_ok
        expr = expr | allowed
    return expr


def _fold_expr() -> pl.Expr:
    state = pl.col("state")
    out = state
    for role in ROLES:
        for raw, end in role.fold:
            out = (
                pl.when((pl.col("domain") == role.domain) & (state == raw))
                .then(pl.lit(end))
                .otherwise(out)
            )
    return out


def _optional(frame: pl.DataFrame, name: str) -> pl.Expr:
    if name in frame.columns:
        return pl.col(name).cast(pl.String)
    return pl.lit(None, dtype=pl.String)


def automation_contexts(events: pl.DataFrame) -> pl.Series:
    """Return the context ids of automation runs: the ``automation.*`` rows' ``context_id``.

    An automation started by time or sun has no triggering context, so its changes carry no
    parent id; they share the run's context id with the automation's own state row instead.
    """
    if "context_id" not in events.columns or events.height == 0:
        return pl.Series("context_id", [], dtype=pl.String)
    return (
        events.filter(pl.col("entity_id").str.starts_with("automation."))
        .get_column("context_id")
        .cast(pl.String)
        .drop_nulls()
        .unique()
    )


def onsets(
    events: pl.DataFrame, *, time_zone: str, automation_runs: pl.Series | None = None
) -> pl.DataFrame:
    """Return ONSET_SCHEMA rows: each state entry of each entity that plays a role.

    ``events`` needs ``time, entity_id, state``; ``domain``, ``device_class``, ``context_id``,
    ``context_parent_id`` and ``context_user_id`` are used when present (absent = null).
    A change is ``automated`` when it has a parent context, or when its context id is one of
    ``automation_runs`` (see ``automation_contexts``; default: those inside ``events``).
    """
    check_time_zone(time_zone)
    if events.height == 0:
        return pl.DataFrame(schema=ONSET_SCHEMA)
    domain = (
        pl.col("domain")
        if "domain" in events.columns
        else pl.col("entity_id").str.split(".").list.first()
    )
    frame = events.select(
        pl.col("time"),
        pl.col("entity_id"),
        domain.alias("domain"),
        pl.col("state").cast(pl.String).fill_null(""),
        _optional(events, "device_class").alias("device_class"),
        _optional(events, "context_parent_id").alias("parent"),
        _optional(events, "context_user_id").alias("user"),
        _optional(events, "context_id").alias("context"),
    ).filter(pl.col("domain").is_in(list(ROLE_BY_DOMAIN)))
    runs = automation_contexts(events) if automation_runs is None else automation_runs
    by_run = pl.col("context").is_in(runs.implode()) if runs.len() else pl.lit(False)
    activation = {r.domain: r.activation_state for r in ROLES if r.activation_state}
    frame = (
        frame.with_columns(_fold_expr().alias("state"), by_run.alias("by_run"))
        .sort("entity_id", "time")
        .with_columns(pl.col("state").shift(1).over("entity_id").alias("previous"))
    )
    missing = list(MISSING_STATES)
    is_activation = pl.col("domain").is_in(list(activation))
    changed = (
        pl.col("previous").is_not_null()
        & (pl.col("state") != pl.col("previous"))
        & ~pl.col("state").is_in(missing)
    )
    # An activation domain's first real timestamp after "unknown" is a first activation.
    entered = changed & (is_activation | ~pl.col("previous").is_in(missing))
    state = pl.col("state")
    for dom, name in activation.items():
        state = pl.when(pl.col("domain") == dom).then(pl.lit(name)).otherwise(state)
    local = pl.col("time").dt.convert_time_zone(time_zone)
    target_domains = list(TARGET_DOMAINS)
    return (
        frame.filter(entered)
        .select(
            pl.col("entity_id"),
            pl.col("domain"),
            state.alias("state"),
            pl.col("time").cast(ONSET_SCHEMA["time"]),
            local.dt.date().alias("local_date"),
            (
                local.dt.hour().cast(pl.Float64) * 60.0
                + local.dt.minute().cast(pl.Float64)
                + local.dt.second().cast(pl.Float64) / 60.0
            ).alias("minute"),
            (local.dt.weekday() - 1).cast(pl.Int8).alias("weekday"),
            (pl.col("parent").is_not_null() | pl.col("by_run").fill_null(False)).alias("automated"),
            pl.col("user").is_not_null().alias("by_user"),
            pl.col("domain").is_in(target_domains).alias("target"),
            _trigger_expr().alias("trigger"),
        )
        .select(list(ONSET_SCHEMA))
    )


def concat_onsets(parts: Iterable[pl.DataFrame]) -> pl.DataFrame:
    """Return the onset frames stacked, or an empty ONSET_SCHEMA frame."""
    frames = [p for p in parts if p.height]
    if not frames:
        return pl.DataFrame(schema=ONSET_SCHEMA)
    return pl.concat(frames, how="vertical")
