"""Onsets: state entries only, unknown/unavailable runs skipped, contexts kept, local time."""

from __future__ import annotations

from datetime import date

import polars as pl

from analytics.onsets import ROLES, onsets
from tests.analytics.habits import History


def test_every_role_row_has_a_reason_and_a_unique_domain() -> None:
    assert len({r.domain for r in ROLES}) == len(ROLES)
    assert all(r.reason and (r.target or r.trigger) for r in ROLES)


def test_attribute_only_updates_are_not_onsets() -> None:
    history = History(time_zone="UTC", first=date(2026, 1, 5), days=1)
    day = history.first
    for minute, state in [(60, "off"), (61, "on"), (62, "on"), (63, "on"), (70, "off")]:
        history.at(day, minute, "light.a", state)
    found = history.onsets()
    assert found["state"].to_list() == ["on", "off"]


def test_coming_back_from_unavailable_is_not_an_onset() -> None:
    history = History(time_zone="UTC", first=date(2026, 1, 5), days=1)
    day = history.first
    for minute, state in [
        (60, "off"),
        (61, "unavailable"),
        (62, "on"),
        (63, "unknown"),
        (64, "off"),
    ]:
        history.at(day, minute, "light.a", state)
    assert history.onsets().height == 0


def test_cover_opening_then_open_is_one_onset() -> None:
    history = History(time_zone="UTC", first=date(2026, 1, 5), days=1)
    for minute, state in [(60, "closed"), (61, "opening"), (62, "open")]:
        history.at(history.first, minute, "cover.blind", state)
    assert history.onsets()["state"].to_list() == ["open"]


def test_scene_and_button_timestamps_are_activations() -> None:
    history = History(time_zone="UTC", first=date(2026, 1, 5), days=1)
    history.at(history.first, 60, "scene.movie", "unknown")
    history.at(history.first, 61, "scene.movie", "2026-01-05T01:01:00+00:00")
    history.at(history.first, 62, "button.door", "2026-01-05T01:01:00+00:00")
    history.at(history.first, 63, "button.door", "2026-01-05T01:03:00+00:00")
    found = history.onsets()
    assert found.select("entity_id", "state").rows() == [
        ("button.door", "pressed"),
        ("scene.movie", "activated"),
    ]


def test_local_minute_and_weekday_follow_the_home_zone() -> None:
    history = History(time_zone="America/New_York", first=date(2026, 3, 7), days=2)
    history.at(history.first, 23 * 60 + 50, "light.a", "off")
    history.at(history.first, 23 * 60 + 55, "light.a", "on")  # Saturday 23:55 local = Sunday UTC
    (row,) = history.onsets().rows(named=True)
    assert row["local_date"] == date(2026, 3, 7)
    assert row["weekday"] == 5
    assert abs(row["minute"] - (23 * 60 + 55)) < 1e-6


def test_context_columns_are_optional() -> None:
    frame = pl.DataFrame(
        {
            "time": pl.Series(
                ["2026-01-05T01:00:00", "2026-01-05T02:00:00"], dtype=pl.String
            ).str.to_datetime(time_zone="UTC"),
            "entity_id": ["light.a", "light.a"],
            "state": ["off", "on"],
        }
    )
    (row,) = onsets(frame, time_zone="UTC").rows(named=True)
    assert (row["automated"], row["by_user"], row["target"]) == (False, False, True)


def test_sensors_play_no_role() -> None:
    history = History(time_zone="UTC", first=date(2026, 1, 5), days=1)
    for minute in range(0, 600):
        history.at(history.first, minute, "sensor.power", str(minute % 7))
    assert history.onsets().height == 0
