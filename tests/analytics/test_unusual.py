"""Unusual days, unusual hours and silent entities on planted hourly data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from analytics.unusual import (
    Floats,
    forest_score_z,
    silent_entities,
    unusual_days,
    unusual_hours,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DAYS = 30
HOURS = DAYS * 24
TZ = "Europe/Amsterdam"
# Flagged entity-days allowed on a home without planted anomalies (README: 1 %).
FALSE_DAY_RATE = 0.01


def _entity(entity_id: str, values: np.ndarray) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "time": [T0 + timedelta(hours=i) for i in range(values.size)],
            "entity_id": [entity_id] * values.size,
            "value": values,
        }
    ).with_columns(pl.col("time").cast(pl.Datetime("us", "UTC")))


def _home(entities: int = 40, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    hours = np.arange(HOURS)
    frames = []
    for i in range(entities):
        level = rng.uniform(10, 500)
        rhythm = level * (1 + 0.4 * np.cos(2 * np.pi * (hours % 24 - rng.uniform(0, 24)) / 24))
        frames.append(_entity(f"sensor.thing_{i}", rhythm + rng.normal(0, level * 0.08, HOURS)))
    return pl.concat(frames)


def _heater(on_day: int | None) -> pl.DataFrame:
    hours = np.arange(HOURS)
    watts = np.where((hours % 24 >= 17) & (hours % 24 < 19), 800.0, 2.0)
    watts = watts + np.random.default_rng(9).normal(0, 1, HOURS)
    if on_day is not None:
        watts[on_day * 24 : on_day * 24 + 24] = 2000.0
    return _entity("sensor.space_heater_power", watts)


def test_heater_left_on_for_a_day_is_the_top_unusual_day() -> None:
    found = unusual_days(pl.concat([_home(), _heater(on_day=26)]), tz=TZ)
    top = found[0]
    assert top.entity_id == "sensor.space_heater_power"
    assert top.start.date() == (T0 + timedelta(days=26)).date()
    hour = top.evidence["hour"].index(12)
    assert top.evidence["value"][hour] > top.evidence["high"][hour]


def test_home_without_planted_anomalies_stays_under_the_documented_rate() -> None:
    found = unusual_days(pl.concat([_home(seed=s) for s in (1,)]), tz=TZ)
    assert len(found) <= FALSE_DAY_RATE * 40 * DAYS


def _ev_charger(seed: int) -> pl.DataFrame:
    # idle at 1 W; on 60 % of days it charges at 7.4 kW for 2-5 h from a random hour
    rng = np.random.default_rng(seed)
    watts = 1.0 + rng.normal(0, 0.1, HOURS)
    for day in range(DAYS):
        if rng.random() < 0.6:
            start = day * 24 + int(rng.integers(0, 20))
            watts[start : start + int(rng.integers(2, 6))] = 7400.0
    return _entity("sensor.ev_charger_power", watts)


def test_an_always_noisy_entity_is_not_unusual_for_its_usual_noise() -> None:
    # every charging day has hours far beyond the median hour; among calm entities those
    # days looked unusual to a forest shared by all, but they are this entity's usual
    # (a forest shared with the calm home flagged 4, 4 and 8 days of these three chargers)
    for seed in (0, 4, 8):
        found = unusual_days(pl.concat([_home(), _ev_charger(seed)]), tz=TZ)
        assert [f.start for f in found if f.entity_id == "sensor.ev_charger_power"] == []


def _calm(entity_id: str, seed: int) -> pl.DataFrame:
    # a daily rhythm with bounded noise: no hour can be 4 robust deviations from its usual
    rng = np.random.default_rng(seed)
    hours = np.arange(HOURS)
    rhythm = 100 + 40 * np.sin(2 * np.pi * (hours % 24) / 24)
    return _entity(entity_id, rhythm + rng.uniform(-5, 5, HOURS))


def test_entities_without_an_extreme_hour_are_skipped_without_a_forest() -> None:
    heater = _heater(on_day=26)
    home = pl.concat([heater, *(_calm(f"sensor.calm_{i}", seed=i) for i in range(5))])
    fitted: list[Floats] = []

    def counted(days: Floats, *, seed: int) -> Floats:
        fitted.append(days)
        return forest_score_z(days, seed=seed)

    found = unusual_days(home, tz=TZ, scorer=counted)
    assert len(fitted) == 1  # the heater's forest only
    assert found == unusual_days(heater, tz=TZ)

    def every_day(days: Floats, *, seed: int) -> Floats:
        return np.full(days.shape[0], np.inf)

    # even a scorer calling every day unusual flags no calm entity: skipping them lost nothing
    everything = unusual_days(home, tz=TZ, scorer=every_day)
    assert {f.entity_id for f in everything} == {"sensor.space_heater_power"}


def test_an_hour_spike_is_an_unusual_hour() -> None:
    values = _home(entities=1, seed=3)["value"].to_numpy().copy()
    values[20 * 24 + 3] *= 4
    found = unusual_hours(_entity("sensor.thing_0", values), tz=TZ)
    assert [f.start for f in found] == [T0 + timedelta(hours=20 * 24 + 3)]


def test_a_wiggle_of_a_steady_plug_is_not_an_unusual_hour() -> None:
    # on at 34 W from 08:00 to 20:00, off otherwise; one on-hour reads 31 W (partly on)
    hours = np.arange(HOURS)
    watts = np.where((hours % 24 >= 8) & (hours % 24 < 20), 34.0, 0.3)
    watts[15 * 24 + 10] = 31.0
    assert unusual_hours(_entity("sensor.plug_power", watts), tz=TZ) == []


def _activity(entity_id: str, hours: list[int]) -> pl.DataFrame:
    times = [T0 + timedelta(hours=h) for h in hours]
    return pl.DataFrame(
        {
            "time": times,
            "entity_id": [entity_id] * len(times),
            "reports": [12.0] * len(times),
            "last_seen": [max(times) + timedelta(minutes=55)] * len(times),
        }
    ).with_columns(pl.col("time", "last_seen").cast(pl.Datetime("us", "UTC")))


def test_sensor_that_stops_is_silent() -> None:
    now = T0 + timedelta(days=DAYS)
    stopped = _activity("sensor.attic_temperature", list(range(HOURS - 48)))
    found = silent_entities(stopped, now=now, window=timedelta(days=DAYS))
    assert [f.entity_id for f in found] == ["sensor.attic_temperature"]
    assert found[0].evidence["silent_s"] > 47 * 3600


def test_quiet_night_of_an_event_sensor_is_not_silence() -> None:
    # a door: reports only in the day, 07:00-22:00, every day; now is 05:00
    hours = [h for h in range(HOURS - 24) if 7 <= h % 24 < 22]
    now = T0 + timedelta(days=DAYS - 1, hours=5)
    found = silent_entities(
        _activity("binary_sensor.door", hours), now=now, window=timedelta(days=DAYS)
    )
    assert found == []
