"""The worker's one backoff: doubling, capped, jittered, reset by a success."""

from __future__ import annotations

import pytest

from ingest_worker.backoff import Backoff


def test_delays_double_within_half_and_full_step() -> None:
    backoff = Backoff(base=1.0, cap=1000.0)
    for failure in range(1, 9):
        step = 2.0 ** (failure - 1)
        assert step / 2 <= backoff.next_delay() <= step


def test_delays_stop_growing_at_the_cap_but_keep_their_jitter() -> None:
    backoff = Backoff(base=1.0, cap=30.0)
    delays = [backoff.next_delay() for _ in range(200)][10:]
    assert all(15.0 <= delay <= 30.0 for delay in delays)
    assert len({round(delay, 6) for delay in delays}) > 100  # no lockstep at the cap


def test_reset_starts_again_at_the_base() -> None:
    backoff = Backoff(base=0.2, cap=5.0)
    for _ in range(10):
        backoff.next_delay()
    backoff.reset()
    assert 0.1 <= backoff.next_delay() <= 0.2


def test_a_cap_below_the_base_is_refused() -> None:
    with pytest.raises(ValueError, match=r"base=2\.0, cap=1\.0"):
        Backoff(base=2.0, cap=1.0)


async def test_sleep_waits_the_delay_it_returns() -> None:
    backoff = Backoff(base=0.02, cap=0.02)
    assert 0.01 <= await backoff.sleep() <= 0.02
    assert backoff.failures == 1
