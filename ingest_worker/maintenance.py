"""Store housekeeping on a schedule: raw retention (rollups kept) and, where the backend
needs them, rollups.

The embedded store builds its 1h/1d rollups inside ``apply_retention``; InfluxDB 3 Core has no
downsampling tasks, so its store exposes ``maintain_rollups(now)`` and the worker calls it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ingest_worker.daemon_thread import in_daemon_thread
from storage.errors import StoreError
from storage.protocol import TimeSeriesStore

_log = logging.getLogger(__name__)


class StoreMaintenance:
    """Runs retention every ``retention_interval`` s and rollups every ``rollup_interval`` s."""

    def __init__(
        self,
        store: TimeSeriesStore,
        *,
        raw_days: int,
        rollup_interval: float = 300.0,
        retention_interval: float = 86_400.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._raw_days = raw_days
        self._rollup_interval = rollup_interval
        self._retention_interval = retention_interval
        self._clock = clock
        self._failing = False
        self.retention_runs = 0
        self.rollup_runs = 0

    async def run(self) -> None:
        """Run housekeeping until cancelled: retention first, then on its schedule."""
        loop = asyncio.get_running_loop()
        next_retention = loop.time()
        while True:
            if loop.time() >= next_retention:
                if await self._call("apply_retention", self._raw_days):
                    self.retention_runs += 1
                next_retention = loop.time() + self._retention_interval
            maintain = getattr(self._store, "maintain_rollups", None)
            if maintain is not None and await self._call("maintain_rollups", self._clock()):
                self.rollup_runs += 1
            await asyncio.sleep(min(self._rollup_interval, self._retention_interval))

    async def _call(self, method: str, *args: Any) -> bool:
        try:
            await in_daemon_thread(getattr(self._store, method), *args)
        except StoreError as err:
            if not self._failing:
                _log.warning("store housekeeping (%s) failed, will retry: %s", method, err)
            self._failing = True
            return False
        if self._failing:
            _log.info("store housekeeping resumed")
        self._failing = False
        return True
