"""One entity-day of samples: which generator feeds each kind, sampling, dropouts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import numpy as np
import numpy.typing as npt
import orjson

from homeiq.sim import automated, household, noise, signals, switching
from homeiq.sim.catalog import EntitySpec
from homeiq.sim.contexts import SIM_USER_ID, context_id, context_ids, nones
from homeiq.sim.habits import HABIT_BY_ENTITY, made_in_ui, onset_minute
from homeiq.sim.place import DAY_US, Place, is_away, to_utc_us
from homeiq.sim.world import (
    MINUTES,
    TEAM_NAME,
    Floats,
    game_on,
    heating_power,
    outdoor_temperature,
    price_per_hour,
    rng,
    tag_of,
)

Strings = npt.NDArray[np.object_]
MISSING_DAY_CHANCE: Final[float] = 0.03  # a flaky device is silent for a whole day
DROPOUT_CHANCE: Final[float] = 0.04  # ... or reports "unavailable" for a while


@dataclass(frozen=True, slots=True)
class DaySamples:
    """Samples of one entity on one day: offsets (µs into the day) and numbers or states."""

    offsets_us: npt.NDArray[np.int64]
    values: Floats | None = None  # numeric kinds; NaN means "unavailable"
    states: Strings | None = None  # other kinds
    attributes: Strings | None = None  # per-row JSON when attributes change
    context_ids: Strings | None = None  # HA context of each row (None: not needed)
    user_ids: Strings | None = None  # a person acting in the UI
    parent_ids: Strings | None = None  # the change that triggered an automation's action


EMPTY = DaySamples(offsets_us=np.empty(0, dtype=np.int64), states=np.empty(0, dtype=object))


def is_missing_day(seed: int, spec: EntitySpec, day: int) -> bool:
    """Return whether a flaky entity sends nothing at all on ``day``."""
    if not spec.missing_days:
        return False
    return bool(rng(seed, spec.entity_id + ":missing", day).random() < MISSING_DAY_CHANCE)


def _phase_s(spec: EntitySpec) -> float:
    # Devices do not report on the minute; each keeps its own offset.
    if spec.step_s >= 3600:
        return 0.0
    return (tag_of(spec.entity_id) % (min(spec.step_s, 60) * 1000)) / 1000.0


@lru_cache(maxsize=256)
def _plug_switch(seed: int, switch_id: str, day: int, place: Place) -> switching.Intervals:
    # each local day serves three UTC days of the plug's power sensor
    return switching.switch(seed, switch_id, day, morning=False, place=place)


def _linked_on_minutes(seed: int, switch_id: str, day: int, place: Place) -> npt.NDArray[np.bool_]:
    """Return, per minute of UTC ``day``, whether a person's (local-day) switch is on."""
    grid = np.zeros(MINUTES, dtype=np.bool_)
    for local in (day - 1, day, day + 1):
        if is_away(seed, local):
            continue
        spans = _plug_switch(seed, switch_id, local, place)
        if not spans.size:
            continue
        utc_us = to_utc_us(place, local, (spans.reshape(-1) * 1e6).astype(np.int64))
        minutes = (utc_us - day * DAY_US) // 60_000_000
        for start, end in minutes.reshape(-1, 2):
            grid[max(int(start), 0) : max(min(int(end) + 1, MINUTES), 0)] = True
    return grid


def _grid(seed: int, spec: EntitySpec, day: int, place: Place) -> Floats:
    kind, eid = spec.kind, spec.entity_id
    if kind == "house_power":
        return signals.house_power(seed, day)
    if kind in ("house_energy", "heating_energy"):
        return signals.meter(seed, eid, day)
    if kind == "outdoor_temperature":
        return outdoor_temperature(seed, day)
    if kind == "heating_power":
        return heating_power(seed, day)
    if kind == "fridge_power":
        return signals.fridge(seed, eid, day)
    if kind == "washer_power":
        return signals.washer(seed, eid, day)
    if kind == "dishwasher_power":
        return signals.dishwasher(seed, eid, day)
    if kind == "room_temperature":
        return signals.room_temperature(seed, eid, day)
    if kind == "room_humidity":
        return signals.room_humidity(seed, eid, day)
    if kind == "plug_power":
        on = _linked_on_minutes(seed, spec.linked or "", day, place)
        return signals.plug_power(seed, eid, day, on)
    if kind == "co2":
        return signals.co2(seed, eid, day)
    if kind == "price":
        return np.repeat(price_per_hour(seed, day), 60)
    raise ValueError(f"no numeric generator for kind {kind!r}")


def numeric(seed: int, spec: EntitySpec, day: int, place: Place) -> DaySamples:
    """Return a numeric sensor's samples: the grid every step, repeats dropped like HA does."""
    seconds = np.arange(0.0, 86_400.0, spec.step_s) + _phase_s(spec)
    values = np.round(
        _grid(seed, spec, day, place)[(seconds // 60).astype(np.int64)], spec.decimals
    )
    if spec.missing_days:
        draw = rng(seed, spec.entity_id + ":dropout", day)
        if draw.random() < DROPOUT_CHANCE:
            start = int(draw.integers(values.size))
            values[start : start + int(draw.integers(2, 12))] = np.nan
    same = np.concatenate([[False], (values[1:] == values[:-1])])
    same[1:] |= np.isnan(values[1:]) & np.isnan(values[:-1])
    keep = ~same
    return DaySamples(offsets_us=(seconds[keep] * 1e6).astype(np.int64), values=values[keep])


def _transitions(intervals: switching.Intervals, on: str, off: str) -> DaySamples:
    offsets = (intervals.reshape(-1) * 1e6).astype(np.int64)
    states = np.empty(offsets.size, dtype=object)
    states[0::2], states[1::2] = on, off
    return DaySamples(offsets_us=offsets, states=states)


# Kinds whose changes a person makes: nothing happens on a day nobody is home.
PEOPLE_KINDS: Final[frozenset[str]] = frozenset(
    {"motion", "light_follow", "light_morning", "light_sunset", "light_evening", "switch",
     "door", "window", "gate", "guest_mode"}
)  # fmt: skip


def _intervals(seed: int, spec: EntitySpec, day: int, place: Place) -> switching.Intervals:
    kind, eid = spec.kind, spec.entity_id
    if kind in PEOPLE_KINDS and is_away(seed, day):
        return np.empty((0, 2))
    if kind == "motion":
        return switching.motion(seed, eid, day, float(spec.extra.get("rate", "2")))
    if kind == "light_follow":
        trigger = switching.motion(seed, spec.linked or "", day, 5.0)
        return switching.follow_light(seed, eid, day, trigger)
    if kind == "light_morning":
        return switching.morning_light(seed, eid, day, place)
    if kind == "light_sunset":
        return switching.sunset_light(seed, eid, day, place)
    if kind == "light_evening":
        return switching.evening_light(seed, eid, day, place)
    if kind == "switch":
        morning = spec.extra.get("style") == "morning"
        return switching.switch(seed, eid, day, morning=morning, place=place)
    if kind in ("door", "window"):
        return switching.openings(seed, eid, day, window=kind == "window")
    if kind == "gate":
        return automated.gate_openings(seed, day)
    if kind == "noise_toggle":
        return noise.random_toggles(seed, eid, day)
    if kind == "guest_mode":
        return noise.guest_mode(seed, eid, day)
    raise ValueError(f"no on/off generator for kind {kind!r}")


def _tv(seed: int, spec: EntitySpec, day: int) -> DaySamples:
    spans = switching.tv(seed, spec.entity_id, day)
    offsets = np.column_stack([spans[:, 0], spans[:, 0] + 30.0, spans[:, 1]]).reshape(-1)
    states = np.array(["on", "playing", "off"] * len(spans), dtype=object)
    return DaySamples(offsets_us=(offsets * 1e6).astype(np.int64), states=states)


def _team(seed: int, spec: EntitySpec, day: int) -> DaySamples:
    game = game_on(seed, day)
    base = {"friendly_name": spec.name, "team_name": TEAM_NAME}
    if game is None:
        attrs = {**base, "opponent_name": None, "kickoff": None}
        return DaySamples(
            offsets_us=np.array([5_000_000], dtype=np.int64),
            states=np.array(["NOT_FOUND"], dtype=object),
            attributes=np.array([orjson.dumps(attrs).decode()], dtype=object),
        )
    attrs = {**base, "opponent_name": game.opponent, "kickoff": game.kickoff.isoformat()}
    text = orjson.dumps(attrs).decode()
    midnight = game.kickoff.replace(hour=0, minute=0)
    offsets = [
        5.0,
        (game.kickoff - midnight).total_seconds(),
        (game.end - midnight).total_seconds(),
    ]
    return DaySamples(
        offsets_us=(np.array(offsets) * 1e6).astype(np.int64),
        states=np.array(["PRE", "IN", "POST"], dtype=object),
        attributes=np.array([text] * 3, dtype=object),
    )


def _weather(seed: int, spec: EntitySpec, day: int) -> DaySamples:
    draw = rng(seed, spec.entity_id, day)
    minutes = np.arange(0, MINUTES, 30)
    temps = np.round(outdoor_temperature(seed, day)[minutes], 1)
    wetness = draw.uniform(0.0, 1.0)
    humidity = np.clip(np.round(70 + 20 * wetness - 0.8 * temps + draw.normal(0, 3, 48)), 20, 100)
    roll = draw.random(48)
    night = (minutes < 7 * 60) | (minutes >= 18 * 60)
    states = np.where(
        roll < 0.35 * wetness,
        "rainy",
        np.where(roll < 0.3 + 0.5 * wetness, "cloudy", np.where(night, "clear-night", "sunny")),
    ).astype(object)
    attrs = np.array(
        [
            orjson.dumps(
                {"friendly_name": spec.name, "temperature": float(t), "humidity": float(h)}
            ).decode()
            for t, h in zip(temps, humidity, strict=True)
        ],
        dtype=object,
    )
    return DaySamples(
        offsets_us=(minutes * 60_000_000).astype(np.int64), states=states, attributes=attrs
    )


def _climate(seed: int, spec: EntitySpec, day: int) -> DaySamples:
    minutes = np.arange(0, MINUTES, 5)
    load = heating_power(seed, day)[minutes]
    current = np.round(signals.room_temperature(seed, spec.entity_id, day)[minutes], 1)
    texts = [
        orjson.dumps(
            {
                "friendly_name": spec.name,
                "current_temperature": float(c),
                "temperature": 21.0,
                "hvac_action": "heating" if w > 50 else "idle",
            }
        ).decode()
        for c, w in zip(current, load, strict=True)
    ]
    attrs = np.array(texts, dtype=object)
    keep = np.concatenate([[True], attrs[1:] != attrs[:-1]])
    return DaySamples(
        offsets_us=(minutes[keep] * 60_000_000 + 2_000_000).astype(np.int64),
        states=np.full(int(keep.sum()), "heat", dtype=object),
        attributes=attrs[keep],
    )


def _switched(seed: int, spec: EntitySpec, day: int, place: Place) -> DaySamples:
    """Return an on/off entity's rows with the contexts HA would give them."""
    rows = _transitions(_intervals(seed, spec, day, place), "on", "off")
    offsets, states = rows.offsets_us, rows.states
    assert states is not None
    if spec.missing_days:
        offsets, states = noise.with_unavailable(seed, spec.entity_id, day, offsets, states)
    ctx, users = nones(offsets.size), nones(offsets.size)
    habit = HABIT_BY_ENTITY.get(spec.entity_id)
    if habit is not None and made_in_ui(seed, habit, day):
        minute = onset_minute(seed, habit, day, place)
        at: list[int] = []
        if minute is not None:
            at = np.flatnonzero(offsets == int(minute * 60.0 * 1e6)).tolist()
        for i in at:
            ctx[i], users[i] = context_id(spec.entity_id, day, int(offsets[i])), SIM_USER_ID
    if spec.kind == "guest_mode":  # only ever switched in the UI
        ctx, users = context_ids(spec.entity_id, day, offsets), np.full(offsets.size, SIM_USER_ID)
    if spec.kind == "gate":  # the driveway automation names these as its parents
        ctx = automated.gate_contexts(seed, day, offsets)
    if not any(c is not None for c in ctx):  # no context to carry: keep the frame lean
        return DaySamples(offsets_us=offsets, states=states)
    return DaySamples(offsets_us=offsets, states=states, context_ids=ctx, user_ids=users)


def _household(seed: int, spec: EntitySpec, day: int, place: Place) -> DaySamples:
    """Return the rows of the kinds that are neither numeric nor plain on/off."""
    kind = spec.kind
    if kind == "light_automated":
        offsets, states, ctx, users, parents = automated.driveway_rows(seed, day)
        return DaySamples(offsets_us=offsets, states=states, context_ids=ctx, user_ids=users,
                          parent_ids=parents)  # fmt: skip
    if kind == "automation":
        offsets, attrs, ctx, users, parents = automated.automation_rows(seed, day, place)
        states = np.full(offsets.size, "on", dtype=object)
        return DaySamples(offsets_us=offsets, states=states, attributes=attrs, context_ids=ctx,
                          user_ids=users, parent_ids=parents)  # fmt: skip
    if kind == "automation_stale":
        if not automated.restarts_on(day):
            return EMPTY
        return DaySamples(
            offsets_us=np.array([household.HEARTBEAT_S * 1e6], dtype=np.int64),
            states=np.array(["on"], dtype=object),
            attributes=np.array([automated.stale_automation_attributes()], dtype=object),
        )
    if kind == "vacuum":
        offsets, states, ctx, users = household.vacuum_rows(seed, day, place)
        return DaySamples(offsets_us=offsets, states=states, context_ids=ctx, user_ids=users)
    if kind == "person":
        offsets, states = household.person_rows(seed, day)
        return DaySamples(offsets_us=offsets, states=states)
    if kind == "minute_flips":
        offsets, states = noise.minute_flips(seed, spec.entity_id, day)
        return DaySamples(offsets_us=offsets, states=states)
    return _switched(seed, spec, day, place)


def samples(seed: int, spec: EntitySpec, day: int, place: Place) -> DaySamples:
    """Return what ``spec`` reports on ``day`` (nothing on one of its missing days).

    Numeric sensors, the TV, the team sensor, weather and climate keep UTC days; the other
    kinds are people's doing and ``day`` is a local day of ``place``.
    """
    if is_missing_day(seed, spec, day):
        return EMPTY
    if spec.numeric:
        return numeric(seed, spec, day, place)
    if spec.kind == "tv":
        return _tv(seed, spec, day)
    if spec.kind == "team":
        return _team(seed, spec, day)
    if spec.kind == "weather":
        return _weather(seed, spec, day)
    if spec.kind == "climate":
        return _climate(seed, spec, day)
    return _household(seed, spec, day, place)
