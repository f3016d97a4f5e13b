"""The planted habits and laws are really in the simulated data, as the ground truth says."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import orjson
import polars as pl
from astral import Observer
from astral.sun import sunset

from homeiq.sim.world import HEATING_BASE_C, HEATING_SLOPE_W_PER_C
from tests.sim.conftest import TIMEZONE, series

ZONE = ZoneInfo(TIMEZONE)


def _on_times(home: pl.DataFrame, entity_id: str, state: str = "on") -> list[datetime]:
    frame = series(home, entity_id)
    entered = frame.filter(
        (pl.col("state") == state) & (pl.col("state").shift(1).fill_null("") != state)
    )
    return entered.get_column("time").to_list()


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _routine(truth: dict[str, Any], routine_id: str) -> dict[str, Any]:
    return next(r for r in truth["routines"] if r["id"] == routine_id)


def _local_minute(moment: datetime) -> float:
    local = moment.astimezone(ZONE)
    return local.hour * 60 + local.minute + local.second / 60


def test_every_planted_onset_is_an_event_entering_its_state(
    home: pl.DataFrame, truth: dict[str, Any]
) -> None:
    for routine in truth["routines"]:
        if routine["kind"] == "trigger":
            continue
        entered = set(_on_times(home, routine["entity_id"], routine["to_state"]))
        planted = [_parse(t) for t in routine["occurrences"]]
        assert len(planted) >= 2, routine["id"]
        assert set(planted) <= entered, routine["id"]


def test_clock_habits_keep_their_local_time_on_their_weekdays(truth: dict[str, Any]) -> None:
    for routine in truth["routines"]:
        if routine["kind"] != "time":
            continue
        hour, minute = map(int, routine["local_time"].split(":"))
        for text in routine["occurrences"]:
            moment = _parse(text)
            assert abs(_local_minute(moment) - (hour * 60 + minute)) <= routine["tolerance_minutes"]
            assert moment.astimezone(ZONE).weekday() in routine["weekdays"]


def test_bedroom_habit_moves_an_hour_in_utc_across_the_dst_change(truth: dict[str, Any]) -> None:
    change = _parse(truth["dst_changes"][0])
    mornings = [_parse(t) for t in _routine(truth, "bedroom_weekday_morning")["occurrences"]]
    before = [t.hour * 60 + t.minute for t in mornings if t < change]
    after = [t.hour * 60 + t.minute for t in mornings if t > change]
    assert before and after
    assert abs(np.mean(after) - np.mean(before) - 60) < 6


def test_porch_light_goes_on_15_minutes_before_astral_sunset(truth: dict[str, Any]) -> None:
    porch = _routine(truth, "porch_before_sunset")
    where = Observer(
        latitude=truth["location"]["latitude"], longitude=truth["location"]["longitude"]
    )
    assert porch["event"] == "sunset" and porch["offset_minutes"] == -15
    for text in porch["occurrences"]:
        moment = _parse(text)
        sun = sunset(where, date=moment.astimezone(ZONE).date(), tzinfo=ZONE)
        minutes = (moment - sun).total_seconds() / 60
        assert abs(minutes - porch["offset_minutes"]) <= porch["tolerance_minutes"]


def test_vacuum_cleans_on_saturdays_only(home: pl.DataFrame) -> None:
    starts = _on_times(home, "vacuum.robot", "cleaning")
    assert starts
    assert {t.astimezone(ZONE).weekday() for t in starts} == {5}


def test_hallway_light_follows_motion_within_25_seconds(home: pl.DataFrame) -> None:
    motion = np.array([t.timestamp() for t in _on_times(home, "binary_sensor.hallway_motion")])
    lights = [t.timestamp() for t in _on_times(home, "light.hallway")]
    assert len(lights) > 100
    delays = [light - motion[motion <= light].max() for light in lights]
    assert max(delays) <= 25
    assert len(lights) / len(motion) > 0.5


def test_nobody_home_week_has_no_habits_or_motion(
    home: pl.DataFrame, truth: dict[str, Any]
) -> None:
    away = truth["away"]
    assert away
    first = datetime.fromisoformat(away[0]["start"]).date()
    last = datetime.fromisoformat(away[0]["end"]).date()
    people = home.filter(
        pl.col("entity_id").is_in(["light.bedroom", "binary_sensor.hallway_motion", "vacuum.robot"])
    )
    local_days = people.get_column("time").dt.convert_time_zone(TIMEZONE).dt.date()
    during = people.filter((local_days >= first) & (local_days <= last))
    assert during.filter(pl.col("state") != "docked").height == 0
    person = series(home, "person.alex")
    assert "not_home" in person.get_column("state").to_list()


def test_noise_vibration_sensor_changes_about_every_other_minute(home: pl.DataFrame) -> None:
    vibration = series(home, "binary_sensor.washer_vibration")
    per_day = vibration.height / 28
    assert 500 < per_day < 900


def test_ground_truth_names_noise_automated_routine_and_stale_automation(
    truth: dict[str, Any],
) -> None:
    assert set(truth["noise_entities"]) >= {"switch.flaky_plug", "binary_sensor.washer_vibration"}
    automated = truth["automated"][0]
    assert (automated["entity_id"], automated["trigger_entity_id"]) == (
        "light.driveway",
        "binary_sensor.gate",
    )
    assert automated["runs"] > 20
    stale = next(a for a in truth["automations"] if a["entity_id"] == "automation.holiday_lights")
    assert stale["stale"] is True and stale["runs"] == 0


def test_automation_entity_records_each_run_with_last_triggered(
    home: pl.DataFrame, truth: dict[str, Any]
) -> None:
    rows = series(home, "automation.driveway_light")
    assert rows.height == truth["automated"][0]["runs"]
    attrs = orjson.loads(rows.get_column("attributes")[-1])
    assert attrs["id"] == "1700000000001"
    assert _parse(attrs["last_triggered"]) == rows.get_column("time")[-1]


def test_tv_plays_during_the_games_it_was_planted_for(
    home: pl.DataFrame, truth: dict[str, Any]
) -> None:
    tv = series(home, "media_player.living_room_tv")
    watched = [g for g in truth["team"]["games"] if g["tv_on"]]
    assert watched
    for game in watched:
        middle = _parse(game["kickoff"]) + timedelta(hours=1)
        state = tv.filter(pl.col("time") <= middle).get_column("state")[-1]
        assert state == "playing"


def test_team_sensor_is_in_game_between_kickoff_and_end(
    home: pl.DataFrame, truth: dict[str, Any]
) -> None:
    team = series(home, "sensor.home_team")
    game = truth["team"]["games"][0]
    kickoff = _parse(game["kickoff"])
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
        moment = _parse(reset["time"])
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
        numeric = rows.filter(pl.col("value").is_not_null())
        assert numeric.height == 0


def test_energy_meter_declares_total_increasing(home: pl.DataFrame) -> None:
    row = series(home, "sensor.house_energy").row(0, named=True)
    assert (row["unit"], row["device_class"]) == ("kWh", "energy")
    assert orjson.loads(row["attributes"])["state_class"] == "total_increasing"


def test_unavailable_dropouts_have_no_value(home: pl.DataFrame) -> None:
    gaps = home.filter(pl.col("state") == "unavailable")
    assert gaps.height > 0
    assert gaps.get_column("value").null_count() == gaps.height


def test_routines_are_findable_only_with_enough_onsets_before_and_in_the_replay_days(
    truth: dict[str, Any],
) -> None:
    end = _parse(truth["end"])
    for routine in truth["routines"]:
        if routine["kind"] == "trigger":
            continue
        held = [t for t in routine["occurrences"] if _parse(t) >= end - timedelta(days=14)]
        assert abs(routine["holdout_occurrences"] - len(held)) <= 1, routine["id"]
        fit = len(routine["occurrences"]) - routine["holdout_occurrences"]
        assert routine["findable"] == (routine["holdout_occurrences"] >= 2 and fit >= 3)
    assert _routine(truth, "bedroom_weekday_morning")["findable"] is True
