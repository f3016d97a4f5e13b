"""Rollups: aggregates read from 1m/1h/1d rollups equal aggregates of the raw events."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from storage.events import Event, events_to_frame
from storage.influx3 import InfluxStore
from tests.support.influx_standin import InfluxStandIn

T0 = datetime(2026, 4, 6, tzinfo=UTC)
END = T0 + timedelta(days=3)


def _history() -> pl.DataFrame:
    rng = random.Random(3)
    events = []
    meter = 100.0
    for step in range(0, 3 * 24 * 12):  # every 5 minutes for three days
        at = T0 + timedelta(minutes=5 * step, seconds=rng.randint(0, 59))
        meter += rng.uniform(0.0, 0.4)
        if step in (200, 610):
            meter = rng.uniform(0.0, 2.0)  # meter reset
        if step == 300:
            meter -= 0.01  # jitter: a small drop is not a reset
        power = 400 + 300 * math.sin(step / 20) + rng.uniform(-50, 50)
        events.append(Event(time=at, entity_id="sensor.energy", state=f"{meter:.3f}", source="ha"))
        events.append(Event(time=at, entity_id="sensor.power", state=f"{power:.1f}", source="ha"))
        if step % 7 == 0:
            state = rng.choice(["on", "off"])
            events.append(Event(time=at, entity_id="light.hall", state=state, source="ha"))
    return events_to_frame(events)


@pytest.fixture
def stores(standin: InfluxStandIn, database: str) -> Iterator[tuple[InfluxStore, InfluxStore]]:
    """Return (raw-only reader, rollup-preferring reader) over one database with history."""
    common = {"host": standin.url, "token": standin.token, "database": database}
    raw = InfluxStore(**common, raw_retention_days=None, rollup_min_range=timedelta(days=3650))
    rolled = InfluxStore(**common, raw_retention_days=None, rollup_min_range=timedelta(0))
    raw.write(_history())
    yield raw, rolled
    raw.close()
    rolled.close()


CASES = [
    (bucket, agg)
    for bucket in ("15m", "1h", "6h", "1d")
    for agg in ("mean", "min", "max", "last", "count", "increase")
]


def test_rollup_aggregates_equal_raw_aggregates(stores: tuple[InfluxStore, InfluxStore]) -> None:
    raw, rolled = stores
    written = raw.maintain_rollups(T0 + timedelta(days=2, hours=13, minutes=7))
    assert written["1d"] == 3 * 2  # two numeric entities, days 1, 2 and the partial day 3
    assert rolled.rollup_watermark() == T0 + timedelta(days=2, hours=13, minutes=7)
    for bucket, agg in CASES:
        expected = raw.aggregate(None, T0, END, bucket, agg)
        got = rolled.aggregate(None, T0, END, bucket, agg)
        assert expected.height > 0
        assert_frame_equal(got, expected, check_exact=False, rel_tol=1e-9, abs_tol=1e-9)


def test_meter_increase_counts_resets_and_ignores_jitter(
    stores: tuple[InfluxStore, InfluxStore],
) -> None:
    raw, _ = stores
    history = _history().filter(pl.col("entity_id") == "sensor.energy")
    values = history.get_column("value").to_list()
    expected = 0.0
    for before, after in itertools.pairwise(values):
        if after >= before:
            expected += after - before
        elif before - after > 0.1 * abs(before):
            expected += after
    total = raw.aggregate(["sensor.energy"], T0, END, "1d", "increase")
    assert total.get_column("value").sum() == pytest.approx(expected)


def test_late_events_are_folded_into_rollups_on_the_next_run(
    stores: tuple[InfluxStore, InfluxStore],
) -> None:
    raw, rolled = stores
    now = T0 + timedelta(days=3)
    raw.maintain_rollups(now)
    late = events_to_frame(
        [
            Event(
                time=T0 + timedelta(hours=5, seconds=1),
                entity_id="sensor.power",
                state="9999",
                source="import",
            )
        ]
    )
    assert raw.write(late).written == 1
    raw.maintain_rollups(now)
    got = rolled.aggregate(["sensor.power"], T0, END, "1d", "max")
    assert got.get_column("value")[0] == 9999.0


def test_rollups_keep_long_range_aggregates_after_raw_retention(
    stores: tuple[InfluxStore, InfluxStore],
) -> None:
    raw, _ = stores
    before = {agg: raw.aggregate(None, T0, END, "1h", agg) for agg in ("mean", "increase")}
    result = raw.apply_retention(30)
    assert result.raw_rows_deleted == _history().height
    assert raw.read(None, T0, END).is_empty()
    for agg, expected in before.items():
        assert_frame_equal(
            raw.aggregate(None, T0, END, "1h", agg), expected, check_exact=False, rel_tol=1e-9
        )
