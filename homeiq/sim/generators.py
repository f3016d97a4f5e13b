"""One entity-day of samples: which generator feeds each kind, sampling, dropouts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import orjson

from homeiq.sim import signals, switching
from homeiq.sim.catalog import EntitySpec
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


def _grid(seed: int, spec: EntitySpec, day: int) -> Floats:
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
        linked = switching.switch(seed, spec.linked or "", day, morning=False)
        return signals.plug_power(seed, eid, day, switching.on_minutes(linked))
    if kind == "price":
        return np.repeat(price_per_hour(seed, day), 60)
    raise ValueError(f"no numeric generator for kind {kind!r}")


def numeric(seed: int, spec: EntitySpec, day: int) -> DaySamples:
    """Return a numeric sensor's samples: the grid every step, repeats dropped like HA does."""
    seconds = np.arange(0.0, 86_400.0, spec.step_s) + _phase_s(spec)
    values = np.round(_grid(seed, spec, day)[(seconds // 60).astype(np.int64)], spec.decimals)
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


def _intervals(seed: int, spec: EntitySpec, day: int) -> switching.Intervals:
    kind, eid = spec.kind, spec.entity_id
    if kind == "motion":
        return switching.motion(seed, eid, day, float(spec.extra.get("rate", "2")))
    if kind == "light_follow":
        trigger = switching.motion(seed, spec.linked or "", day, 5.0)
        return switching.follow_light(seed, eid, day, trigger)
    if kind == "light_morning":
        return switching.morning_light(seed, eid, day)
    if kind == "light_sunset":
        return switching.sunset_light(seed, eid, day)
    if kind == "light_evening":
        return switching.evening_light(seed, eid, day)
    if kind == "switch":
        return switching.switch(seed, eid, day, morning=spec.extra.get("style") == "morning")
    if kind in ("door", "window"):
        return switching.openings(seed, eid, day, window=kind == "window")
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


def samples(seed: int, spec: EntitySpec, day: int) -> DaySamples:
    """Return what ``spec`` reports on ``day`` (nothing on one of its missing days)."""
    if is_missing_day(seed, spec, day):
        return EMPTY
    if spec.numeric:
        return numeric(seed, spec, day)
    if spec.kind == "tv":
        return _tv(seed, spec, day)
    if spec.kind == "team":
        return _team(seed, spec, day)
    if spec.kind == "weather":
        return _weather(seed, spec, day)
    if spec.kind == "climate":
        return _climate(seed, spec, day)
    return _transitions(_intervals(seed, spec, day), "on", "off")
