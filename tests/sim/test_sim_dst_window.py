"""The default demo window stretches back to cover the time zone's latest DST change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from homeiq.sim.dst_window import (
    DEFAULT_DAYS,
    DST_MARGIN_DAYS,
    MAX_DEFAULT_DAYS,
    default_window,
    describe_change,
    last_offset_change,
)
from homeiq.sim.place import Place, dst_changes

AMSTERDAM = Place(timezone="Europe/Amsterdam")
AUTUMN_2026 = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)  # 03:00 CEST -> 02:00 CET


def test_amsterdam_window_ending_december_covers_the_october_change() -> None:
    end = datetime(2026, 12, 1, tzinfo=UTC)
    window = default_window(AMSTERDAM, end)
    start = end - timedelta(days=window.days)
    assert window.change is not None and window.change.at == AUTUMN_2026
    assert dst_changes(AMSTERDAM, start, end) == [AUTUMN_2026]
    assert start <= AUTUMN_2026 - timedelta(days=DST_MARGIN_DAYS)
    assert window.days == 44  # 37 days and 23 hours since the change, plus a week


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo", "America/Sao_Paulo"])
def test_zone_without_a_recent_change_keeps_30_days(zone: str) -> None:
    window = default_window(Place(timezone=zone), datetime(2026, 12, 1, tzinfo=UTC))
    assert (window.days, window.change) == (DEFAULT_DAYS, None)


def test_change_well_inside_30_days_keeps_30_days() -> None:
    window = default_window(AMSTERDAM, datetime(2026, 11, 10, tzinfo=UTC))
    assert window.days == DEFAULT_DAYS
    assert window.change is not None and window.change.at == AUTUMN_2026


def test_longest_gap_between_changes_fits_under_the_cap() -> None:
    # New York's clocks last changed on 2026-03-08; the next change is 2026-11-01
    new_york = Place(timezone="America/New_York")
    end = datetime(2026, 11, 1, 5, 0, tzinfo=UTC)
    window = default_window(new_york, end)
    assert window.change is not None
    assert window.change.at == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    assert window.days <= MAX_DEFAULT_DAYS
    assert end - timedelta(days=window.days) <= window.change.at - timedelta(days=DST_MARGIN_DAYS)


def test_half_hour_change_is_found_to_the_second() -> None:
    change = last_offset_change(
        ZoneInfo("Australia/Lord_Howe"), datetime(2026, 12, 1, tzinfo=UTC), within=timedelta(90)
    )
    assert change is not None
    assert change.at == datetime(2026, 10, 3, 15, 30, tzinfo=UTC)
    assert (change.before, change.after) == (timedelta(hours=10, minutes=30), timedelta(hours=11))


def test_change_is_described_in_local_and_utc_time() -> None:
    window = default_window(AMSTERDAM, datetime(2026, 12, 1, tzinfo=UTC))
    assert window.change is not None
    assert describe_change(AMSTERDAM, window.change) == (
        "2026-10-25, clocks 03:00 -> 02:00 (2026-10-25 01:00Z, UTC+02:00 -> UTC+01:00)"
    )
