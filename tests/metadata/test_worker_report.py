"""WorkerReport: the typed worker status round-trips through its JSON without change."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ingest_worker.base import SourceState, SourceStatus
from ingest_worker.spool import Spool
from ingest_worker.status import StatusBoard
from ingest_worker.writer import WriterState
from storage.events import Event
from storage.metadata.worker_report import SourceReport, StoreReport, WorkerReport
from tests.cli.test_status_json import _worker_row


def test_json_of_a_stopped_worker_round_trips_exactly() -> None:
    row = _worker_row()
    report = WorkerReport.from_json(row)
    assert report.stopped_at == datetime(2026, 1, 31, 0, 0, 1, tzinfo=UTC)
    assert report.sources["ha"].counters == {"backfilled": 1200, "connects": 1}
    assert report.sources["mqtt"].counters is None
    assert report.to_json() == row
    assert list(report.to_json()) == list(row)


async def test_a_live_board_report_round_trips_through_json(tmp_path: Path) -> None:
    spool = await Spool(tmp_path / "s.sqlite", max_bytes=1_000_000).open()
    try:
        ha = SourceStatus(name="ha", state=SourceState.RECONNECTING, last_error="refused")
        ha.extra.update({"connects": 3, "label": "not a counter", "flag": True})
        board = StatusBoard(
            spool=spool, writer=WriterState(ok=True, detail="ok"), sources={"ha": ha}, backend="x"
        )
        at = datetime(2026, 1, 1, tzinfo=UTC)
        await spool.put([Event(time=at, entity_id="sensor.a", state="1", source="ha")])
        report = board.report()
    finally:
        await spool.close()
    assert report.sources["ha"].state == "backoff"
    assert report.sources["ha"].counters == {"connects": 3}
    assert report.sources["ha"].last_event == at
    assert report.sources["mqtt"] == SourceReport(state="disabled")
    assert report.spool.depth == 1
    assert WorkerReport.from_json(report.to_json()) == report


def test_a_row_of_an_older_worker_reads_with_defaults() -> None:
    report = WorkerReport.from_json(
        {"pid": 7, "sources": {"ha": {"state": "connected"}}, "store": {"ok": True}}
    )
    assert report.pid == 7
    assert report.started_at is None
    assert report.writer.written_total == 0
    assert report.spool.depth == 0
    assert report.sources["ha"].last_event is None
    assert report.quarantined == {}


def test_healthy_needs_a_store_that_answers_and_no_failing_source() -> None:
    up = StoreReport(ok=True, backend="embedded", detail="ok")
    connected = {"ha": SourceReport(state="connected"), "mqtt": SourceReport(state="disabled")}
    assert WorkerReport(pid=1, started_at=None, store=up, sources=connected).healthy
    failing = {**connected, "mqtt": SourceReport(state="backoff")}
    assert not WorkerReport(pid=1, started_at=None, store=up, sources=failing).healthy
    down = StoreReport(ok=False, backend="embedded", detail="down")
    assert not WorkerReport(pid=1, started_at=None, store=down, sources=connected).healthy
