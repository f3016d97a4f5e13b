"""The planted routines and laws are really in the simulated data, as the ground truth says."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import orjson
import polars as pl

from homeiq.sim.world import HEATING_BASE_C, HEATING_SLOPE_W_PER_C, day_of, sunset_minute
from tests.sim.conftest import series


def _on_times(home: pl.DataFrame, entity_id: str, state: str = "on") -> list[datetime]:
    return series(home, entity_id).filter(pl.col("state") == state).get_column("time").to_list()


def test_bedroom_light_goes_on_near_0645_every_weekday(
    home: pl.DataFrame, truth: dict[str, Any]
) -> None:
    ons = _on_times(home, "light.bedroom")
    weekday_mornings = [t for t in ons if t.weekday() < 5 and 5 <= t.hour < 9]
    minutes = [t.hour * 60 + t.minute + t.second / 60 for t in weekday_mornings]
    assert len(weekday_mornings) == 15  # 21 days hold 15 weekdays
    assert max(abs(m - (6 * 60 + 45)) for m in minutes) <= 6
    routine = next(r for r in truth["routines"] if r["entity_id"] == "light.bedroom")
    planted = [datetime.fromisoformat(t.replace("Z", "+00:00")) for t in routine["occurrences"]]
    assert [t.replace(microsecond=0) for t in planted] == [
        t.replace(microsecond=0) for t in weekday_mornings
    ]


def test_hallway_light_follows_motion_within_30_seconds(home: pl.DataFrame) -> None:
    motion = np.array([t.timestamp() for t in _on_times(home, "binary_sensor.hallway_motion")])
    lights = [t.timestamp() for t in _on_times(home, "light.hallway")]
    assert len(lights) > 100
    delays = []
    for light in lights:
        before = motion[motion <= light]
        delays.append(light - before.max())
    assert max(delays) < 30
    assert len(lights) / len(motion) > 0.5


def test_porch_light_goes_on_within_minutes_of_sunset(home: pl.DataFrame) -> None:
    ons = _on_times(home, "light.porch")
    assert len(ons) >= 20
    for moment in ons:
        minute = moment.hour * 60 + moment.minute + moment.second / 60
        assert abs(minute - sunset_minute(day_of(moment))) <= 9


def test_tv_plays_during_the_games_it_was_planted_for(
    home: pl.DataFrame, truth: dict[str, Any]
) -> None:
    tv = series(home, "media_player.living_room_tv")
    watched = [g for g in truth["team"]["games"] if g["tv_on"]]
    assert watched
    for game in watched:
        middle = datetime.fromisoformat(game["kickoff"].replace("Z", "+00:00")) + timedelta(hours=1)
        state = tv.filter(pl.col("time") <= middle).get_column("state")[-1]
        assert state == "playing"


def test_team_sensor_is_in_game_between_kickoff_and_end(
    home: pl.DataFrame, truth: dict[str, Any]
) -> None:
    team = series(home, "sensor.home_team")
    game = truth["team"]["games"][0]
    kickoff = datetime.fromisoformat(game["kickoff"].replace("Z", "+00:00"))
    row = team.filter(pl.col("state") == "IN").filter(pl.col("time") == kickoff)
    assert row.height == 1
    assert orjson.loads(row.get_column("attributes")[0])["opponent_name"] == game["opponent"]


def test_heating_power_follows_the_planted_slope(home: pl.DataFrame, truth: dict[str, Any]) -> None:
    heat = series(home, "sensor.heating_power").filter(pl.col("value").is_not_null())
    outdoor = series(home, "sensor.outdoor_temperature").select("time", outdoor="value")
    joined = heat.join_asof(outdoor, on="time", strategy="nearest").drop_nulls("outdoor")
    deficit = np.maximum(0.0, HEATING_BASE_C - joined.get_column("outdoor").to_numpy())
    watts = joined.get_column("value").to_numpy()
    slope = float((deficit * watts).sum() / (deficit * deficit).sum())
    assert abs(slope - HEATING_SLOPE_W_PER_C) / HEATING_SLOPE_W_PER_C < 0.03
    assert truth["heating"]["slope_w_per_c"] == HEATING_SLOPE_W_PER_C
    assert truth["heating"]["kwh_per_hdd"] == HEATING_SLOPE_W_PER_C * 24 / 1000


def test_energy_meter_rises_by_the_integral_of_house_power(home: pl.DataFrame) -> None:
    energy = series(home, "sensor.house_energy")
    power = series(home, "sensor.house_power")
    day = energy.get_column("time")[0].date() + timedelta(days=3)
    one_day = energy.filter(pl.col("time").dt.date() == day).get_column("value").to_numpy()
    if (np.diff(one_day) < 0).any():  # a planted reset that day: try the next one
        day += timedelta(days=1)
        one_day = energy.filter(pl.col("time").dt.date() == day).get_column("value").to_numpy()
    rise = one_day[-1] - one_day[0]
    watts = power.filter(pl.col("time").dt.date() == day).get_column("value").to_numpy()
    integral = watts.mean() * 24 * (len(one_day) - 1) / len(one_day) / 1000
    assert abs(rise - integral) / integral < 0.03


def test_ground_truth_meter_resets_show_as_drops(home: pl.DataFrame, truth: dict[str, Any]) -> None:
    assert truth["meter_resets"]
    for reset in truth["meter_resets"]:
        moment = datetime.fromisoformat(reset["time"].replace("Z", "+00:00"))
        meter = series(home, reset["entity_id"])
        before = meter.filter(pl.col("time") < moment).get_column("value")
        after = meter.filter(pl.col("time") >= moment).get_column("value")
        if before.len() and after.len():
            assert after[0] < before[-1]


def test_missing_days_in_ground_truth_have_no_events(
    home: pl.DataFrame, truth: dict[str, Any]
) -> None:
    assert truth["missing_days"]
    for missing in truth["missing_days"]:
        day = datetime.fromisoformat(missing["day"]).date()
        rows = series(home, missing["entity_id"]).filter(pl.col("time").dt.date() == day)
        assert rows.height == 0


def test_energy_meter_declares_total_increasing(home: pl.DataFrame) -> None:
    row = series(home, "sensor.house_energy").row(0, named=True)
    assert (row["unit"], row["device_class"]) == ("kWh", "energy")
    assert orjson.loads(row["attributes"])["state_class"] == "total_increasing"


def test_unavailable_dropouts_have_no_value(home: pl.DataFrame) -> None:
    gaps = home.filter(pl.col("state") == "unavailable")
    assert gaps.height > 0
    assert gaps.get_column("value").null_count() == gaps.height
