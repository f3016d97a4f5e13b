"""``homeiq migrate-store`` copies history once, resumes after failure, and reports counts."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from homeiq.commands import migrate_cmds
from homeiq.settings import Settings
from storage.errors import StoreUnavailable
from storage.events import Event, events_to_frame
from storage.influx3 import InfluxStore
from tests.support.influx_standin import InfluxStandIn

T0 = datetime(2026, 5, 1, tzinfo=UTC)
END = T0 + timedelta(days=4)


def _history(count: int = 900) -> pl.DataFrame:
    return events_to_frame(
        Event(
            time=T0 + timedelta(minutes=7 * index),
            entity_id=f"sensor.meter_{index % 3}",
            state=str(index),
            source="sim",
            unit="W",
        )
        for index in range(count)
    )


def _cli() -> typer.Typer:
    # A group with a callback, as homeiq's CLI is once every command module registers.
    cli = typer.Typer()

    @cli.callback()
    def main() -> None:
        """HomeIQ."""

    migrate_cmds.register(cli)
    return cli


def _open(standin: InfluxStandIn, database: str, **kw: object) -> InfluxStore:
    return InfluxStore(
        host=standin.url,
        token=standin.token,
        database=database,
        raw_retention_days=None,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def pair(standin: InfluxStandIn, database: str) -> Iterator[tuple[InfluxStore, InfluxStore]]:
    """Return (source holding history, empty target) on two stand-in databases."""
    source = _open(standin, f"{database}src")
    target = _open(standin, f"{database}dst")
    source.write(_history())
    yield source, target
    source.close()
    target.close()


def test_copy_history_copies_every_event_and_builds_rollups(
    pair: tuple[InfluxStore, InfluxStore],
) -> None:
    source, target = pair
    result = migrate_cmds.copy_history(source, target, batch_rows=100)
    assert (result.read, result.written) == (900, 900)
    assert target.read(None, T0, END).equals(source.read(None, T0, END))
    assert target.rollup_watermark() is not None


def test_copying_again_writes_nothing(pair: tuple[InfluxStore, InfluxStore]) -> None:
    source, target = pair
    migrate_cmds.copy_history(source, target)
    again = migrate_cmds.copy_history(source, target)
    assert (again.read, again.written) == (900, 0)
    assert target.stats().events == 900


def test_an_interrupted_copy_resumes_with_only_the_missing_events(
    standin: InfluxStandIn, pair: tuple[InfluxStore, InfluxStore]
) -> None:
    source, _ = pair
    target = _open(standin, f"{source.database}again", write_attempts=1)
    seen = []

    def interrupt(rows: int, written: int) -> None:
        seen.append(written)
        if len(seen) == 3:
            standin.outage(60)

    try:
        with pytest.raises(StoreUnavailable):
            migrate_cmds.copy_history(source, target, batch_rows=100, on_batch=interrupt)
        standin.end_outage()
        copied_before = target.stats().events
        resumed = migrate_cmds.copy_history(source, target, batch_rows=100)
        assert 0 < copied_before < 900
        assert resumed.written == 900 - copied_before
        assert target.read(None, T0, END).equals(source.read(None, T0, END))
    finally:
        standin.end_outage()
        target.close()


def test_cli_copies_from_the_configured_store_and_reports_counts(
    monkeypatch: pytest.MonkeyPatch,
    standin: InfluxStandIn,
    database: str,
    tmp_path: Path,
) -> None:
    stores = {"embedded": f"{database}from", "influxdb3": f"{database}to"}
    seed = _open(standin, stores["embedded"])
    seed.write(_history(300))
    seed.close()

    def open_backend(settings: Settings, backend: str) -> InfluxStore:
        # Both ends are stand-in databases here; the embedded store has its own tests.
        return _open(standin, stores[backend])

    monkeypatch.setattr(migrate_cmds, "open_backend", open_backend)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOMEIQ_STORE", "embedded")
    result = CliRunner().invoke(_cli(), ["migrate-store", "--to", "influxdb3"])
    assert result.exit_code == 0, result.output
    assert "copied 300 events from embedded to influxdb3" in result.output
    check = _open(standin, stores["influxdb3"])
    try:
        assert check.stats().events == 300
    finally:
        check.close()


def test_cli_refuses_to_copy_a_store_onto_itself(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOMEIQ_STORE", "influxdb3")
    result = CliRunner().invoke(_cli(), ["migrate-store", "--to", "influxdb3"])
    assert result.exit_code == 2
    assert "already influxdb3" in result.output


@pytest.mark.skipif(
    importlib.util.find_spec("storage.embedded") is None, reason="embedded store not built yet"
)
def test_history_round_trips_embedded_to_influxdb_and_back(
    standin: InfluxStandIn, database: str, tmp_path: Path
) -> None:
    from storage.factory import open_store

    embedded = open_store(backend="embedded", data_dir=tmp_path / "a")
    influx = _open(standin, database)
    back = open_store(backend="embedded", data_dir=tmp_path / "b")
    try:
        embedded.write(_history())
        assert migrate_cmds.copy_history(embedded, influx).written == 900
        assert migrate_cmds.copy_history(influx, back).written == 900
        assert back.read(None, T0, END).equals(embedded.read(None, T0, END))
    finally:
        for store in (embedded, influx, back):
            store.close()
