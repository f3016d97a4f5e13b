"""Store housekeeping on a schedule: raw retention (rollups kept) and rollup maintenance.

Both are ``TimeSeriesStore`` methods: the embedded store builds its 1h/1d rollups inside
``apply_retention`` (its ``maintain_rollups`` does nothing); InfluxDB 3 Core has no
downsampling tasks, so its store computes rollups in ``maintain_rollups``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

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
                if await self._retention():
                    self.retention_runs += 1
                next_retention = loop.time() + self._retention_interval
            if await self._rollups():
                self.rollup_runs += 1
            await asyncio.sleep(min(self._rollup_interval, self._retention_interval))

    async def _retention(self) -> bool:
        try:
            await in_daemon_thread(lambda: self._store.apply_retention(self._raw_days))
        except StoreError as err:
            return self._failed("retention", err)
        return self._succeeded()

    async def _rollups(self) -> bool:
        try:
            await in_daemon_thread(lambda: self._store.maintain_rollups(self._clock()))
        except StoreError as err:
            return self._failed("rollups", err)
        return self._succeeded()

    def _failed(self, what: str, err: StoreError) -> bool:
        """Log the first failure of a run of failures; return False."""
        if not self._failing:
            _log.warning("store housekeeping (%s) failed, will retry: %s", what, err)
        self._failing = True
        return False

    def _succeeded(self) -> bool:
        """Log the end of a run of failures; return True."""
        if self._failing:
            _log.info("store housekeeping resumed")
        self._failing = False
        return True
