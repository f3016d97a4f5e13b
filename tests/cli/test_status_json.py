"""`homeiq status --json` keeps its shape: scripts read it (issue 10: typed status, same JSON)."""

from __future__ import annotations

from typing import Any

import orjson

from storage.metadata import MetadataStore
from tests.cli.conftest import Homeiq


def _worker_row() -> dict[str, Any]:
    """A status row as the worker writes it when it stops (every key it can hold)."""
    source = {
        "state": "connected",
        "last_event": "2026-01-30T23:59:00+00:00",
        "events_per_s_1m": 3.5,
        "events_per_s_15m": 2.25,
        "last_error": None,
        "events_total": 1200,
        "counters": {"backfilled": 1200, "connects": 1},
    }
    disabled = {
        "state": "disabled",
        "last_event": None,
        "events_per_s_1m": 0.0,
        "events_per_s_15m": 0.0,
        "last_error": None,
        "events_total": 0,
    }
    return {
        "pid": 4242,
        "started_at": "2026-01-30T23:00:00.123456+00:00",
        "sources": {"ha": source, "mqtt": disabled},
        "spool": {"depth": 17, "bytes": 2048, "budget_bytes": 1_048_576},
        "store": {"ok": True, "backend": "embedded", "detail": "ok"},
        "writer": {"written_total": 1183, "batches_total": 4, "failures_total": 0},
        "quarantined": {"invalid_json": 2},
        "stopped_at": "2026-01-31T00:00:01+00:00",
    }


def test_status_json_shape_is_pinned(homeiq: Homeiq) -> None:
    metadata = MetadataStore(homeiq.data_dir / "homeiq.sqlite")
    try:
        metadata.set_worker_status("worker", _worker_row())
    finally:
        metadata.close()
    result = homeiq("status", "--json")
    assert result.exit_code == 0, result.output
    payload = orjson.loads(result.stdout)
    assert list(payload) == ["store", "data_dir", "bytes_on_disk", "metadata", "worker", "home"]
    assert list(payload["home"]) == ["time_zone", "latitude", "longitude", "currency", "source"]
    assert list(payload["store"]) == [
        "backend",
        "events",
        "entities",
        "oldest",
        "newest",
        "bytes_on_disk",
        "ok",
        "detail",
    ]
    assert list(payload["metadata"]) == ["ok", "registered_entities", "quarantined"]
    worker = payload["worker"]
    assert list(worker) == ["updated_at", *_worker_row()]
    assert {key: value for key, value in worker.items() if key != "updated_at"} == _worker_row()
    assert list(worker["sources"]["ha"]) == list(_worker_row()["sources"]["ha"])
    assert list(worker["sources"]["mqtt"]) == list(_worker_row()["sources"]["mqtt"])


def test_status_json_without_a_worker_row_says_null(homeiq: Homeiq) -> None:
    MetadataStore(homeiq.data_dir / "homeiq.sqlite").close()
    payload = orjson.loads(homeiq("status", "--json").stdout)
    assert payload["worker"] is None
