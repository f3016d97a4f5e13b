"""Who changed what: UI changes carry the user, automation changes the trigger as parent."""

from __future__ import annotations

from datetime import date

import numpy as np

from homeiq.sim.automated import (
    automation_rows,
    driveway_rows,
    gate_contexts,
    gate_openings,
    offsets_of,
)
from homeiq.sim.catalog import build_catalog
from homeiq.sim.contexts import SIM_USER_ID, context_id
from homeiq.sim.generators import samples
from homeiq.sim.habits import HABIT_BY_ENTITY, made_in_ui, onset_minute
from homeiq.sim.place import Place, is_away

PLACE = Place()
SEED = 42
FIRST = (date(2026, 9, 1) - date(1970, 1, 1)).days
HOME_DAYS = [d for d in range(FIRST, FIRST + 90) if not is_away(SEED, d)]


def test_context_ids_are_26_character_ulids_stable_per_change() -> None:
    first = context_id("light.bedroom", 20_000, 123)
    assert len(first) == 26 and first == context_id("light.bedroom", 20_000, 123)
    assert first != context_id("light.bedroom", 20_000, 124)


def test_driveway_light_changes_name_the_gate_change_as_parent() -> None:
    day = HOME_DAYS[0]
    offsets, states, _, users, parents = driveway_rows(SEED, day)
    gate = offsets_of(gate_openings(SEED, day))
    gate_ctx = gate_contexts(SEED, day, gate)
    assert offsets.size > 0
    for i in range(0, offsets.size, 2):
        assert states[i] == "on"
        opened = gate[0::2][gate[0::2] <= offsets[i]].max()
        assert parents[i] == gate_ctx[list(gate).index(opened)]
        assert 0 < (offsets[i] - opened) / 1e6 <= 1.5
        assert users[i] is None


def test_automation_entity_rows_share_the_run_context_with_the_light() -> None:
    day = HOME_DAYS[1]
    light = driveway_rows(SEED, day)
    runs = automation_rows(SEED, day, PLACE)
    assert list(runs[2]) == list(light[2][0::2])
    assert list(runs[4]) == list(light[4][0::2])


def test_some_overrides_are_made_in_the_ui_within_two_minutes() -> None:
    overrides = 0
    for day in HOME_DAYS:
        offsets, _, _, users, _ = driveway_rows(SEED, day)
        for i in range(1, offsets.size, 2):
            if users[i] == SIM_USER_ID:
                overrides += 1
                assert (offsets[i] - offsets[i - 1]) / 1e6 <= 120
    assert overrides > 0


def test_bedroom_habit_onsets_made_in_the_ui_carry_the_user() -> None:
    spec = next(s for s in build_catalog(40) if s.entity_id == "light.bedroom")
    habit = HABIT_BY_ENTITY["light.bedroom"]
    ui_days = 0
    for day in HOME_DAYS:
        minute = onset_minute(SEED, habit, day, PLACE)
        if minute is None:
            continue
        rows = samples(SEED, spec, day, PLACE)
        at = int(np.flatnonzero(rows.offsets_us == int(minute * 60.0 * 1e6))[0])
        expected = SIM_USER_ID if made_in_ui(SEED, habit, day) else None
        users = rows.user_ids if rows.user_ids is not None else [None] * rows.offsets_us.size
        assert users[at] == expected
        ui_days += expected is not None
    assert ui_days > 0
