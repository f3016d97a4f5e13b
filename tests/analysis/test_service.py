"""run_analysis end to end on a real embedded store and metadata database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from analytics.place import HomePlace
from homeiq.analysis import run_analysis
from storage.embedded import EmbeddedStore
from storage.events import conform
from storage.metadata import MetadataStore
from tests.analysis.home import AMSTERDAM, NOW, write_home
from tests.analytics.habits import History


@pytest.fixture
def meta(tmp_path: Path) -> Iterator[MetadataStore]:
    store = MetadataStore(tmp_path / "m.sqlite")
    yield store
    store.close()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    store = write_home(tmp_path_factory.mktemp("home"))
    yield store
    store.close()


def _by_kind(outcome: object) -> dict[tuple[str, str, str], object]:
    return {(s.kind, s.entity_id, s.to_state): s for s in outcome.suggestions}  # type: ignore[attr-defined]


def test_planted_habits_are_suggested_and_noise_is_not(
    home: EmbeddedStore, meta: MetadataStore
) -> None:
    outcome = run_analysis(home, meta, AMSTERDAM, days=30, now=NOW)
    found = _by_kind(outcome)
    assert outcome.message is None
    bedroom = found[("time", "light.bedroom", "on")]
    hours, minutes = bedroom.params["local_time"].split(":")  # type: ignore[attr-defined]
    assert abs(int(hours) * 60 + int(minutes) - 430) <= 3
    assert bedroom.params["weekdays"] == [0, 1, 2, 3, 4]  # type: ignore[attr-defined]
    porch = found[("sun", "light.porch", "on")]
    assert porch.params["event"] == "sunset" and abs(porch.params["offset_minutes"] - 15) <= 3  # type: ignore[attr-defined]
    hall = found[("trigger", "light.hall", "on")]
    assert hall.trigger_entity_id == "binary_sensor.hall_motion"  # type: ignore[attr-defined]
    assert not [
        s
        for s in outcome.suggestions
        if "noise" in (s.entity_id or "") + (s.trigger_entity_id or "")
    ]
    assert bedroom.evidence["replay_precision"] >= 0.6  # type: ignore[attr-defined]
    assert 0 < bedroom.confidence <= bedroom.evidence["replay_precision"]  # type: ignore[attr-defined]
    assert bedroom.automation["triggers"] == [  # type: ignore[attr-defined]
        {"trigger": "time", "at": bedroom.params["local_time"] + ":00"}  # type: ignore[attr-defined]
    ]
    patterns = meta.analysis.patterns()
    assert not [p for p in patterns if p.entity_id == "switch.noise"]
    assert any(p.evidence.get("marks") for p in patterns if p.kind == "time")


def test_second_run_updates_the_same_suggestions(home: EmbeddedStore, meta: MetadataStore) -> None:
    first = run_analysis(home, meta, AMSTERDAM, days=30, now=NOW)
    second = run_analysis(home, meta, AMSTERDAM, days=30, now=NOW + timedelta(days=1))
    assert {s.id for s in second.suggestions} == {s.id for s in first.suggestions}
    assert len(meta.list_suggestions()) == len(first.suggestions)
    assert all(s.run_id == second.run.id for s in second.suggestions)


def test_rejected_suggestion_is_not_brought_back(home: EmbeddedStore, meta: MetadataStore) -> None:
    first = run_analysis(home, meta, AMSTERDAM, days=30, now=NOW)
    bedroom = _by_kind(first)[("time", "light.bedroom", "on")]
    meta.update_suggestion(bedroom.id, status="rejected")  # type: ignore[attr-defined]
    second = run_analysis(home, meta, AMSTERDAM, days=30, now=NOW)
    assert ("time", "light.bedroom", "on") not in _by_kind(second)
    assert any("rejected before" in note for note in second.notes)
    assert meta.list_suggestions(status="rejected")[0].id == bedroom.id  # type: ignore[attr-defined]


def test_existing_ha_automation_covers_the_candidate(
    home: EmbeddedStore, meta: MetadataStore
) -> None:
    config = {
        "id": "porch",
        "alias": "Porch at dusk",
        "triggers": [{"trigger": "sun", "event": "sunset"}],
        "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.porch"}}],
    }
    outcome = run_analysis(home, meta, AMSTERDAM, days=30, now=NOW, ha_automations=[config])
    assert ("sun", "light.porch", "on") not in _by_kind(outcome)
    (porch,) = [
        p
        for p in meta.analysis.patterns()
        if (p.kind, p.entity_id, p.to_state) == ("sun", "light.porch", "on")
    ]
    assert "Porch at dusk" in porch.evidence["reason"]


def test_location_0_0_finds_no_sun_routine_but_still_runs(
    home: EmbeddedStore, meta: MetadataStore
) -> None:
    unset = HomePlace(time_zone="Europe/Amsterdam", latitude=0.0, longitude=0.0)
    outcome = run_analysis(home, meta, unset, days=30, now=NOW)
    assert ("time", "light.bedroom", "on") in _by_kind(outcome)
    assert not [s for s in outcome.suggestions if s.kind == "sun"]
    assert "sun routines were not looked for" in outcome.run.detail["note"]


def test_unknown_time_zone_gives_a_message_not_a_crash(
    home: EmbeddedStore, meta: MetadataStore
) -> None:
    outcome = run_analysis(home, meta, HomePlace(time_zone="Mars/Base"), days=30, now=NOW)
    assert outcome.suggestions == ()
    assert outcome.message is not None and "HOMEIQ_TIMEZONE" in outcome.message
    assert meta.analysis.latest_run() == outcome.run


def test_empty_store_says_how_many_days_are_needed(tmp_path: Path, meta: MetadataStore) -> None:
    store = EmbeddedStore(tmp_path / "store")
    outcome = run_analysis(store, meta, AMSTERDAM, days=30, now=NOW)
    store.close()
    assert outcome.suggestions == ()
    assert outcome.message is not None and "28 days" in outcome.message


def test_short_history_says_how_many_more_days(tmp_path: Path, meta: MetadataStore) -> None:
    store = write_home(tmp_path, days=10)
    outcome = run_analysis(store, meta, AMSTERDAM, days=30, now=NOW)
    store.close()
    assert (
        outcome.message is not None
        and "28 days" in outcome.message
        and "holds 9 day" in outcome.message
    )


def test_store_of_only_sensors_gives_a_message(tmp_path: Path, meta: MetadataStore) -> None:
    history = History(time_zone="UTC", first=NOW.date() - timedelta(days=32), days=32)
    for day in history.dates():
        for minute in range(0, 1440, 1):
            history.at(day, minute, "sensor.power", str(minute % 13))
    store = EmbeddedStore(tmp_path / "store")
    store.write(conform(history.frame().with_columns(pl.lit("sim").alias("source"))))
    outcome = run_analysis(store, meta, AMSTERDAM, days=30, now=NOW)
    store.close()
    assert outcome.suggestions == () and outcome.run.events_read == 0
    assert outcome.message is not None and "nothing to learn from" in outcome.message


def test_flooding_entity_gives_no_finding_and_no_hang(tmp_path: Path, meta: MetadataStore) -> None:
    store = write_home(tmp_path, days=30)
    history = History(time_zone=AMSTERDAM.time_zone, first=NOW.date() - timedelta(days=30), days=30)
    draw = np.random.default_rng(0)
    for day in history.dates():
        for i, minute in enumerate(np.sort(draw.uniform(0, 1440, 20_000))):
            history.at(day, float(minute), "switch.relay", "on" if i % 2 else "off")
    store.write(conform(history.frame().with_columns(pl.lit("sim").alias("source"))))
    outcome = run_analysis(store, meta, AMSTERDAM, days=30, now=NOW)
    store.close()
    assert outcome.run.events_read > 600_000
    assert not [
        s
        for s in outcome.suggestions
        if "relay" in (s.entity_id or "") + (s.trigger_entity_id or "")
    ]
    assert not [
        p for p in meta.analysis.patterns() if "relay" in p.entity_id + (p.trigger_entity_id or "")
    ]
    assert outcome.run.seconds < 60


def test_what_automations_already_do_is_not_suggested_without_ha(
    tmp_path: Path, meta: MetadataStore
) -> None:
    store = write_home(tmp_path, days=32)
    history = History(time_zone=AMSTERDAM.time_zone, first=NOW.date() - timedelta(days=32), days=32)
    draw = np.random.default_rng(2)
    for i, day in enumerate(history.dates()):
        run = f"01JRUN{i:05d}"  # a time-triggered run: no parent, the run's own context id
        history.at(day, 7 * 60, "automation.garage_light", "on", context=run)
        history.pulse(day, 7 * 60 + 0.01, "light.garage", 30, context=run)
        for k, minute in enumerate(np.sort(draw.uniform(8 * 60, 20 * 60, 4))):
            gate = f"01JGATE{i:04d}{k}"
            history.pulse(
                day, float(minute), "binary_sensor.gate", 1, device_class="door", context=gate
            )
            history.pulse(
                day, float(minute) + 0.1, "light.driveway", 5, parent=gate, context=f"{gate}X"
            )
    store.write(conform(history.frame().with_columns(pl.lit("sim").alias("source"))))
    outcome = run_analysis(store, meta, AMSTERDAM, days=30, now=NOW)
    store.close()
    assert ("time", "light.bedroom", "on") in _by_kind(outcome)
    assert not [s for s in outcome.suggestions if s.entity_id in {"light.garage", "light.driveway"}]
