"""Contract every TimeSeriesStore backend passes (parametrized over tests.storage.backends)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from storage.errors import InvalidQuery
from storage.events import EVENT_SCHEMA
from storage.protocol import AGGREGATE_SCHEMA, ENTITY_SCHEMA, TimeSeriesStore
from tests.storage.events import series

# Recent enough for every backend's retention, aligned to a day so buckets are easy to read.
DAY0 = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=10)
HOUR = timedelta(hours=1)


def test_writing_the_same_batch_twice_stores_it_once(store: TimeSeriesStore) -> None:
    batch = series("sensor.a", DAY0, [1, 2, 3])
    assert store.write(batch).written == 3
    again = store.write(batch)
    assert (again.received, again.written) == (3, 0)
    assert store.read(None, DAY0, DAY0 + HOUR).height == 3


def test_overlapping_batch_counts_only_new_rows(store: TimeSeriesStore) -> None:
    store.write(series("sensor.a", DAY0, [1, 2, 3]))
    result = store.write(series("sensor.a", DAY0, [1, 2, 3, 4, 5]))
    assert (result.received, result.written) == (5, 2)
    assert store.read(["sensor.a"], DAY0, DAY0 + HOUR)["state"].to_list() == list("12345")


def test_rows_between_and_around_stored_ones_are_new_and_the_stored_ones_are_not(
    store: TimeSeriesStore,
) -> None:
    even, odd = timedelta(minutes=20), timedelta(minutes=10)
    store.write(series("sensor.a", DAY0, [0, 2, 4], step=even))  # 00:00, 00:20, 00:40
    store.write(series("sensor.b", DAY0 + odd, [1, 3], step=even))  # 00:10, 00:30
    # Every 10 minutes for both entities: half of them are stored, before, between, after.
    mixed = pl.concat(
        [
            series("sensor.a", DAY0 - odd, list(range(-1, 7)), step=odd),
            series("sensor.b", DAY0 - odd, list(range(-1, 7)), step=odd),
        ]
    )
    result = store.write(mixed)
    assert (result.received, result.written) == (16, 16 - 5)
    frame = store.read(None, DAY0 - HOUR, DAY0 + 2 * HOUR)
    assert frame.height == 16
    assert frame.filter(pl.col("entity_id") == "sensor.a")["value"].to_list() == [
        float(v) for v in range(-1, 7)
    ]


def test_same_time_from_two_sources_is_two_events(store: TimeSeriesStore) -> None:
    store.write(series("sensor.a", DAY0, [1], source="ha"))
    store.write(series("sensor.a", DAY0, [1], source="mqtt"))
    assert sorted(store.read(None, DAY0, DAY0 + HOUR)["source"].to_list()) == ["ha", "mqtt"]


def test_read_range_is_half_open(store: TimeSeriesStore) -> None:
    store.write(series("sensor.a", DAY0, [0, 1, 2, 3, 4, 5]))
    frame = store.read(None, DAY0 + timedelta(minutes=10), DAY0 + timedelta(minutes=40))
    assert frame["value"].to_list() == [1.0, 2.0, 3.0]


def test_read_filters_entities_and_orders_by_entity_then_time(store: TimeSeriesStore) -> None:
    store.write(series("sensor.c", DAY0, [7, 8]))
    store.write(series("sensor.b", DAY0, [5, 6]))
    store.write(series("sensor.a", DAY0, [1, 2]))
    frame = store.read(["sensor.c", "sensor.a"], DAY0, DAY0 + HOUR)
    assert frame.schema == pl.Schema(EVENT_SCHEMA)
    assert frame["entity_id"].to_list() == ["sensor.a", "sensor.a", "sensor.c", "sensor.c"]
    assert frame["value"].to_list() == [1.0, 2.0, 7.0, 8.0]


def test_read_keeps_every_column(store: TimeSeriesStore) -> None:
    store.write(series("sensor.power", DAY0, ["unavailable"], unit="W", source="ha"))
    row = store.read(None, DAY0, DAY0 + HOUR).row(0, named=True)
    assert row["time"] == DAY0
    assert (row["state"], row["value"], row["unit"], row["domain"]) == (
        "unavailable",
        None,
        "W",
        "sensor",
    )


def test_context_user_and_parent_ids_round_trip(store: TimeSeriesStore) -> None:
    user, parent = "c5755c724e4845978b6ec011e1931da6", "01JQ4Z9V6J3B1Q7N8X2R5T0W4C"
    batch = series("light.hall", DAY0, ["on", "off", "on"]).with_columns(
        pl.Series("context_user_id", [user, None, None]),
        pl.Series("context_parent_id", [None, parent, None]),
    )
    store.write(batch)
    frame = store.read(None, DAY0, DAY0 + HOUR)
    assert frame["context_user_id"].to_list() == [user, None, None]
    assert frame["context_parent_id"].to_list() == [None, parent, None]
    streamed = pl.concat(store.iter_read(None, DAY0, DAY0 + HOUR, batch_rows=2))
    assert streamed["context_parent_id"].to_list() == [None, parent, None]
    newest = store.latest(["light.hall"])
    assert newest.select("context_user_id", "context_parent_id").row(0) == (None, None)


def test_read_limit_caps_rows(store: TimeSeriesStore) -> None:
    store.write(series("sensor.a", DAY0, list(range(10))))
    assert store.read(None, DAY0, DAY0 + 2 * HOUR, limit=4)["value"].to_list() == [0, 1, 2, 3]


def test_iter_read_yields_the_rows_of_read_in_small_frames(store: TimeSeriesStore) -> None:
    store.write(series("sensor.a", DAY0, list(range(25))))
    store.write(series("sensor.b", DAY0, list(range(25))))
    frames = list(store.iter_read(None, DAY0, DAY0 + timedelta(days=1), batch_rows=10))
    assert all(f.height <= 10 for f in frames)
    assert pl.concat(frames).equals(store.read(None, DAY0, DAY0 + timedelta(days=1)))


@pytest.mark.parametrize(
    ("agg", "expected"),
    [
        ("mean", [2.5, 8.5]),
        ("min", [0.0, 6.0]),
        ("max", [5.0, 11.0]),
        ("last", [5.0, 11.0]),
        ("count", [6.0, 6.0]),
    ],
)
def test_aggregate_per_hour(store: TimeSeriesStore, agg: str, expected: list[float]) -> None:
    store.write(series("sensor.t", DAY0, list(range(12))))
    frame = store.aggregate(["sensor.t"], DAY0, DAY0 + 2 * HOUR, "1h", agg)  # type: ignore[arg-type]
    assert frame.schema == pl.Schema(AGGREGATE_SCHEMA)
    assert frame["time"].to_list() == [DAY0, DAY0 + HOUR]
    assert frame["value"].to_list() == pytest.approx(expected)


def test_aggregate_ignores_non_numeric_states(store: TimeSeriesStore) -> None:
    store.write(series("sensor.t", DAY0, [1, "unavailable", 3]))
    frame = store.aggregate(None, DAY0, DAY0 + HOUR, "1h", "mean")
    assert frame["value"].to_list() == [2.0]


def test_aggregate_buckets_align_to_epoch(store: TimeSeriesStore) -> None:
    store.write(series("sensor.t", DAY0, [1, 2, 3, 4], step=timedelta(minutes=3)))
    frame = store.aggregate(None, DAY0, DAY0 + HOUR, "5m", "count")
    assert frame["time"].to_list() == [DAY0, DAY0 + timedelta(minutes=5)]
    assert frame["value"].to_list() == [2.0, 2.0]


def test_increase_counts_a_meter_reset_from_zero(store: TimeSeriesStore) -> None:
    store.write(series("sensor.energy", DAY0, [100, 101, 103, 2, 4, 5]))
    frame = store.aggregate(None, DAY0, DAY0 + HOUR, "30m", "increase")
    # First bucket: +1 +2. Second: the drop to 2 is a reset (2 counts), then +2 +1.
    assert frame["value"].to_list() == pytest.approx([3.0, 5.0])


def test_increase_ignores_a_small_dip(store: TimeSeriesStore) -> None:
    store.write(series("sensor.energy", DAY0, [100, 95, 97]))
    frame = store.aggregate(None, DAY0, DAY0 + HOUR, "1h", "increase")
    assert frame["value"].to_list() == pytest.approx([2.0])


def test_increase_counts_from_the_reading_before_the_range(store: TimeSeriesStore) -> None:
    store.write(series("sensor.energy", DAY0, [10, 12, 15, 20]))
    frame = store.aggregate(None, DAY0 + timedelta(minutes=20), DAY0 + HOUR, "1h", "increase")
    assert frame["value"].to_list() == pytest.approx([8.0])


def test_latest_returns_the_newest_event_of_each_entity(store: TimeSeriesStore) -> None:
    store.write(series("sensor.a", DAY0, [1, 2, 3]))
    store.write(series("sensor.b", DAY0 + HOUR, [9]))
    frame = store.latest()
    assert frame.schema == pl.Schema(EVENT_SCHEMA)
    assert frame.select("entity_id", "value").rows() == [("sensor.a", 3.0), ("sensor.b", 9.0)]
    assert store.latest(["sensor.b"])["entity_id"].to_list() == ["sensor.b"]


def test_entities_lists_span_count_and_unit(store: TimeSeriesStore) -> None:
    store.write(series("sensor.power", DAY0, [1, 2, 3], unit="W"))
    store.write(series("light.hall", DAY0, ["on", "off"]))
    frame = store.entities().sort("entity_id")
    assert frame.schema == pl.Schema(ENTITY_SCHEMA)
    assert frame.select("entity_id", "domain", "unit", "events").rows() == [
        ("light.hall", "light", None, 2),
        ("sensor.power", "sensor", "W", 3),
    ]
    power = frame.row(1, named=True)
    assert (power["first_seen"], power["last_seen"]) == (DAY0, DAY0 + timedelta(minutes=20))


def test_stats_count_events_entities_and_span(store: TimeSeriesStore) -> None:
    assert store.stats().events == 0
    store.write(series("sensor.a", DAY0, [1, 2, 3]))
    store.write(series("sensor.b", DAY0 + timedelta(days=1), [4]))
    stats = store.stats()
    assert (stats.events, stats.entities) == (4, 2)
    assert (stats.oldest, stats.newest) == (DAY0, DAY0 + timedelta(days=1))
    assert stats.bytes_on_disk is None or stats.bytes_on_disk > 0


def test_retention_drops_old_raw_rows_but_hourly_aggregates_remain(
    store: TimeSeriesStore,
) -> None:
    old = DAY0 - timedelta(days=30)
    meter = [float(v) for v in range(100, 148)] + [1.0, 2.0, 3.0]  # 8.5 h, then a reset
    store.write(series("sensor.energy", old, meter))
    store.write(series("sensor.energy", DAY0, [500, 510]))
    span = (old, old + timedelta(days=1))
    before = {a: store.aggregate(None, *span, "1h", a) for a in ("mean", "increase", "max")}
    daily = store.aggregate(None, *span, "1d", "count")
    result = store.apply_retention(20)
    assert result.raw_rows_deleted == len(meter)
    assert store.read(None, *span).height == 0
    assert store.read(None, DAY0, DAY0 + HOUR).height == 2
    for agg, frame in before.items():
        after = store.aggregate(None, *span, "1h", agg)  # type: ignore[arg-type]
        assert after["time"].to_list() == frame["time"].to_list()
        assert after["value"].to_list() == pytest.approx(frame["value"].to_list())
    assert (
        store.aggregate(None, *span, "1d", "count")["value"].to_list()
        == [float(len(meter))]
        == daily["value"].to_list()
    )


def test_maintaining_rollups_leaves_every_aggregate_as_it_was(store: TimeSeriesStore) -> None:
    store.write(series("sensor.m", DAY0, [float(i) for i in range(72)], step=HOUR))
    end = DAY0 + timedelta(days=3)
    increase = store.aggregate(None, DAY0, end, "1d", "increase")
    mean = store.aggregate(None, DAY0, end, "1d", "mean")
    written = store.maintain_rollups(end + timedelta(days=1))
    assert all(rows >= 0 for rows in written.values())
    assert store.aggregate(None, DAY0, end, "1d", "increase")["value"].to_list() == (
        increase["value"].to_list()
    )
    assert increase["value"].to_list() == [23.0, 24.0, 24.0]
    assert store.aggregate(None, DAY0, end, "1d", "mean")["value"].to_list() == (
        mean["value"].to_list()
    )


def test_health_reports_ok_for_an_open_store(store: TimeSeriesStore) -> None:
    health = store.health()
    assert health.ok
    assert health.backend == store.backend


@pytest.mark.parametrize(
    ("bucket", "agg", "message"),
    [
        ("5x", "mean", "bucket '5x' is not a duration"),
        ("0m", "mean", "bucket '0m'"),
        ("1h", "median", "aggregate 'median' is unknown"),
    ],
)
def test_bad_aggregate_arguments_raise_invalid_query(
    store: TimeSeriesStore, bucket: str, agg: str, message: str
) -> None:
    with pytest.raises(InvalidQuery, match=message):
        store.aggregate(None, DAY0, DAY0 + HOUR, bucket, agg)  # type: ignore[arg-type]


def test_empty_range_raises_invalid_query(store: TimeSeriesStore) -> None:
    with pytest.raises(InvalidQuery, match="time range is empty"):
        store.read(None, DAY0 + HOUR, DAY0)


def test_naive_range_raises_invalid_query(store: TimeSeriesStore) -> None:
    naive = DAY0.replace(tzinfo=None)
    with pytest.raises(InvalidQuery, match="timezone-aware"):
        store.read(None, naive, naive + HOUR)


def test_batch_without_state_is_rejected_naming_the_column(store: TimeSeriesStore) -> None:
    batch = series("sensor.a", DAY0, [1]).drop("state")
    with pytest.raises(ValueError, match="'state'"):
        store.write(batch)
    assert store.stats().events == 0
