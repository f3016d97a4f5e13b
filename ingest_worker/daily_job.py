"""A command run once a day at a local wall-clock time, in a child process.

The worker uses it for the daily analysis (HOMEIQ_ANALYZE_AT): the analysis reads weeks of
history through DuckDB and polars, and a child process gives all of that memory back when it
exits, so the long-running worker stays small (tests/ingest/test_worker_footprint.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

_log = logging.getLogger(__name__)


def next_run(now: datetime, at: time, zone: ZoneInfo) -> datetime:
    """Return the first moment after ``now`` (aware) when the local clock in ``zone`` shows ``at``.

    On a spring-forward day a skipped ``at`` (02:30) runs at the same UTC offset it would have
    had, i.e. an hour later on the new clock; on an autumn day a repeated one runs once.
    """
    local = now.astimezone(zone)
    for days in range(0, 3):
        day = local.date() + timedelta(days=days)
        candidate = datetime.combine(day, at, tzinfo=zone)
        moment = candidate.astimezone(UTC)
        if moment > now:
            return moment
    raise AssertionError("a local time recurs within three days")  # pragma: no cover


class DailyJob:
    """Runs ``command`` as a child process every day at ``at`` (local time of ``time_zone``)."""

    def __init__(
        self,
        *,
        name: str,
        command: Sequence[str],
        at: time,
        time_zone: str,
        timeout_s: float = 3600.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.name = name
        self._command = list(command)
        self._at = at
        self._zone = ZoneInfo(time_zone)
        self._timeout_s = timeout_s
        self._clock = clock
        self.runs = 0
        self.last_exit: int | None = None
        self.last_run: datetime | None = None

    async def run(self) -> None:
        """Wait for each day's time and run the command, until cancelled."""
        while True:
            now = self._clock()
            due = next_run(now, self._at, self._zone)
            _log.info("%s: next run at %s", self.name, due.astimezone(self._zone).isoformat())
            await asyncio.sleep(max((due - now).total_seconds(), 0.0))
            await self.run_once()

    async def run_once(self) -> int:
        """Run the command now in a child process; return its exit code (-1 when it hung)."""
        self.last_run = self._clock()
        child = await asyncio.create_subprocess_exec(
            *self._command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        try:
            output, _ = await asyncio.wait_for(child.communicate(), timeout=self._timeout_s)
        except TimeoutError:
            child.kill()
            await child.wait()
            _log.error(
                "%s did not finish within %.0f s and was stopped", self.name, self._timeout_s
            )
            self.last_exit = -1
            return -1
        code = child.returncode if child.returncode is not None else -1
        tail = output.decode(errors="replace").strip().splitlines()[-1:] if output else []
        if code == 0:
            _log.info("%s finished: %s", self.name, tail[0] if tail else "ok")
        else:
            _log.warning("%s failed (exit %d): %s", self.name, code, tail[0] if tail else "")
        self.runs += 1
        self.last_exit = code
        return code
