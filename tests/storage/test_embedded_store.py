"""Embedded-store behaviour beyond the shared contract: rollup seams, horizon, crash leftovers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from storage.embedded import EmbeddedStore
from tests.storage.events import series

DAY0 = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=31)


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
