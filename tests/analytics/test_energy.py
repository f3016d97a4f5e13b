"""Energy maths on data with known answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from analytics import energy
from analytics.errors import InsufficientData

T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # a Monday


def _series(values: list[float], step: timedelta, start: datetime = T0) -> pl.DataFrame:
    times = [start + i * step for i in range(len(values))]
    return pl.DataFrame({"time": times, "value": values}).with_columns(
        pl.col("time").cast(pl.Datetime("us", "UTC"))
    )


def test_constant_1000_w_for_two_hours_is_2_kwh() -> None:
    power = _series([1000.0] * 121, timedelta(minutes=1))
    hourly = energy.integrate_power(power, bucket="1h")
    assert hourly["kwh"].to_list() == pytest.approx([1.0, 1.0])


def test_an_interval_crossing_a_bucket_boundary_is_split_there() -> None:
    # 0 W at 00:55 rising to 1200 W at 01:05: 25 Wh before 01:00 and 75 Wh after it
    power = _series([0.0, 1200.0], timedelta(minutes=10), T0 + timedelta(minutes=55))
    hourly = energy.integrate_power(power, bucket="1h")
    assert hourly["time"].to_list() == [T0, T0 + timedelta(hours=1)]
    assert hourly["kwh"].to_list() == pytest.approx([0.025, 0.075])


def test_an_interval_spanning_several_small_buckets_fills_each() -> None:
    # 600 W from 00:02 to 00:14 over 5-minute buckets: 3, 5 and 4 minutes of it
    power = _series([600.0, 600.0], timedelta(minutes=12), T0 + timedelta(minutes=2))
    small = energy.integrate_power(power, bucket="5m")
    assert small["time"].to_list() == [T0 + timedelta(minutes=m) for m in (0, 5, 10)]
    assert small["kwh"].to_list() == pytest.approx([0.03, 0.05, 0.04])


def test_local_day_buckets_follow_dst() -> None:
    # constant 1000 W through 2026-03-29, the 23-hour spring-forward day in Amsterdam
    start = datetime(2026, 3, 28, 23, tzinfo=UTC)  # local midnight (CET)
    power = _series([1000.0] * (23 * 60 + 1), timedelta(minutes=1), start)
    daily = energy.integrate_power(power, bucket="1d", tz="Europe/Amsterdam")
    assert daily["time"].to_list() == [start]
    assert daily["kwh"].to_list() == pytest.approx([23.0])


def test_gaps_longer_than_15_minutes_are_not_bridged() -> None:
    power = pl.concat(
        [
            _series([600.0] * 31, timedelta(minutes=1)),
            _series([600.0] * 31, timedelta(minutes=1), T0 + timedelta(hours=3)),
        ]
    )
    total = energy.integrate_power(power, bucket="1d")["kwh"].sum()
    assert total == pytest.approx(0.6)  # two half hours at 600 W, not the 3 h gap


def test_meter_increase_survives_a_reset() -> None:
    readings = [100.0, 101.0, 102.5, 0.5, 1.5]
    frame = energy.meter_increase(_series(readings, timedelta(minutes=20)), bucket="1d")
    # 1.0 + 1.5, then the reset counts its new value 0.5, then 1.0
    assert frame["kwh"].to_list() == pytest.approx([4.0])


def test_meter_increase_ignores_a_small_dip_like_the_store() -> None:
    readings = [100.0, 101.0, 100.5, 102.0]  # 0.5 % dip: jitter, not a reset
    frame = energy.meter_increase(_series(readings, timedelta(minutes=20)), bucket="1d")
    assert frame["kwh"].to_list() == pytest.approx([1.0 + 0.0 + 1.5])


def test_meter_increase_days_are_local_days_across_dst() -> None:
    # hourly readings +1 kWh; 2026-03-29 is the spring-forward day in Amsterdam
    readings = _series([10.0, 11.0, 12.0, 13.0], timedelta(hours=1), T0.replace(day=29, hour=20))
    daily = energy.meter_increase(readings, bucket="1d", tz="Europe/Amsterdam")
    # 21:00 UTC is 23:00 CEST on the 29th; 22:00 and 23:00 UTC are already the 30th
    assert daily["time"].to_list() == [
        datetime(2026, 3, 28, 23, tzinfo=UTC),  # local midnight of the 29th (still CET)
        datetime(2026, 3, 29, 22, tzinfo=UTC),  # local midnight of the 30th (CEST)
    ]
    assert daily["kwh"].to_list() == pytest.approx([1.0, 2.0])


def test_energy_cost_uses_the_price_in_force() -> None:
    hourly = _series([1.0, 2.0, 3.0], timedelta(hours=1)).rename({"value": "kwh"})
    price = _series([0.30, 0.10], timedelta(hours=2))
    costed = energy.energy_cost(hourly, price)
    assert costed["cost"].to_list() == pytest.approx([0.30, 0.60, 0.30])


def test_energy_cost_without_price_rows_leaves_cost_empty() -> None:
    hourly = _series([1.0, 2.0], timedelta(hours=1)).rename({"value": "kwh"})
    costed = energy.energy_cost(hourly, _series([], timedelta(hours=1)))
    assert costed["kwh"].to_list() == [1.0, 2.0]
    assert costed["cost"].null_count() == 2


def test_energy_cost_prices_rows_before_the_first_price_at_that_price() -> None:
    hourly = _series([1.0, 1.0], timedelta(hours=1)).rename({"value": "kwh"})
    price = _series([0.25], timedelta(hours=1), T0 + timedelta(minutes=30))
    assert energy.energy_cost(hourly, price)["cost"].to_list() == pytest.approx([0.25, 0.25])


def test_hour_weekday_matrix_autumn_back_hour_counts_twice_in_one_cell() -> None:
    # 2026-10-25: 00:00 and 01:00 UTC are both 02:00 local (CEST, then CET)
    start = datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    hourly = _series([1.0, 3.0], timedelta(hours=1), start).rename({"value": "kwh"})
    matrix = energy.hour_weekday_matrix(hourly, tz="Europe/Amsterdam")
    assert matrix.rows() == [(7, 2, 2.0)]


def test_top_consumers_are_largest_first_and_nulls_last() -> None:
    per_entity = pl.DataFrame(
        {"entity_id": ["a", "b", "c", "d"], "kwh": [1.0, None, 5.0, 3.0]},
        schema={"entity_id": pl.String, "kwh": pl.Float64},
    )
    top = energy.top_consumers(per_entity, n=3)
    assert top["entity_id"].to_list() == ["c", "d", "a"]


def test_baseload_is_none_without_night_samples() -> None:
    day = _series([500.0] * 60, timedelta(minutes=1), T0 + timedelta(hours=12))
    assert energy.baseload_w(day, tz="UTC") is None


def test_hour_weekday_matrix_uses_local_time_across_dst() -> None:
    # 2026-03-29 is the spring-forward Sunday in Amsterdam: 01:00 UTC is 03:00 CEST.
    start = datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    hourly = _series([1.0, 2.0], timedelta(hours=1), start).rename({"value": "kwh"})
    matrix = energy.hour_weekday_matrix(hourly, tz="Europe/Amsterdam")
    assert matrix.rows() == [(7, 1, 1.0), (7, 3, 2.0)]


def test_baseload_is_a_low_night_percentile() -> None:
    values = [200.0 if 1 <= (i // 60) % 24 < 5 else 2000.0 for i in range(24 * 60)]
    values[120] = 5.0  # one odd sample does not set the baseload
    power = _series(values, timedelta(minutes=1))
    assert energy.baseload_w(power, tz="UTC") == pytest.approx(200.0)


def test_period_change_is_a_fraction() -> None:
    assert energy.period_change(120.0, 100.0) == pytest.approx(0.2)
    assert energy.period_change(5.0, 0.0) is None


def test_empty_input_names_what_is_missing() -> None:
    with pytest.raises(InsufficientData, match="no rows"):
        energy.integrate_power(_series([], timedelta(minutes=1)), bucket="1h")


def test_inputs_are_not_mutated() -> None:
    power = _series([1000.0] * 10, timedelta(minutes=1))
    before = power.clone()
    energy.integrate_power(power, bucket="1h")
    assert power.equals(before)
