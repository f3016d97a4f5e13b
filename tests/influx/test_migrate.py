"""``homeiq migrate-store`` copies history once, resumes after failure, and reports counts."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from homeiq.commands import migrate_cmds
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


def test_cli_copies_the_embedded_store_into_influxdb_with_settings_from_env(
    monkeypatch: pytest.MonkeyPatch,
    standin: InfluxStandIn,
    database: str,
    tmp_path: Path,
) -> None:
    from storage.factory import open_store

    recent = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    history = _history(300).with_columns(
        (pl.col("time") - pl.lit(T0) + pl.lit(recent)).alias("time")
    )
    embedded = open_store(backend="embedded", data_dir=tmp_path / "data")
    embedded.write(history)
    embedded.close()
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "HOMEIQ_STORE": "embedded",
        "HOMEIQ_DATA_DIR": str(tmp_path / "data"),
        "HOMEIQ_INFLUX_HOST": standin.url,
        "HOMEIQ_INFLUX_TOKEN": standin.token,
        "HOMEIQ_INFLUX_DATABASE": database,
    }.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(_cli(), ["migrate-store", "--to", "influxdb3"])
    assert result.exit_code == 0, result.output
    assert "copied 300 events from embedded to influxdb3" in result.output
    assert standin.token not in result.output
    again = CliRunner().invoke(_cli(), ["migrate-store", "--to", "influxdb3"])
    assert "copied 0 events" in again.output and "300 skipped" in again.output
    check = _open(standin, database)
    try:
        stored = check.read(None, recent, recent + timedelta(days=4))
        assert stored.equals(history.sort("entity_id", "time"))
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


def test_cli_stops_before_copying_when_the_target_does_not_answer(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        host = f"http://127.0.0.1:{sock.getsockname()[1]}"
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "HOMEIQ_STORE": "embedded",
        "HOMEIQ_DATA_DIR": str(tmp_path / "data"),
        "HOMEIQ_INFLUX_HOST": host,
        "HOMEIQ_INFLUX_TOKEN": "secret-token-value",
    }.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(_cli(), ["migrate-store", "--to", "influxdb3"])
    assert result.exit_code == 1
    assert host in result.output.replace("\n", "")
    assert "secret-token-value" not in result.output
