"""What HA automations do in the simulated home: the driveway light an automation switches on
when the gate opens (its changes carry the run's context, whose parent is the gate's change),
and a holiday automation that never fires (a stale one for "Your automations").
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

import numpy as np
import numpy.typing as npt
import orjson

from homeiq.sim.contexts import SIM_USER_ID, Strings, context_id, nones
from homeiq.sim.place import Place, is_away, to_utc_us, weekday
from homeiq.sim.switching import Intervals
from homeiq.sim.world import rng

GATE: Final[str] = "binary_sensor.gate"
DRIVEWAY: Final[str] = "light.driveway"
AUTOMATION: Final[str] = "automation.driveway_light"
AUTOMATION_ID: Final[str] = "1700000000001"
AUTOMATION_ALIAS: Final[str] = "Driveway light when the gate opens"
STALE_AUTOMATION: Final[str] = "automation.holiday_lights"
STALE_AUTOMATION_ID: Final[str] = "1700000000002"
STALE_AUTOMATION_ALIAS: Final[str] = "Holiday lights at dusk"
RUN_DELAY_S: Final[tuple[float, float]] = (0.3, 1.5)  # an automation answers within a second
HOLD_S: Final[tuple[float, float]] = (240.0, 900.0)  # the light goes off by hand after a while
OVERRIDE_SHARE: Final[float] = 0.1  # ... or at once, through the UI: an override
OVERRIDE_AFTER_S: Final[tuple[float, float]] = (30.0, 100.0)
# HA writes the automation's new last_triggered just before its actions change the light.
ROW_LEAD_US: Final[int] = 1000
GATE_SPACING_S: Final[float] = 1800.0  # the light is off again before the gate next opens


def gate_openings(seed: int, day: int) -> Intervals:
    """Return when the gate is open: a few times a day while someone is home."""
    if is_away(seed, day):
        return np.empty((0, 2))
    draw = rng(seed, GATE, day)
    starts = np.sort(draw.uniform(7 * 3600.0, 21 * 3600.0, int(draw.integers(2, 6))))
    kept: list[float] = []
    for start in starts:
        if not kept or start - kept[-1] >= GATE_SPACING_S:
            kept.append(float(start))
    opened = np.array(kept)
    return np.column_stack([opened, opened + draw.uniform(20.0, 90.0, opened.size)])


def offsets_of(intervals: Intervals) -> npt.NDArray[np.int64]:
    """Return the µs offsets of an on/off entity's rows (on, off, on, off, ...)."""
    return (intervals.reshape(-1) * 1e6).astype(np.int64)


def run_offsets(seed: int, day: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Return (gate opening, automation run) µs offsets into local ``day``."""
    opened = offsets_of(gate_openings(seed, day))[0::2]
    delays = rng(seed, AUTOMATION, day).uniform(*RUN_DELAY_S, opened.size)
    return opened, opened + (delays * 1e6).astype(np.int64)


def gate_contexts(seed: int, day: int, offsets: npt.NDArray[np.int64]) -> Strings:
    """Return the gate's context ids (every change has one; the automation names them)."""
    return np.array([context_id(GATE, day, int(o)) for o in offsets], dtype=object)


def driveway_rows(
    seed: int, day: int
) -> tuple[npt.NDArray[np.int64], Strings, Strings, Strings, Strings]:
    """Return the driveway light's offsets, states, context, user and parent ids of ``day``."""
    opened, runs = run_offsets(seed, day)
    draw = rng(seed, DRIVEWAY, day)
    override = draw.random(runs.size) < OVERRIDE_SHARE
    hold = np.where(
        override,
        draw.uniform(*OVERRIDE_AFTER_S, runs.size),
        draw.uniform(*HOLD_S, runs.size),
    )
    offs = runs + (hold * 1e6).astype(np.int64)
    offsets = np.column_stack([runs, offs]).reshape(-1)
    states = np.array(["on", "off"] * runs.size, dtype=object)
    ctx, users, parents = nones(offsets.size), nones(offsets.size), nones(offsets.size)
    for i, (gate_at, run_at) in enumerate(zip(opened, runs, strict=True)):
        ctx[2 * i] = context_id(AUTOMATION, day, int(run_at))
        parents[2 * i] = context_id(GATE, day, int(gate_at))
        if override[i]:
            ctx[2 * i + 1] = context_id(DRIVEWAY, day, int(offs[i]))
            users[2 * i + 1] = SIM_USER_ID
    return offsets, states, ctx, users, parents


def _iso(utc_us: int) -> str:
    return datetime.fromtimestamp(utc_us / 1e6, tz=UTC).isoformat()


def automation_rows(
    seed: int, day: int, place: Place
) -> tuple[npt.NDArray[np.int64], Strings, Strings, Strings, Strings]:
    """Return the driveway automation entity's rows: one per run, as HA records last_triggered."""
    opened, runs = run_offsets(seed, day)
    at = runs - ROW_LEAD_US
    utc = to_utc_us(place, day, at)
    attrs = np.array(
        [
            orjson.dumps(
                {
                    "id": AUTOMATION_ID,
                    "friendly_name": AUTOMATION_ALIAS,
                    "last_triggered": _iso(int(u)),
                    "mode": "single",
                    "current": 0,
                }
            ).decode()
            for u in utc
        ],
        dtype=object,
    )
    ctx = np.array([context_id(AUTOMATION, day, int(r)) for r in runs], dtype=object)
    parents = np.array([context_id(GATE, day, int(o)) for o in opened], dtype=object)
    return at, attrs, ctx, nones(at.size), parents


def automation_configs() -> list[dict[str, object]]:
    """Return the simulated home's HA automation configs, as HA's config API would."""
    return [
        {
            "id": AUTOMATION_ID,
            "alias": AUTOMATION_ALIAS,
            "description": "",
            "triggers": [{"trigger": "state", "entity_id": GATE, "to": "on"}],
            "conditions": [],
            "actions": [{"action": "light.turn_on", "target": {"entity_id": DRIVEWAY}}],
            "mode": "single",
        },
        {
            "id": STALE_AUTOMATION_ID,
            "alias": STALE_AUTOMATION_ALIAS,
            "description": "",
            "triggers": [{"trigger": "sun", "event": "sunset"}],
            "conditions": [{"condition": "template", "value_template": "{{ now().month == 12 }}"}],
            "actions": [
                {"action": "switch.turn_on", "target": {"entity_id": "switch.holiday_lights"}}
            ],
            "mode": "single",
        },
    ]


def stale_automation_attributes() -> str:
    """Return the never-firing automation's attributes (HA keeps last_triggered null)."""
    return orjson.dumps(
        {
            "id": STALE_AUTOMATION_ID,
            "friendly_name": STALE_AUTOMATION_ALIAS,
            "last_triggered": None,
            "mode": "single",
            "current": 0,
        }
    ).decode()


def restarts_on(day: int) -> bool:
    """Return whether HA restarts on ``day`` (Mondays, for updates): entities write their state."""
    return weekday(day) == 0
