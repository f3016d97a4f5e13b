"""Local wall-clock times become the right UTC instants, DST changes included; sun from astral."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest

from homeiq.sim.place import Place, dst_changes, is_away, sun_minute, to_utc_us, weekday

AMSTERDAM = Place(timezone="Europe/Amsterdam")


def _day(when: date) -> int:
    return (when - date(1970, 1, 1)).days


def _utc(place: Place, when: date, hh: int, mm: int) -> datetime:
    wall = np.array([(hh * 3600 + mm * 60) * 1_000_000], dtype=np.int64)
    micros = int(to_utc_us(place, _day(when), wall)[0])
    return datetime.fromtimestamp(micros / 1e6, tz=UTC)


def test_summer_and_winter_wall_times_map_to_their_offsets() -> None:
    assert _utc(AMSTERDAM, date(2026, 10, 23), 6, 45) == datetime(2026, 10, 23, 4, 45, tzinfo=UTC)
    assert _utc(AMSTERDAM, date(2026, 10, 26), 6, 45) == datetime(2026, 10, 26, 5, 45, tzinfo=UTC)


def test_on_the_change_day_times_after_the_change_use_the_new_offset() -> None:
    assert _utc(AMSTERDAM, date(2026, 10, 25), 1, 30) == datetime(2026, 10, 24, 23, 30, tzinfo=UTC)
    assert _utc(AMSTERDAM, date(2026, 10, 25), 6, 45) == datetime(2026, 10, 25, 5, 45, tzinfo=UTC)


def test_a_wall_time_skipped_in_spring_lands_an_hour_later() -> None:
    # 02:30 does not exist on 2026-03-29 in Amsterdam; it is read as 03:30 CEST
    assert _utc(AMSTERDAM, date(2026, 3, 29), 2, 30) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_dst_changes_are_found_in_a_window() -> None:
    start, end = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
    assert dst_changes(AMSTERDAM, start, end) == [datetime(2026, 10, 25, 1, 0, tzinfo=UTC)]
    assert dst_changes(Place(timezone="Asia/Tokyo"), start, end) == []


def test_sunset_in_amsterdam_is_astral_local_minute() -> None:
    minute = sun_minute(AMSTERDAM, _day(date(2026, 6, 21)), "sunset")
    assert 22 * 60 - 5 < minute < 22 * 60 + 10  # about 22:07 CEST at midsummer


def test_polar_night_gives_a_stand_in_time_not_an_error() -> None:
    tromso = Place(timezone="Europe/Oslo", latitude=69.65, longitude=18.96)
    assert sun_minute(tromso, _day(date(2026, 12, 21)), "sunset") == 18 * 60.0


def test_unknown_time_zone_is_refused_with_the_name() -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        Place(timezone="Mars/Olympus")


def test_away_weeks_run_saturday_to_friday_once_in_four_weeks() -> None:
    days = range(_day(date(2026, 1, 3)), _day(date(2026, 1, 3)) + 56)
    away = [d for d in days if is_away(42, d)]
    assert len(away) == 14
    assert weekday(away[0]) == 5 and weekday(away[6]) == 4
