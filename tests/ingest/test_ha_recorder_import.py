"""import-recorder against a recorder database written by a real Home Assistant."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ingest_worker.recorder_import import ImportResult, UnsupportedRecorder, import_recorder
from storage.embedded import EmbeddedStore
from storage.factory import open_store
from tests.support.ha_peer import HAPeer

LEVEL = "input_number.homeiq_level"
NOTE = "input_text.homeiq_note"
SWITCH = "input_boolean.homeiq_switch"
FLAG = "input_boolean.peer_flag"  # the automation in tests/support/ha_config toggles it


@pytest.fixture(scope="module")
def recorded(ha_peer: HAPeer) -> tuple[datetime, datetime]:
    """Make state changes on the real HA and wait until its recorder holds them."""
    start = datetime.now(UTC)
    for step in range(6):
        ha_peer.call_service("input_number", "set_value", entity_id=LEVEL, value=8100.5 + step)
        ha_peer.call_service("input_text", "set_value", entity_id=NOTE, value=f"import {step}")
    end = datetime.now(UTC) + timedelta(seconds=1)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with sqlite3.connect(f"file:{ha_peer.database}?mode=ro", uri=True) as db:
            found = db.execute(
                "SELECT count(*) FROM states s JOIN states_meta m USING (metadata_id) "
                "WHERE m.entity_id = ? AND s.state = 'import 5' AND s.last_updated_ts >= ?",
                (NOTE, start.timestamp()),
            ).fetchone()[0]
        if found:
            return start, end
        time.sleep(0.5)
    raise AssertionError("HA's recorder did not commit the test changes within 20 s")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    """Yield a fresh embedded store."""
    opened = EmbeddedStore(tmp_path / "store")
    try:
        yield opened
    finally:
        opened.close()


def _history_pairs(peer: HAPeer, entity: str, start: datetime, end: datetime) -> list[tuple]:
    rows = peer.history([entity], start, end).get(entity, [])
    pairs = [(datetime.fromisoformat(row["last_updated"]), row["state"]) for row in rows]
    return [pair for pair in pairs if start <= pair[0] < end]


def test_import_stores_exactly_the_states_the_history_api_reports(
    ha_peer: HAPeer, recorded: tuple[datetime, datetime], store: EmbeddedStore
) -> None:
    start, end = recorded
    import_recorder(ha_peer.database, store)
    for entity in (LEVEL, NOTE):
        stored = store.read([entity], start, end)
        pairs = list(zip(stored.get_column("time"), stored.get_column("state"), strict=True))
        assert pairs == _history_pairs(ha_peer, entity, start, end)
        assert set(stored.get_column("source")) == {"ha"}


def test_import_carries_unit_and_context_of_the_live_state(
    ha_peer: HAPeer, recorded: tuple[datetime, datetime], store: EmbeddedStore
) -> None:
    start, end = recorded
    import_recorder(ha_peer.database, store)
    live = next(s for s in ha_peer.states() if s["entity_id"] == LEVEL)
    stored = store.read([LEVEL], start, end).row(-1, named=True)
    assert stored["time"] == datetime.fromisoformat(live["last_updated"])
    assert stored["state"] == live["state"] == "8105.5"
    assert stored["value"] == 8105.5
    assert stored["unit"] == "W"
    assert stored["context_id"] == live["context"]["id"]
    # A REST call with the owner's token: the recorder's binary user id comes back as HA's hex.
    assert stored["context_user_id"] == live["context"]["user_id"]
    assert stored["context_user_id"] is not None and len(stored["context_user_id"]) == 32
    assert stored["context_parent_id"] is None


def test_import_carries_the_parent_context_of_an_automations_change(
    ha_peer: HAPeer, store: EmbeddedStore
) -> None:
    start = datetime.now(UTC)
    ha_peer.call_service("input_boolean", "toggle", entity_id=SWITCH)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the automation toggles FLAG; wait for its row
        with sqlite3.connect(f"file:{ha_peer.database}?mode=ro", uri=True) as db:
            found = db.execute(
                "SELECT count(*) FROM states s JOIN states_meta m USING (metadata_id) "
                "WHERE m.entity_id = ? AND s.last_updated_ts >= ? "
                "AND s.context_parent_id_bin IS NOT NULL",
                (FLAG, start.timestamp()),
            ).fetchone()[0]
        if found:
            break
        time.sleep(0.5)
    import_recorder(ha_peer.database, store)
    end = datetime.now(UTC) + timedelta(seconds=1)
    switch = store.read([SWITCH], start, end).row(-1, named=True)
    flag = store.read([FLAG], start, end).row(-1, named=True)
    live_flag = next(s for s in ha_peer.states() if s["entity_id"] == FLAG)
    assert flag["context_parent_id"] == switch["context_id"] == live_flag["context"]["parent_id"]
    assert len(flag["context_parent_id"]) == 26  # a ULID, as HA shows context ids
    assert flag["context_user_id"] is None


def test_second_import_stores_nothing_new(
    ha_peer: HAPeer, recorded: tuple[datetime, datetime], store: EmbeddedStore
) -> None:
    first = import_recorder(ha_peer.database, store)
    events_after_first = store.stats().events
    second = import_recorder(ha_peer.database, store)
    assert first.written > 0
    assert second.written == 0
    assert store.stats().events == events_after_first


def test_progress_reports_rows_read_against_total(
    ha_peer: HAPeer, recorded: tuple[datetime, datetime], store: EmbeddedStore
) -> None:
    calls: list[tuple[int, int | None]] = []
    result: ImportResult = import_recorder(
        ha_peer.database, store, progress=lambda done, total: calls.append((done, total))
    )
    assert calls[0][0] == 0
    assert calls[-1][0] == result.rows
    assert calls[-1][1] is not None and calls[-1][1] >= result.rows


def test_unsupported_schema_version_is_named_in_the_error(
    ha_peer: HAPeer, recorded: tuple[datetime, datetime], store: EmbeddedStore, tmp_path: Path
) -> None:
    copy = tmp_path / "old.db"
    with (
        sqlite3.connect(f"file:{ha_peer.database}?mode=ro", uri=True) as source,
        sqlite3.connect(copy) as target,
    ):
        source.backup(target)
    with sqlite3.connect(copy) as db:
        db.execute("UPDATE schema_changes SET schema_version = 30")
    with pytest.raises(UnsupportedRecorder, match="schema version 30"):
        import_recorder(copy, store)
    assert store.stats().events == 0


def test_a_file_that_is_not_a_recorder_database_gets_a_clear_error(
    store: EmbeddedStore, tmp_path: Path
) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(UnsupportedRecorder, match="not a Home Assistant recorder database"):
        import_recorder(other, store)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(UnsupportedRecorder):
        import_recorder(text, store)


def test_import_takes_areas_from_the_registries_beside_the_database(
    ha_peer: HAPeer, recorded: tuple[datetime, datetime], store: EmbeddedStore
) -> None:
    ha_peer.ws_command("config/entity_registry/update", entity_id=SWITCH, area_id="kitchen")
    ha_peer.call_service("input_boolean", "toggle", entity_id=SWITCH)
    # HA saves registries lazily, at the latest when it stops.
    ha_peer.restart()
    import_recorder(ha_peer.database, store)
    stored = store.latest([SWITCH])
    assert stored.get_column("area").to_list() == ["Kitchen"]


def _homeiq_import(database: Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(data_dir), "HOMEIQ_DATA_DIR": str(data_dir)}
    command = [str(Path(sys.executable).with_name("homeiq")), "import-recorder", str(database)]
    return subprocess.run(
        command, cwd=data_dir, env=env, capture_output=True, text=True, timeout=120
    )


def test_cli_import_recorder_fills_the_configured_store(
    ha_peer: HAPeer, recorded: tuple[datetime, datetime], tmp_path: Path
) -> None:
    start, end = recorded
    done = _homeiq_import(ha_peer.database, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "stored" in done.stdout
    store = open_store(backend="embedded", data_dir=tmp_path)
    try:
        stored = store.read([LEVEL], start, end)
    finally:
        store.close()
    pairs = list(zip(stored.get_column("time"), stored.get_column("state"), strict=True))
    assert pairs == _history_pairs(ha_peer, LEVEL, start, end)


def test_cli_import_recorder_explains_an_unsupported_database(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    done = _homeiq_import(other, tmp_path)
    assert done.returncode == 1
    assert "not a Home Assistant recorder database" in done.stderr


def _core_config(peer: HAPeer, timeout: float = 30.0) -> dict:  # type: ignore[type-arg]
    """Return HA's .storage/core.config once it holds the time zone the test set."""
    import json

    path = peer.config_dir / ".storage" / "core.config"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.is_file():
            data = json.loads(path.read_text())["data"]
            if data.get("time_zone") == "Europe/Amsterdam":
                return data  # type: ignore[no-any-return]
        time.sleep(0.5)
    raise AssertionError(f"HA did not write {path} in {timeout} s")


def test_import_registers_entities_and_the_homes_facts(
    ha_peer: HAPeer, recorded: tuple[datetime, datetime], store: EmbeddedStore, tmp_path: Path
) -> None:
    from storage.metadata import MetadataStore

    ha_peer.ws_command("config/core/update", time_zone="Europe/Amsterdam")
    try:
        core = _core_config(ha_peer)
        meta = MetadataStore(tmp_path / "homeiq.sqlite")
        try:
            import_recorder(ha_peer.database, store, metadata=meta)
            registry = {row.entity_id: row for row in meta.list_entities()}
            facts = meta.home.all()["recorder"]
        finally:
            meta.close()
    finally:
        ha_peer.ws_command("config/core/update", time_zone="UTC")
    level = registry[LEVEL]
    assert (level.friendly_name, level.unit, level.source) == ("HomeIQ level", "W", "recorder")
    assert level.first_seen is not None and level.last_seen is not None
    assert level.first_seen <= level.last_seen
    assert (facts.time_zone, facts.latitude, facts.longitude) == (
        "Europe/Amsterdam",
        core["latitude"],
        core["longitude"],
    )
    assert facts.version == "2025.4.4"
