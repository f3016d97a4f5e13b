"""The shared world of the simulated home, a pure function of (seed, day).

Days are counted from the Unix epoch in UTC. Everything here is drawn from a random
generator seeded by (seed, tag, day) only, so a day looks the same whatever window asks.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Final

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]

MINUTES: Final[int] = 1440
DAY_US: Final[int] = 86_400_000_000
EPOCH: Final[date] = date(1970, 1, 1)

# The planted heating law: W = SLOPE_W_PER_C * max(0, BASE_C - outdoor) (+ 5 % noise).
HEATING_BASE_C: Final[float] = 15.5
HEATING_SLOPE_W_PER_C: Final[float] = 120.0

TEAM_NAME: Final[str] = "Harbour City FC"
OPPONENTS: Final[tuple[str, ...]] = (
    "Rivertown United", "Northgate Rovers", "Old Mill Athletic", "Lakeside Wanderers",
    "Castle Park", "Seaview Albion", "Hilltop Town", "Forest Green Borough",
)  # fmt: skip
GAME_HOURS: Final[float] = 2.0


def tag_of(text: str) -> int:
    """Return a stable 32-bit number for ``text`` (unlike hash(), the same in every process)."""
    return zlib.crc32(text.encode())


def rng(seed: int, tag: str, day: int) -> np.random.Generator:
    """Return the random generator of (seed, tag, day)."""
    return np.random.default_rng([seed & 0xFFFFFFFF, tag_of(tag), day + 1_000_000])


def day_of(moment: datetime) -> int:
    """Return the epoch day number of ``moment`` (UTC)."""
    return (moment.astimezone(UTC).date() - EPOCH).days


def day_start(day: int) -> datetime:
    """Return midnight UTC of epoch day ``day``."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=day)


def weekday(day: int) -> int:
    """Return Monday=0 .. Sunday=6 of epoch day ``day``."""
    return (day + 3) % 7  # 1970-01-01 was a Thursday


@lru_cache(maxsize=4096)
def _anomaly(seed: int, day: int) -> float:
    return float(rng(seed, "weather", day).normal(0.0, 2.5))


@lru_cache(maxsize=512)
def outdoor_temperature(seed: int, day: int) -> Floats:
    """Return the outdoor temperature (°C) of each minute of ``day``."""
    minutes = np.arange(MINUTES, dtype=np.float64)
    t = day + minutes / MINUTES
    doy = (EPOCH + timedelta(days=day)).timetuple().tm_yday
    seasonal = 10.0 - 8.5 * np.cos(2 * math.pi * (doy + minutes / MINUTES - 20) / 365.25)
    hours = minutes / 60.0
    diurnal = -3.0 * np.cos(2 * np.pi * (hours - 3.0) / 24.0)
    # Weather fronts: a daily anomaly at noon, interpolated so midnight has no jump.
    noons = np.array([day - 1.5, day - 0.5, day + 0.5, day + 1.5])
    values = np.array([_anomaly(seed, d) for d in (day - 2, day - 1, day, day + 1)])
    anomaly = np.interp(t, noons + 0.0, values)
    noise = rng(seed, "outdoor-noise", day).normal(0.0, 0.08, MINUTES)
    out: Floats = seasonal + diurnal + anomaly + noise
    return out


@lru_cache(maxsize=512)
def heating_power(seed: int, day: int) -> Floats:
    """Return the heating load (W) of each minute: the planted law times 5 % noise."""
    load = HEATING_SLOPE_W_PER_C * np.maximum(0.0, HEATING_BASE_C - outdoor_temperature(seed, day))
    noise = rng(seed, "heating-noise", day).normal(1.0, 0.05, MINUTES)
    out: Floats = load * noise
    return out


@dataclass(frozen=True, slots=True)
class Game:
    """One home-team game: kickoff and end (UTC) and the opponent."""

    kickoff: datetime
    end: datetime
    opponent: str


@lru_cache(maxsize=4096)
def game_on(seed: int, day: int) -> Game | None:
    """Return the game played on ``day``, if any: most weekends, some Wednesday evenings."""
    wd = weekday(day)
    week = (day + 3) // 7
    draw = rng(seed, "games", week)
    weekend_day = 5 + int(draw.integers(2))
    has_weekend, has_midweek = draw.random() < 0.8, draw.random() < 0.35
    kickoff_minute = int(draw.choice([12 * 60 + 30, 14 * 60 + 30, 16 * 60 + 45]))
    opponents = draw.permutation(len(OPPONENTS))
    if wd == weekend_day and has_weekend:
        opponent = OPPONENTS[int(opponents[0])]
    elif wd == 2 and has_midweek:
        kickoff_minute, opponent = 19 * 60 + 45, OPPONENTS[int(opponents[1])]
    else:
        return None
    kickoff = day_start(day) + timedelta(minutes=kickoff_minute)
    return Game(kickoff=kickoff, end=kickoff + timedelta(hours=GAME_HOURS), opponent=opponent)


def price_per_hour(seed: int, day: int) -> Floats:
    """Return the electricity price (EUR/kWh) of each hour of ``day``."""
    draw = rng(seed, "price", day)
    hours = np.arange(24)
    evening = np.where((hours >= 17) & (hours < 21), 0.07, 0.0)
    night = np.where((hours >= 1) & (hours < 6), -0.05, 0.0)
    solar = np.where((hours >= 11) & (hours < 15), -0.03, 0.0)
    out: Floats = (
        0.24 + evening + night + solar + draw.normal(0.0, 0.02) + draw.normal(0.0, 0.008, 24)
    )
    return np.maximum(out, 0.01)
