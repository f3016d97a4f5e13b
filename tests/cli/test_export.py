"""`homeiq export` and storage.export: streamed CSV/Parquet that round-trips, safe CSV cells."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from storage.events import conform
from storage.export import export_events
from storage.factory import open_store
from tests.cli.conftest import Homeiq

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_csv_export_round_trips_every_event(demo_home: Homeiq, tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    result = demo_home("export", "--format", "csv", "--out", str(out))
    assert result.exit_code == 0, result.output
    frame = pl.read_csv(out, infer_schema=False)
    store = open_store(backend="embedded", data_dir=demo_home.data_dir)
    try:
        events = store.stats().events
    finally:
        store.close()
    assert frame.height == events
    assert frame.columns[:4] == ["time", "entity_id", "domain", "state"]
    assert frame.get_column("time").str.ends_with("Z").all()
    parsed = frame.get_column("time").str.to_datetime("%Y-%m-%dT%H:%M:%S%.fZ", time_zone="UTC")
    assert parsed.null_count() == 0


def test_parquet_export_of_one_entity_equals_a_store_read(
    demo_home: Homeiq, tmp_path: Path
) -> None:
    out = tmp_path / "power.parquet"
    result = demo_home(
        "export", "--format", "parquet", "--out", str(out), "--entity", "sensor.house_power"
    )
    assert result.exit_code == 0, result.output
    exported = pl.read_parquet(out)
    store = open_store(backend="embedded", data_dir=demo_home.data_dir)
    try:
        stats = store.stats()
        assert stats.oldest is not None and stats.newest is not None
        stored = store.read(
            ["sensor.house_power"], stats.oldest, stats.newest + timedelta(microseconds=1)
        )
    finally:
        store.close()
    assert exported.height == stored.height > 1000
    assert exported.equals(stored.select(exported.columns))


def test_aggregate_export_has_one_row_per_hour(demo_home: Homeiq, tmp_path: Path) -> None:
    out = tmp_path / "hourly.csv"
    result = demo_home(
        "export", "--format", "csv", "--out", str(out), "--entity", "sensor.outdoor_temperature",
        "--since", "2000-01-01", "--bucket", "1h", "--agg", "mean",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    frame = pl.read_csv(out)
    assert frame.columns == ["time", "entity_id", "value"]
    assert 7 * 24 - 1 <= frame.height <= 7 * 24 + 1
    assert frame.get_column("value").is_between(-30, 40).all()


def test_csv_cells_that_look_like_formulas_are_neutralized(tmp_path: Path) -> None:
    store = open_store(backend="embedded", data_dir=tmp_path / "data")
    states = ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "-5.5", "@SUM(A1)", "-", "ok"]
    frame = pl.DataFrame(
        {
            "time": [T0 + timedelta(seconds=i) for i in range(len(states))],
            "entity_id": "sensor.evil",
            "state": states,
            "source": "mqtt",
            "attributes": "{}",
        }
    )
    try:
        store.write(conform(frame))
        out = tmp_path / "evil.csv"
        rows = export_events(
            store, out, fmt="csv", start=T0, end=T0 + timedelta(hours=1), batch_rows=2
        )
    finally:
        store.close()
    assert rows == len(states)
    cells = pl.read_csv(out, infer_schema=False).get_column("state").to_list()
    assert cells == [
        '\'=HYPERLINK("http://x")',
        "'+cmd|' /C calc'!A0",
        "-5.5",
        "'@SUM(A1)",
        "'-",
        "ok",
    ]
    assert out.read_text().count("time,entity_id") == 1  # one header across batches


def test_export_reports_progress_up_to_all_rows(demo_home: Homeiq, tmp_path: Path) -> None:
    seen: list[tuple[int, float]] = []
    store = open_store(backend="embedded", data_dir=demo_home.data_dir)
    try:
        stats = store.stats()
        assert stats.oldest is not None and stats.newest is not None
        rows = export_events(
            store,
            tmp_path / "p.parquet",
            fmt="parquet",
            start=stats.oldest,
            end=stats.newest + timedelta(microseconds=1),
            batch_rows=20_000,
            progress=lambda done, fraction: seen.append((done, fraction)),
        )
    finally:
        store.close()
    assert rows == stats.events
    assert seen[-1] == (rows, 1.0)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--format", "xml"], "--format"),
        (["--format", "csv", "--since", "yesterday"], "--since"),
        (["--format", "csv", "--bucket", "hourly"], "--bucket"),
        (["--format", "csv", "--agg", "mean"], "--agg"),
        (["--format", "csv", "--bucket", "1h", "--agg", "median"], "--agg"),
    ],
)
def test_bad_export_flags_name_the_flag(
    homeiq: Homeiq, tmp_path: Path, args: list[str], flag: str
) -> None:
    result = homeiq("export", "--out", str(tmp_path / "x.csv"), *args)
    assert result.exit_code == 2
    assert flag in result.output


def test_export_of_unknown_entity_says_so(demo_home: Homeiq, tmp_path: Path) -> None:
    result = demo_home(
        "export", "--format", "csv", "--out", str(tmp_path / "x.csv"), "--entity", "light.nope"
    )
    assert result.exit_code == 2
    assert "light.nope" in result.output


def test_windowed_increase_export_equals_one_aggregate_query(
    demo_home: Homeiq, tmp_path: Path
) -> None:
    out = tmp_path / "energy.parquet"
    store = open_store(backend="embedded", data_dir=demo_home.data_dir)
    try:
        stats = store.stats()
        assert stats.oldest is not None and stats.newest is not None
        start, end = stats.oldest, stats.newest + timedelta(microseconds=1)
        export_events(
            store,
            out,
            fmt="parquet",
            start=start,
            end=end,
            entities=["sensor.house_energy"],
            bucket="1h",
            agg="increase",
        )
        whole = store.aggregate(["sensor.house_energy"], start, end, "1h", "increase")
    finally:
        store.close()
    exported = pl.read_parquet(out)
    assert exported.height == whole.height > 100
    assert exported.get_column("time").to_list() == whole.get_column("time").to_list()
    diff = (exported.get_column("value") - whole.get_column("value")).abs().max()
    assert diff is not None and diff < 1e-9  # type: ignore[operator]


def test_export_refuses_to_replace_something_that_is_not_a_file(
    demo_home: Homeiq, tmp_path: Path
) -> None:
    # The export is renamed into place; renaming over a device (/dev/null) or a folder would
    # destroy it, so the export must refuse and leave the target alone.
    target = tmp_path / "a-folder"
    target.mkdir()
    (target / "keep.txt").write_text("keep", encoding="utf-8")
    result = demo_home("export", "--format", "csv", "--out", str(target))
    assert result.exit_code != 0
    assert "not a regular file" in result.output
    assert (target / "keep.txt").read_text(encoding="utf-8") == "keep"
