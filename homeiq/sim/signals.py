"""Numeric signals of the simulated home, one value per minute of a day, pure per (seed, day)."""

from __future__ import annotations

from functools import lru_cache
from typing import Final

import numpy as np

from homeiq.sim.world import (
    MINUTES,
    Floats,
    heating_power,
    outdoor_temperature,
    rng,
    tag_of,
)

FRIDGE: Final[str] = "sensor.fridge_power"
WASHER: Final[str] = "sensor.washing_machine_power"
DISHWASHER: Final[str] = "sensor.dishwasher_power"
METER_RESET_CHANCE: Final[float] = 1 / 45  # per meter and day: a replaced or rebooted meter
METER_ANCHOR_DAYS: Final[int] = 61  # at most this long between resets, which bounds history


def _program(start: int, phases: list[tuple[int, float]], standby: float) -> Floats:
    grid = np.full(MINUTES, standby)
    at = start
    for length, watts in phases:
        grid[max(at, 0) : max(min(at + length, MINUTES), 0)] = watts
        at += length
    return grid


@lru_cache(maxsize=1024)
def fridge(seed: int, entity_id: str, day: int) -> Floats:
    """Return a fridge's draw (W): a compressor cycling about every 50 minutes."""
    draw = rng(seed, entity_id, day)
    period, on = 50, 17
    phase = int(draw.integers(period))
    running = ((np.arange(MINUTES) + phase) % period) < on
    out: Floats = np.where(running, draw.normal(88.0, 3.0, MINUTES), 1.5)
    return out


@lru_cache(maxsize=1024)
def washer(seed: int, entity_id: str, day: int) -> Floats:
    """Return a washing machine's draw (W): a wash on about half the days."""
    draw = rng(seed, entity_id, day)
    if draw.random() > 0.45:
        return np.full(MINUTES, 0.4)
    start = int(draw.integers(8 * 60, 19 * 60))
    phases = [(15, 2050.0), (55, 240.0), (12, 520.0)]
    grid = _program(start, phases, 0.4)
    running = grid > 1
    grid[running] *= draw.normal(1.0, 0.03, int(running.sum()))
    return grid


@lru_cache(maxsize=1024)
def dishwasher(seed: int, entity_id: str, day: int) -> Floats:
    """Return a dishwasher's draw (W): most evenings after dinner."""
    draw = rng(seed, entity_id, day)
    if draw.random() > 0.7:
        return np.full(MINUTES, 0.5)
    start = int(20 * 60 + 15 + draw.normal(0.0, 30.0))
    grid = _program(start, [(20, 1900.0), (60, 70.0), (20, 1850.0)], 0.5)
    running = grid > 1
    grid[running] *= draw.normal(1.0, 0.03, int(running.sum()))
    return grid


@lru_cache(maxsize=512)
def house_power(seed: int, day: int) -> Floats:
    """Return the whole house's draw (W): base load, appliances, heating, cooking, living."""
    draw = rng(seed, "sensor.house_power", day)
    hours = np.arange(MINUTES) / 60.0
    living = np.where((hours >= 6.5) & (hours < 8.5), 240.0, 0.0)
    living += np.where((hours >= 17.5) & (hours < 23.0), 180.0, 0.0)
    cook_start = int(17 * 60 + 45 + draw.normal(0.0, 25.0))
    living[cook_start : cook_start + int(draw.integers(25, 50))] += 1600.0
    kettles = draw.integers(6 * 60, 22 * 60, int(draw.integers(2, 6)))
    for minute in kettles:
        living[minute : minute + 3] += 2000.0
    out: Floats = (
        110.0
        + fridge(seed, FRIDGE, day)
        + washer(seed, WASHER, day)
        + dishwasher(seed, DISHWASHER, day)
        + heating_power(seed, day)
        + living
        + draw.normal(0.0, 15.0, MINUTES)
    )
    return np.maximum(out, 50.0)


def room_temperature(seed: int, entity_id: str, day: int) -> Floats:
    """Return a room's temperature (°C): the heating setpoint with a little outdoor leak."""
    draw = rng(seed, entity_id, day)
    hours = np.arange(MINUTES) / 60.0
    offset = (tag_of(entity_id) % 20) / 10.0 - 1.0
    diurnal = 0.6 * np.sin(2 * np.pi * (hours - 10.0) / 24.0)
    leak = 0.06 * (outdoor_temperature(seed, day) - 8.0)
    out: Floats = 20.2 + offset + diurnal + leak + draw.normal(0.0, 0.06, MINUTES)
    return out


def room_humidity(seed: int, entity_id: str, day: int) -> Floats:
    """Return a room's relative humidity (%)."""
    draw = rng(seed, entity_id, day)
    hours = np.arange(MINUTES) / 60.0
    base = 44.0 + draw.normal(0.0, 3.0) + (tag_of(entity_id) % 7)
    out: Floats = base + 3.0 * np.sin(2 * np.pi * (hours - 7.0) / 24.0)
    out += draw.normal(0.0, 0.5, MINUTES)
    return np.clip(out, 15.0, 95.0)


def plug_power(seed: int, entity_id: str, day: int, on_minutes: np.ndarray) -> Floats:
    """Return a smart plug's draw (W): its device's load while the switch is on, else standby."""
    draw = rng(seed, entity_id, day)
    load = 15.0 + (tag_of(entity_id) % 140)
    out: Floats = np.where(on_minutes, load * draw.normal(1.0, 0.03, MINUTES), 0.3)
    return out


def meter_reset_minute(seed: int, entity_id: str, day: int) -> int | None:
    """Return the minute a cumulative meter resets to zero on ``day``, if it does."""
    if (day + tag_of(entity_id)) % METER_ANCHOR_DAYS == 0:
        return 0
    draw = rng(seed, entity_id + ":reset", day)
    if draw.random() < METER_RESET_CHANCE:
        return int(draw.integers(1, MINUTES))
    return None


def _meter_power(seed: int, entity_id: str, day: int) -> Floats:
    return heating_power(seed, day) if "heating" in entity_id else house_power(seed, day)


@lru_cache(maxsize=2048)
def meter_end(seed: int, entity_id: str, day: int) -> float:
    """Return a cumulative meter's reading (kWh) at the end of ``day``."""
    return float(meter(seed, entity_id, day)[-1])


def meter(seed: int, entity_id: str, day: int) -> Floats:
    """Return a cumulative energy meter (kWh) per minute: its power integrated since a reset."""
    kwh = _meter_power(seed, entity_id, day) / 60_000.0
    reset = meter_reset_minute(seed, entity_id, day)
    start = 0.0 if reset == 0 else meter_end(seed, entity_id, day - 1)
    out: Floats = start + np.cumsum(kwh)
    if reset is not None:
        out[reset:] = np.cumsum(kwh[reset:])
    return out


def co2(seed: int, entity_id: str, day: int) -> Floats:
    """Return a CO2 sensor (ppm) that reports every minute: a slow wander with sensor noise."""
    draw = rng(seed, entity_id, day)
    walk = np.cumsum(draw.normal(0.0, 4.0, MINUTES))
    out: Floats = 520.0 + walk - walk.mean() + draw.normal(0.0, 6.0, MINUTES)
    return np.clip(out, 400.0, 2000.0)
