"""MetadataStore on a real SQLite file: registry, status, quarantine, audit, automations."""

from __future__ import annotations

import multiprocessing
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.errors import InvalidQuery, StoreUnavailable
from storage.metadata import (
    DeploymentStatus,
    EntityInfo,
    MetadataStore,
    SuggestionStatus,
)

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
def meta(tmp_path: Path) -> MetadataStore:
    store = MetadataStore(tmp_path / "homeiq.sqlite")
    yield store  # type: ignore[misc]
    store.close()


def test_upsert_widens_seen_range_and_keeps_known_fields(meta: MetadataStore) -> None:
    meta.upsert_entities(
        [
            EntityInfo(
                entity_id="light.porch",
                domain="light",
                friendly_name="Porch",
                area="Outside",
                first_seen=T0,
                last_seen=T0,
            )
        ]
    )
    meta.upsert_entities(
        [
            EntityInfo(
                entity_id="light.porch",
                domain="light",
                friendly_name="Porch light",
                first_seen=T0 - timedelta(days=1),
                last_seen=T0 + timedelta(hours=2),
            )
        ]
    )
    (row,) = meta.list_entities()
    assert row.friendly_name == "Porch light"
    assert row.area == "Outside"
    assert row.first_seen == T0 - timedelta(days=1)
    assert row.last_seen == T0 + timedelta(hours=2)


def test_upsert_with_unknown_seen_times_keeps_stored_ones(meta: MetadataStore) -> None:
    meta.upsert_entities(
        [EntityInfo(entity_id="sensor.a", domain="sensor", first_seen=T0, last_seen=T0)]
    )
    meta.upsert_entities([EntityInfo(entity_id="sensor.a", domain="sensor")])
    (row,) = meta.list_entities()
    assert (row.first_seen, row.last_seen) == (T0, T0)


def test_worker_status_replaces_payload_per_component(meta: MetadataStore) -> None:
    meta.set_worker_status("worker", {"pid": 1, "spool": {"depth": 3}})
    meta.set_worker_status("worker", {"pid": 2, "spool": {"depth": 0}})
    status = meta.worker_status()
    assert list(status) == ["worker"]
    assert status["worker"].payload == {"pid": 2, "spool": {"depth": 0}}
    assert datetime.now(UTC) - status["worker"].updated_at < timedelta(seconds=30)


def test_quarantine_lists_newest_first_and_counts_by_reason(meta: MetadataStore) -> None:
    meta.add_quarantine(source="mqtt", reason="not json", payload=b"\xff", received_at=T0)
    meta.add_quarantine(
        source="mqtt",
        reason="too large",
        payload=b"x" * 10,
        topic="zigbee2mqtt/big",
        received_at=T0 + timedelta(seconds=1),
    )
    meta.add_quarantine(
        source="mqtt", reason="not json", payload=b"{", received_at=T0 + timedelta(seconds=2)
    )
    rows = meta.list_quarantine(limit=2)
    assert [row.payload for row in rows] == [b"{", b"x" * 10]
    assert rows[1].topic == "zigbee2mqtt/big"
    assert meta.quarantine_counts() == {"not json": 2, "too large": 1}


def test_audit_lists_newest_first(meta: MetadataStore) -> None:
    meta.audit(actor="admin", action="deploy", detail={"id": "a1"})
    meta.audit(actor="admin", action="delete", detail={"id": "a2"})
    entries = meta.list_audit(limit=10)
    assert [entry.action for entry in entries] == ["delete", "deploy"]
    assert entries[1].detail == {"id": "a1"}


def test_suggestion_and_deployment_round_trip(meta: MetadataStore) -> None:
    suggestion = meta.add_suggestion(kind="routine", title="Porch at sunset", body="alias: x")
    assert suggestion.status is SuggestionStatus.NEW
    updated = meta.update_suggestion(
        suggestion.id,
        status=SuggestionStatus.DEPLOYED,
        ha_automation_id="auto_1",
        deployed_at=T0,
    )
    assert (updated.status, updated.ha_automation_id, updated.deployed_at) == (
        SuggestionStatus.DEPLOYED,
        "auto_1",
        T0,
    )
    deployment = meta.add_deployment(
        title="Porch at sunset",
        body="alias: x",
        status=DeploymentStatus.DEPLOYED,
        suggestion_id=suggestion.id,
    )
    meta.update_deployment(
        deployment.id, status=DeploymentStatus.ROLLED_BACK, detail={"why": "test"}
    )
    (stored,) = meta.list_deployments()
    assert (stored.status, stored.suggestion_id, stored.detail) == (
        DeploymentStatus.ROLLED_BACK,
        suggestion.id,
        {"why": "test"},
    )
    assert [s.id for s in meta.list_suggestions(status=SuggestionStatus.DEPLOYED)] == [
        suggestion.id
    ]
    assert meta.list_suggestions(status=SuggestionStatus.NEW) == []


def test_statuses_are_stored_as_their_values(meta: MetadataStore) -> None:
    suggestion = meta.add_suggestion(kind="routine", title="t", body="b")
    meta.update_suggestion(suggestion.id, status=SuggestionStatus.ROLLED_BACK)
    meta.add_deployment(title="t", body="b", status=DeploymentStatus.FAILED)
    with sqlite3.connect(meta.path) as conn:
        stored = conn.execute("SELECT status FROM suggestions").fetchone()[0]
        pushed = conn.execute("SELECT status FROM deployments").fetchone()[0]
    assert (stored, pushed) == ("rolled_back", "failed")


def test_an_unknown_status_is_refused_with_the_allowed_values(meta: MetadataStore) -> None:
    suggestion = meta.add_suggestion(kind="routine", title="t", body="b")
    with pytest.raises(InvalidQuery, match="rolled_back"):
        meta.update_suggestion(suggestion.id, status="rolled back")  # type: ignore[arg-type]
    (kept,) = meta.list_suggestions()
    assert kept.status is SuggestionStatus.NEW


def test_updating_a_missing_suggestion_names_the_id(meta: MetadataStore) -> None:
    with pytest.raises(InvalidQuery, match="42"):
        meta.update_suggestion(42, status=SuggestionStatus.APPROVED)


def test_database_is_in_wal_mode(meta: MetadataStore, tmp_path: Path) -> None:
    import sqlite3

    with sqlite3.connect(tmp_path / "homeiq.sqlite") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_not_a_database_raises_store_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "bad.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreUnavailable, match=r"bad\.sqlite"):
        MetadataStore(path)


def _hammer(path: str, component: str, count: int) -> None:
    store = MetadataStore(Path(path))
    for i in range(count):
        store.set_worker_status(component, {"i": i})
        store.add_quarantine(source="mqtt", reason=component, payload=b"p")
    store.close()


def test_two_processes_write_concurrently_without_losing_rows(tmp_path: Path) -> None:
    path = str(tmp_path / "homeiq.sqlite")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_hammer, args=(path, name, 150)) for name in ("a", "b")]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
    assert [proc.exitcode for proc in procs] == [0, 0]
    store = MetadataStore(Path(path))
    assert store.quarantine_counts() == {"a": 150, "b": 150}
    assert {k: v.payload for k, v in store.worker_status().items()} == {
        "a": {"i": 149},
        "b": {"i": 149},
    }
    store.close()
