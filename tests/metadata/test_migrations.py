"""Alembic migrations: a database at an earlier revision upgrades on open and keeps its rows."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from storage.errors import StoreUnavailable
from storage.metadata import DeploymentStatus, MetadataStore, SuggestionStatus
from storage.metadata.schema import (
    HEAD_REVISION,
    current_revision,
    head_revision,
    make_engine,
    upgrade,
    upgrade_in_child,
)


def test_new_database_is_at_head(tmp_path: Path) -> None:
    store = MetadataStore(tmp_path / "m.sqlite")
    store.close()
    engine = make_engine(tmp_path / "m.sqlite")
    assert current_revision(engine) == head_revision() == HEAD_REVISION == "0008"
    engine.dispose()


def test_upgrade_from_first_revision_keeps_rows_and_adds_indexes(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite"
    engine = make_engine(path)
    upgrade(engine, "0001")
    engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO entities (entity_id, domain, friendly_name, area) "
            "VALUES ('light.porch', 'light', 'Porch', 'Outside')"
        )
        conn.execute(
            "INSERT INTO audit (created_at, actor, action, detail) "
            "VALUES ('2026-01-01T00:00:00.000000+00:00', 'admin', 'deploy', '{\"id\": 7}')"
        )
    store = MetadataStore(path)
    (entity,) = store.list_entities()
    (entry,) = store.list_audit()
    store.close()
    assert (entity.entity_id, entity.friendly_name, entity.area) == (
        "light.porch",
        "Porch",
        "Outside",
    )
    assert (entry.action, entry.detail) == ("deploy", {"id": 7})
    with sqlite3.connect(path) as conn:
        indexes = {row[1] for row in conn.execute("PRAGMA index_list('audit')")}
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    assert "ix_audit_created_at" in indexes
    assert version == HEAD_REVISION


def test_upgrade_from_0002_maps_free_status_strings_to_enum_values(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite"
    engine = make_engine(path)
    upgrade(engine, "0002")
    engine.dispose()
    at = "2026-01-01T00:00:00.000000+00:00"
    legacy = {1: "new", 2: "Rolled Back", 3: "accepted", 4: "declined", 5: "maybe later"}
    with sqlite3.connect(path) as conn:
        for row_id, status in legacy.items():
            conn.execute(
                "INSERT INTO suggestions (id, created_at, kind, title, body, status, detail) "
                "VALUES (?, ?, 'routine', 'Porch', 'alias: x', ?, '{\"n\": 1}')",
                (row_id, at, status),
            )
        for row_id, status in {1: "ok", 2: "rolled back", 3: "error", 4: "???"}.items():
            conn.execute(
                "INSERT INTO deployments (id, created_at, suggestion_id, title, body, status, "
                "detail) VALUES (?, ?, 1, 'Porch', 'alias: x', ?, '{}')",
                (row_id, at, status),
            )
    store = MetadataStore(path)
    suggestions = {s.id: s for s in store.list_suggestions()}
    deployments = {d.id: d for d in store.list_deployments()}
    store.close()
    assert {key: s.status for key, s in suggestions.items()} == {
        1: SuggestionStatus.NEW,
        2: SuggestionStatus.ROLLED_BACK,
        3: SuggestionStatus.APPROVED,
        4: SuggestionStatus.REJECTED,
        5: SuggestionStatus.NEW,
    }
    assert suggestions[5].detail == {"n": 1, "legacy_status": "maybe later"}
    assert suggestions[2].detail == {"n": 1}
    assert {key: d.status for key, d in deployments.items()} == {
        1: DeploymentStatus.DEPLOYED,
        2: DeploymentStatus.ROLLED_BACK,
        3: DeploymentStatus.FAILED,
        4: DeploymentStatus.FAILED,
    }
    assert deployments[4].detail == {"legacy_status": "???"}
    assert (suggestions[1].title, deployments[1].suggestion_id) == ("Porch", 1)


def test_reopening_at_head_runs_no_migration(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite"
    MetadataStore(path).close()
    before = path.stat().st_mtime_ns
    MetadataStore(path).close()
    assert current_revision(make_engine(path)) == HEAD_REVISION
    assert path.stat().st_mtime_ns == before


def test_upgrade_in_child_migrates_while_this_process_never_loads_alembic(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "m.sqlite"
    code = (
        "import sys; from pathlib import Path\n"
        "from storage.metadata import MetadataStore\n"
        "from storage.metadata.schema import upgrade_in_child\n"
        "upgrade_in_child(Path(sys.argv[1]))\n"
        "MetadataStore(Path(sys.argv[1])).close()\n"
        "print(sorted(m for m in ('alembic', 'mako') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
    engine = make_engine(path)
    assert current_revision(engine) == HEAD_REVISION
    engine.dispose()


def test_upgrade_in_child_names_the_database_it_cannot_open(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreUnavailable, match="metadata database"):
        upgrade_in_child(blocker / "m.sqlite")
