"""The one retry backoff of the worker: exponential, capped, jittered (tenacity's waits).

Used by the HA source and the MQTT source between reconnects and by the spool writer while
the store is down. The n-th delay is ``min(cap, base * 2**(n-1))`` times a random factor in
[0.5, 1]: half of it fixed, so a retry never comes much sooner than the step, and half
random, so many workers (or sources) that lost a peer together do not retry in lockstep,
not even once every delay has reached the cap.
"""

from __future__ import annotations

import asyncio

from tenacity import RetryCallState, wait_exponential, wait_random_exponential


class Backoff:
    """Delays for consecutive failures; ``reset`` after a success starts over at ``base``."""

    def __init__(self, *, base: float, cap: float) -> None:
        if base <= 0 or cap < base:
            raise ValueError(f"backoff needs 0 < base <= cap, got base={base}, cap={cap}")
        self.base = base
        self.cap = cap
        half = {"multiplier": base / 2, "max": cap / 2}
        self._wait = wait_exponential(**half) + wait_random_exponential(**half)
        self.failures = 0

    def next_delay(self) -> float:
        """Count one more failure and return the seconds to wait before the next try."""
        self.failures += 1
        # tenacity computes waits from a retry state; only its attempt number matters here.
        state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
        state.attempt_number = self.failures
        return float(self._wait(state))

    async def sleep(self) -> float:
        """Count one more failure, wait its delay, and return the delay."""
        delay = self.next_delay()
        await asyncio.sleep(delay)
        return delay

    def reset(self) -> None:
        """Forget the failures (after a success)."""
        self.failures = 0
