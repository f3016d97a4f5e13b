"""Embedded-store behaviour beyond the shared contract: rollup seams, horizon, crash leftovers."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from storage.embedded import EmbeddedStore
from storage.events import conform
from tests.storage.events import series

NOW = datetime.now(UTC)
DAY0 = NOW.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=31)


@pytest.fixture(autouse=True)
def _retention_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Measure retention from the moment DAY0 was taken, so a run crossing midnight UTC
    does not move the horizon a day past what the tests expect."""
    monkeypatch.setattr("storage.embedded.writer.now_utc", lambda: NOW)


@pytest.fixture
def store(tmp_path: Path) -> EmbeddedStore:
    """Return a fresh embedded store."""
    return EmbeddedStore(tmp_path)


def test_aggregate_spanning_the_retention_horizon_joins_rollups_and_raw(
    store: EmbeddedStore,
) -> None:
    # A meter read every 30 min for three days; retention drops the first day only.
    # The meter resets at 15:00 on day one, which only the rollups remember afterwards.
    readings = [100.0 + i for i in range(30)] + [1.0 + i for i in range(114)]
    store.write(series("sensor.energy", DAY0, readings, step=timedelta(minutes=30)))
    span = (DAY0 + timedelta(hours=5), DAY0 + timedelta(days=3))
    before = {a: store.aggregate(None, *span, "1h", a) for a in ("increase", "mean", "last")}
    daily = store.aggregate(None, DAY0, DAY0 + timedelta(days=3), "1d", "increase")
    cutoff = store.apply_retention(30).cutoff
    assert cutoff == DAY0 + timedelta(days=1)
    assert store.read(None, DAY0, cutoff).height == 0
    for agg, frame in before.items():
        after = store.aggregate(None, *span, "1h", agg)  # type: ignore[arg-type]
        assert after["time"].to_list() == frame["time"].to_list()
        assert after["value"].to_list() == pytest.approx(frame["value"].to_list())
    # 109 (the reading before 05:00) to 129, the reset counts 1, then 1 to 114.
    assert sum(before["increase"]["value"]) == pytest.approx(20 + 1 + 113)
    again = store.aggregate(None, DAY0, DAY0 + timedelta(days=3), "1d", "increase")
    assert again["value"].to_list() == pytest.approx(daily["value"].to_list())
    assert store.live_files("1h") == 1


def test_rollups_answer_every_aggregate_as_the_raw_events_did(store: EmbeddedStore) -> None:
    # Irregular samples of three meters and a temperature over two days, with resets, a
    # gap of several hours and samples exactly on hour boundaries.
    rng = random.Random(7)
    frames = []
    for name in ("sensor.m1", "sensor.m2", "sensor.m3", "sensor.temp"):
        moment, value, values, times = DAY0, 50.0, [], []
        while moment < DAY0 + timedelta(days=2):
            value = 0.5 if rng.random() < 0.03 else value + rng.uniform(0, 3)
            if name == "sensor.temp":
                value = rng.uniform(15, 25)
            values.append(round(value, 3))
            times.append(moment)
            moment += timedelta(minutes=rng.choice([7, 13, 60, 60, 240]))
        frames.append(
            pl.DataFrame(
                {
                    "time": times,
                    "entity_id": name,
                    "state": [str(v) for v in values],
                    "source": "sim",
                }
            )
        )
    store.write(conform(pl.concat(frames)))
    span = (DAY0 + timedelta(hours=2), DAY0 + timedelta(days=2))
    aggs = ("increase", "mean", "min", "max", "last", "count")
    before = {(w, a): store.aggregate(None, *span, w, a) for w in ("1h", "1d") for a in aggs}
    store.apply_retention(29)  # both days now live in rollups only
    for (width, agg), frame in before.items():
        after = store.aggregate(None, *span, width, agg)  # type: ignore[arg-type]
        assert after["time"].to_list() == frame["time"].to_list(), (width, agg)
        assert after["value"].to_list() == pytest.approx(frame["value"].to_list()), (width, agg)


def test_events_older_than_the_horizon_are_not_stored_again(store: EmbeddedStore) -> None:
    store.write(series("sensor.a", DAY0, [1, 2]))
    store.apply_retention(30)
    result = store.write(series("sensor.a", DAY0, [1, 2]))
    assert (result.received, result.written) == (2, 0)
    assert store.stats().events == 0


def test_first_write_removes_files_a_crashed_writer_left(store: EmbeddedStore) -> None:
    store.write(series("sensor.a", DAY0, [1]))
    store.close()
    folder = next((store.root / "events").iterdir())
    stray = [folder / "deadbeef.parquet", folder / "cafe.parquet.tmp"]
    for path in stray:
        path.write_bytes(b"half a file")
    reopened = EmbeddedStore(store.root)
    assert reopened.read(None, DAY0, DAY0 + timedelta(hours=1)).height == 1
    reopened.write(series("sensor.b", DAY0, [2]))
    assert [p.exists() for p in stray] == [False, False]
    assert reopened.read(None, DAY0, DAY0 + timedelta(hours=1)).height == 2
    reopened.close()


def test_iter_read_of_an_empty_entity_list_yields_nothing(store: EmbeddedStore) -> None:
    store.write(series("sensor.a", DAY0, [1]))
    assert list(store.iter_read([], DAY0, DAY0 + timedelta(hours=1))) == []


def test_a_string_where_a_list_of_entities_belongs_is_rejected(store: EmbeddedStore) -> None:
    with pytest.raises(ValueError, match="list of entity ids"):
        store.read("sensor.a", DAY0, DAY0 + timedelta(hours=1))


def test_iter_read_in_entity_groups_keeps_the_order_of_read(
    store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("storage.embedded.store.STREAM_GROUP_ROWS", 10)
    for name in ("sensor.c", "sensor.a", "sensor.b"):
        store.write(series(name, DAY0, list(range(25))))
    span = (DAY0, DAY0 + timedelta(days=1))
    frames = list(store.iter_read(None, *span, batch_rows=5))
    assert max(f.height for f in frames) == 5
    assert pl.concat(frames).equals(store.read(None, *span))


def test_entities_lists_hundreds_whose_first_rows_have_no_unit(store: EmbeddedStore) -> None:
    # Regression: the entity frame once guessed column types from its first 100 rows, so a
    # home whose first entities had no unit failed once a later one had one.
    frames = [
        series(f"binary_sensor.door_{i:03d}", DAY0, [1.0], step=timedelta(minutes=1))
        for i in range(150)
    ]
    frames.append(series("sensor.zz_power", DAY0, [5.0], step=timedelta(minutes=1), unit="W"))
    store.write(pl.concat(frames))
    entities = store.entities()
    assert entities.height == 151
    assert entities.filter(pl.col("entity_id") == "sensor.zz_power")["unit"][0] == "W"


def test_compaction_merges_files_of_a_size_and_never_more_than_merge_rows(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path, small_files=4, merge_rows=200)
    merged_sizes: list[int] = []
    merge = store._compactor.merge

    def counting_merge(day: str, files: list) -> None:  # type: ignore[type-arg]
        merged_sizes.append(sum(f.rows for f in files))
        merge(day, files)

    store._compactor.merge = counting_merge  # type: ignore[method-assign]
    big = series("sensor.big", DAY0, list(range(300)), step=timedelta(seconds=1))
    store.write(big)
    big_file = {f.path for f in store._catalog.files("raw")}
    writes = 120
    for index in range(writes):
        start = DAY0 + timedelta(hours=1, minutes=index)
        store.write(series("sensor.a", start, [1.0, 2.0], step=timedelta(seconds=1)))
    files = store._catalog.files("raw")
    # The 300-row file was never rewritten; no merge read more than merge_rows rows.
    assert big_file <= {f.path for f in files}
    assert merged_sizes and max(merged_sizes) <= 200
    # Size tiers keep rewriting bounded (once per tier, not once per write) ...
    assert sum(merged_sizes) <= 4 * 2 * writes
    # ... and the day's file count small.
    assert len(files) <= 1 + 3 * 4
    assert store.stats().events == 300 + 2 * writes
    store.close()


def _as_written_before_context_columns(root: Path) -> int:
    """Rewrite every raw file without the context user/parent columns, as older code wrote."""
    files = sorted((root / "events").rglob("*.parquet"))
    for path in files:
        old = pl.read_parquet(path).drop("context_user_id", "context_parent_id")
        old.write_parquet(path, compression="zstd", statistics=True)
    return len(files)


def test_files_written_before_the_context_columns_stay_readable(tmp_path: Path) -> None:
    first = EmbeddedStore(tmp_path, small_files=2)
    first.write(series("light.hall", DAY0, ["on", "off", "on", "off"], step=timedelta(hours=1)))
    first.write(series("sensor.power", DAY0, [1.0, 2.0, 3.0], step=timedelta(hours=1)))
    first.close()
    assert _as_written_before_context_columns(tmp_path) >= 1
    store = EmbeddedStore(tmp_path, small_files=2)
    old = store.read(None, DAY0, DAY0 + timedelta(days=1))
    assert old.height == 7
    assert old["context_user_id"].null_count() == old["context_parent_id"].null_count() == 7
    # New rows between and on top of the old ones: dedup and compaction read both kinds.
    newer = series(
        "light.hall", DAY0 + timedelta(minutes=30), ["on", "off"], step=timedelta(hours=1)
    )
    newer = pl.concat([newer, series("light.hall", DAY0, ["on"])]).with_columns(
        pl.Series("context_user_id", ["u1", None, "u2"]),
        pl.Series("context_parent_id", [None, "p1", None]),
    )
    assert store.write(newer).written == 2  # the row at DAY0 is stored already
    hall = store.read(["light.hall"], DAY0, DAY0 + timedelta(days=1))
    assert hall["state"].to_list() == ["on", "on", "off", "off", "on", "off"]
    assert hall["context_user_id"].to_list() == [None, "u1", None, None, None, None]
    assert hall["context_parent_id"].to_list() == [None, None, None, "p1", None, None]
    latest = store.latest()
    assert latest["context_user_id"].to_list() == [None, None]
    assert store.aggregate(["sensor.power"], DAY0, DAY0 + timedelta(days=1), "1d", "max")[
        "value"
    ].to_list() == [3.0]
    streamed = pl.concat(store.iter_read(None, DAY0, DAY0 + timedelta(days=1), batch_rows=3))
    assert streamed.height == 9
    assert sorted(streamed["context_parent_id"].drop_nulls().to_list()) == ["p1"]
    # Compaction merging an old file with a new one keeps both kinds of rows.
    files = store._catalog.files("raw")
    if len(files) > 1:
        store._compactor.merge(files[0].day, files)
    assert store.live_files() == 1
    merged = store.read(["light.hall"], DAY0, DAY0 + timedelta(days=1))
    assert merged["context_user_id"].to_list() == hall["context_user_id"].to_list()
    assert merged["context_parent_id"].to_list() == hall["context_parent_id"].to_list()
    store.close()
