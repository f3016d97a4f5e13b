"""Circular statistics on the 24 h clock and the chance tests the detectors share.

The tails are computed here with ``math`` rather than with scipy.stats, whose import alone
costs seconds on a loaded two-core box: analysis runs every day in a fresh process.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

MINUTES_PER_DAY: Final[float] = 1440.0

Floats = npt.NDArray[np.float64]


def circular_offset(minutes: Floats, centre: float) -> Floats:
    """Return signed minutes from ``centre`` on the 24 h clock (23:58 is -5 from 00:03)."""
    half = MINUTES_PER_DAY / 2
    return np.asarray((minutes - centre + half) % MINUTES_PER_DAY - half, dtype=np.float64)


def circular_mean(minutes: Floats) -> float:
    """Return the circular mean minute of the day of ``minutes`` (0 <= result < 1440)."""
    angles = minutes * (2 * math.pi / MINUTES_PER_DAY)
    mean = math.atan2(float(np.sin(angles).mean()), float(np.cos(angles).mean()))
    return (mean * MINUTES_PER_DAY / (2 * math.pi)) % MINUTES_PER_DAY


def circular_spread(minutes: Floats) -> float:
    """Return the standard deviation in minutes of ``minutes`` around their circular mean."""
    if minutes.size < 2:
        return 0.0
    return float(circular_offset(minutes, circular_mean(minutes)).std(ddof=1))


def window_chance(daily_counts: Floats, width_minutes: float) -> Floats:
    """Return, per day, the chance that a window of ``width_minutes`` holds an onset by luck.

    The day's onsets are taken as spread uniformly over 24 h (the entity's own count that
    day), so a chatty entity is expected to hit any window often and must do better.
    """
    share = min(max(width_minutes / MINUTES_PER_DAY, 0.0), 1.0)
    return np.asarray(1.0 - (1.0 - share) ** daily_counts, dtype=np.float64)


def _log_binom_pmf(k: int, n: int, log_p: float, log_q: float) -> float:
    return (
        math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * log_p
        + (n - k) * log_q
    )  # fmt: skip


def binomial_tail(hits: int, trials: int, chance: float) -> float:
    """Return P(X >= hits) for X ~ Binomial(trials, chance)."""
    if hits <= 0:
        return 1.0
    if trials <= 0 or hits > trials:
        return 0.0 if trials > 0 else 1.0
    p = min(max(chance, 1e-12), 1.0)
    if p >= 1.0:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    total = sum(math.exp(_log_binom_pmf(k, trials, log_p, log_q)) for k in range(hits, trials + 1))
    return min(total, 1.0)


def poisson_tail(observed: int, expected: float) -> float:
    """Return P(X >= observed) for X ~ Poisson(expected)."""
    if observed <= 0:
        return 1.0
    lam = max(expected, 1e-12)
    if observed <= lam:
        # Below the mean the tail is large: one minus the short head is exact enough.
        head = sum(math.exp(k * math.log(lam) - lam - math.lgamma(k + 1)) for k in range(observed))
        return max(0.0, min(1.0, 1.0 - head))
    term = math.exp(observed * math.log(lam) - lam - math.lgamma(observed + 1))
    total, k = 0.0, observed
    while term > 1e-300 and term > total * 1e-16:
        total += term
        k += 1
        term *= lam / k
    return min(total, 1.0)


def paired_variance_p(x: Floats, y: Floats) -> float:
    """Return the one-sided Pitman-Morgan p-value that var(y) < var(x) for paired samples.

    var(x) - var(y) = cov(x + y, x - y), so the test is whether corr(x + y, x - y) > 0;
    the correlation is tested with Fisher's z (atanh(r) * sqrt(n - 3) is about normal).
    """
    n = x.size
    if n < 4:
        return 1.0
    total, diff = x + y, x - y
    if total.std() == 0 or diff.std() == 0:
        return 0.0 if float(np.var(y)) < float(np.var(x)) else 1.0
    r = float(np.corrcoef(total, diff)[0, 1])
    r = min(max(r, -0.999999), 0.999999)
    z = math.atanh(r) * math.sqrt(n - 3)
    return 0.5 * math.erfc(z / math.sqrt(2))


def benjamini_hochberg(p_values: Sequence[float], q: float) -> list[bool]:
    """Return which p-values are discoveries at false discovery rate ``q``."""
    m = len(p_values)
    if m == 0:
        return []
    order = sorted(range(m), key=lambda i: p_values[i])
    cutoff = -1
    for rank, index in enumerate(order, start=1):
        if p_values[index] <= q * rank / m:
            cutoff = rank
    keep = [False] * m
    for rank, index in enumerate(order, start=1):
        keep[index] = rank <= cutoff
    return keep


def wilson_lower(hits: int, trials: int, z: float = 1.96) -> float:
    """Return the Wilson score lower bound of the proportion ``hits / trials``."""
    if trials <= 0:
        return 0.0
    p = hits / trials
    denom = 1 + z * z / trials
    centre = p + z * z / (2 * trials)
    margin = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    return max(0.0, (centre - margin) / denom)
