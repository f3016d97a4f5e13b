"""Sun times per local day, unset locations, and the circular/chance statistics."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from analytics.chance import (
    benjamini_hochberg,
    binomial_tail,
    circular_mean,
    circular_spread,
    paired_variance_p,
    wilson_lower,
)
from analytics.errors import InsufficientData
from analytics.place import HomePlace, check_time_zone, sun_table


def test_sunset_in_local_time_jumps_back_an_hour_at_the_dst_change() -> None:
    place = HomePlace(time_zone="Europe/Amsterdam", latitude=52.37, longitude=4.90)
    table = sun_table(place, [date(2026, 10, 24), date(2026, 10, 25)])
    before, after = table["sunset"].to_list()
    assert before - after == pytest.approx(60 + 2, abs=1.5)  # an hour plus ~2 min of season


def test_polar_night_has_no_sunrise() -> None:
    place = HomePlace(time_zone="Arctic/Longyearbyen", latitude=78.2, longitude=15.6)
    table = sun_table(place, [date(2026, 12, 21)])
    assert table["sunrise"].to_list() == [None]


@pytest.mark.parametrize(("lat", "lon"), [(0.0, 0.0), (None, None), (95.0, 0.0)])
def test_unset_or_impossible_location_has_no_sun_times(
    lat: float | None, lon: float | None
) -> None:
    place = HomePlace(time_zone="UTC", latitude=lat, longitude=lon)
    assert not place.has_location
    assert sun_table(place, [date(2026, 6, 1)])["sunset"].to_list() == [None]


def test_unknown_time_zone_says_which_setting() -> None:
    with pytest.raises(InsufficientData, match="HOMEIQ_TIMEZONE"):
        check_time_zone("Mars/Olympus")


def test_circular_mean_of_2355_and_0005_is_midnight() -> None:
    mean = circular_mean(np.array([23 * 60 + 55.0, 5.0]))
    assert min(mean, 1440 - mean) < 1e-6
    assert circular_spread(np.array([23 * 60 + 55.0, 5.0])) == pytest.approx(7.07, abs=0.01)


def test_paired_variance_p_detects_the_smaller_spread() -> None:
    draw = np.random.default_rng(1)
    season = np.linspace(-40, 40, 40)
    noise = draw.normal(0, 4, 40)
    clock = season + noise  # clock deviations carry the sun's drift
    assert paired_variance_p(clock, noise) < 0.001
    assert paired_variance_p(noise, clock) > 0.5


def test_binomial_tail_and_wilson_bound() -> None:
    assert binomial_tail(2, 2, 0.1) == pytest.approx(0.01)
    assert binomial_tail(0, 5, 0.3) == 1.0
    assert 0.6 < wilson_lower(14, 14) < 0.8
    assert wilson_lower(0, 0) == 0.0


def test_benjamini_hochberg_keeps_the_strong_and_drops_the_weak() -> None:
    assert benjamini_hochberg([1e-6, 0.02, 0.5], 0.05) == [True, True, False]
    assert benjamini_hochberg([0.04, 0.05, 0.5], 0.05) == [False, False, False]
