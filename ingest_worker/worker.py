"""The ingest worker: sources, spool writer, health server and status row in one TaskGroup.

Shutdown (SIGINT/SIGTERM): sources stop first (an MQTT message not yet spooled stays
unacknowledged at the broker), pending puts commit, the writer gets what is left of the
grace period to drain the spool into the store, and the spool closes. Whatever the writer
could not store in time stays in the spool for the next start. The whole sequence is
bounded by ``shutdown_grace`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from typing import Any, Protocol

from ingest_worker.base import AuthenticationFailed, SourceState, SourceStatus
from ingest_worker.daily_job import DailyJob
from ingest_worker.ha.home_sync import HomeMetadata
from ingest_worker.health import HealthServer
from ingest_worker.maintenance import StoreMaintenance
from ingest_worker.mqtt import MqttSource, QuarantineSink, parse_broker_url
from ingest_worker.spool import Spool
from ingest_worker.status import StatusBoard
from ingest_worker.writer import SpoolWriter
from storage.metadata.records import WorkerStatus
from storage.metadata.worker_report import RESTART_COMPONENT, WorkerReport, WorkerRestart
from storage.protocol import TimeSeriesStore

_log = logging.getLogger(__name__)


class NoSourceConfigured(Exception):
    """Neither Home Assistant nor MQTT is configured, so there is nothing to ingest."""


class _StopRequested(Exception):
    pass


class MetadataSink(QuarantineSink, HomeMetadata, Protocol):
    """The part of storage.metadata.MetadataStore the worker uses."""

    def set_worker_status(self, component: str, payload: Mapping[str, Any]) -> None:
        """Store the worker's status row."""
        ...

    def worker_status(self) -> Mapping[str, WorkerStatus]:
        """Return the newest status row of each component."""
        ...


class RunnableSource(Protocol):
    """A source coordinator: runs until cancelled."""

    async def run(self) -> None:
        """Receive events until cancelled."""
        ...


def tune_gc() -> None:
    """Make Python's cyclic garbage collector cheap for a worker process under an event flood.

    Decoding HA frames allocates millions of short-lived dicts. With the default thresholds
    a young collection runs every 700 allocations and older ones walk every object the
    imports left; those are frozen (kept, never walked) and the young threshold raised.
    Reference counting still frees each event as soon as it is spooled. Process-wide, so
    only ``homeiq ingest`` calls it.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 1_000)


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerConfig:
    """Plain values the worker runs with (the CLI builds this from Settings)."""

    spool_path: Path
    spool_max_bytes: int
    batch_size: int = 5000
    health_host: str = "127.0.0.1"
    health_port: int = 8765
    ha_url: str | None = None
    ha_token: str | None = None
    first_backfill: timedelta = timedelta(hours=24)
    mqtt_url: str | None = None
    mqtt_topics: Sequence[str] = field(default_factory=list)
    mqtt_client_id: str = "homeiq-ingest"
    mqtt_max_payload_bytes: int = 256 * 1024
    status_interval: float = 5.0
    raw_retention_days: int | None = None  # None: the worker leaves retention alone
    maintenance_interval: float = 300.0
    shutdown_grace: float = 4.0
    # The daily analysis: a command (``homeiq analyze``) run in a child process at a local time.
    analyze_command: Sequence[str] = ()
    analyze_at: wall_time | None = None
    time_zone: str = "UTC"

    def check(self) -> None:
        """Raise NoSourceConfigured or ValueError when the worker cannot start as configured."""
        if not self.ha_url and not self.mqtt_url:
            raise NoSourceConfigured(
                "no source configured: set HOMEIQ_HA_URL (with HOMEIQ_HA_TOKEN or "
                "HOMEIQ_HA_TOKEN_FILE) and/or HOMEIQ_MQTT_URL"
            )
        if self.ha_url and not self.ha_token:
            raise ValueError(
                f"HOMEIQ_HA_URL is {self.ha_url} but no token is set; set HOMEIQ_HA_TOKEN or "
                "HOMEIQ_HA_TOKEN_FILE to a long-lived access token"
            )
        if self.mqtt_url:
            parse_broker_url(self.mqtt_url)


class Worker:
    """Runs one ingest worker until a signal or a fatal error; ``run`` returns the exit code."""

    def __init__(
        self, config: WorkerConfig, *, store: TimeSeriesStore, metadata: MetadataSink | None
    ) -> None:
        config.check()
        self._config = config
        self._store = store
        self._metadata = metadata
        self._stop = asyncio.Event()
        self._exit_code = 0
        self._enforcer: asyncio.Task[None] | None = None
        self.board: StatusBoard | None = None
        self.health: HealthServer | None = None

    def request_stop(self, exit_code: int = 0) -> None:
        """Ask the worker to flush and exit with ``exit_code``."""
        if not self._stop.is_set():
            self._exit_code = exit_code
        self._stop.set()

    async def run(self) -> int:
        """Run every component until stopped; return the process exit code."""
        cfg = self._config
        spool = await Spool(cfg.spool_path, max_bytes=cfg.spool_max_bytes).open()
        writer = SpoolWriter(spool, self._store, batch_size=cfg.batch_size)
        statuses: dict[str, SourceStatus] = {}
        sources: dict[str, RunnableSource] = {}
        board = StatusBoard(
            spool=spool, writer=writer.state, sources=statuses, backend=self._store.backend
        )
        self.board = board
        if cfg.ha_url and cfg.ha_token:
            statuses["ha"] = SourceStatus(name="ha")
            sources["ha"] = self._ha_source(spool, statuses["ha"])
        if cfg.mqtt_url:
            statuses["mqtt"] = SourceStatus(name="mqtt")
            sources["mqtt"] = MqttSource(
                broker=parse_broker_url(cfg.mqtt_url),
                topics=cfg.mqtt_topics,
                client_id=cfg.mqtt_client_id,
                sink=spool,
                status=statuses["mqtt"],
                quarantine=self._metadata,
                registry=self._metadata,
                max_payload_bytes=cfg.mqtt_max_payload_bytes,
                on_quarantine=board.count_quarantine,
            )
        board.sources = statuses
        if self._metadata is not None:
            try:
                await asyncio.to_thread(self._record_restart, board.started_at)
            except Exception as failure:  # advisory, like every status row
                _log.warning("cannot record how long the worker was away: %s", failure)
        self.health = HealthServer(board, host=cfg.health_host, port=cfg.health_port)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.request_stop)
        try:
            await self._run_tasks(sources, writer, board)
        except* _StopRequested:
            pass
        except* Exception as group:
            for err in group.exceptions:
                _log.error("ingest worker stopped: %s", err)
            self._exit_code = 1
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)
            if self._enforcer is not None:
                self._enforcer.cancel()
            await self._shutdown(spool, writer, board)
        return self._exit_code

    def _record_restart(self, started_at: datetime) -> None:
        """Keep when the previous run last reported, so the Health page can say how long the
        worker was away (its status row is about to be replaced)."""
        assert self._metadata is not None
        previous = self._metadata.worker_status().get("worker")
        if previous is None:
            return
        stopped = WorkerReport.from_json(previous.payload).stopped_at
        restart = WorkerRestart(
            away_from=stopped or previous.updated_at,
            back_at=started_at,
            clean_stop=stopped is not None,
        )
        self._metadata.set_worker_status(RESTART_COMPONENT, restart.to_json())

    async def _run_tasks(
        self, sources: Mapping[str, RunnableSource], writer: SpoolWriter, board: StatusBoard
    ) -> None:
        assert self.health is not None
        async with asyncio.TaskGroup() as group:
            tasks = [
                group.create_task(writer.run(), name="writer"),
                group.create_task(self.health.run(), name="health"),
                group.create_task(self._publish_status(board), name="status"),
            ]
            if self._config.raw_retention_days is not None:
                housekeeping = StoreMaintenance(
                    self._store,
                    raw_days=self._config.raw_retention_days,
                    rollup_interval=self._config.maintenance_interval,
                )
                tasks.append(group.create_task(housekeeping.run(), name="housekeeping"))
            if self._config.analyze_at is not None and self._config.analyze_command:
                daily = DailyJob(
                    name="daily analysis",
                    command=self._config.analyze_command,
                    at=self._config.analyze_at,
                    time_zone=self._config.time_zone,
                )
                tasks.append(group.create_task(daily.run(), name="analysis"))
            for name, source in sources.items():
                tasks.append(
                    group.create_task(self._guard(name, source, board), name=f"source-{name}")
                )
            group.create_task(self._wait_for_stop(tasks), name="shutdown")

    async def _wait_for_stop(self, tasks: list[asyncio.Task[None]]) -> None:
        await self._stop.wait()
        _log.info("stopping: flushing the spool")
        self._enforcer = asyncio.create_task(self._enforce_stop(tasks), name="stop-enforcer")
        raise _StopRequested

    async def _enforce_stop(self, tasks: list[asyncio.Task[None]]) -> None:
        # A task that swallows one CancelledError (a broad suppress in a finally) would hold
        # the TaskGroup open forever; cancel stragglers again, and as the last resort exit
        # hard: every committed event is already durable in the spool, and MQTT messages
        # not yet acknowledged come back from the broker.
        deadline = time.monotonic() + self._config.shutdown_grace
        while time.monotonic() < deadline:
            await asyncio.sleep(0.25)
            stuck = [task for task in tasks if not task.done()]
            if not stuck:
                return
            for task in stuck:
                task.cancel()
        stuck_names = [task.get_name() for task in tasks if not task.done()]
        _log.error(
            "task(s) %s ignored cancellation for %.0f s; exiting without waiting for them",
            ", ".join(stuck_names),
            self._config.shutdown_grace,
        )
        logging.shutdown()
        os._exit(self._exit_code or 1)

    async def _guard(self, name: str, source: RunnableSource, board: StatusBoard) -> None:
        status = board.sources[name]
        try:
            await source.run()
        except AuthenticationFailed as err:
            status.state = SourceState.FAILED
            status.last_error = str(err)
            _log.error("%s source stopped: %s", name, err)
            alive = [s for key, s in board.sources.items() if key != name and s.state != "failed"]
            if not alive:
                self.request_stop(exit_code=2)

    async def _publish_status(self, board: StatusBoard) -> None:
        last_publish = 0.0
        failing = False
        while True:
            board.tick()
            now = time.monotonic()
            if self._metadata is not None and now - last_publish >= self._config.status_interval:
                last_publish = now
                try:
                    await asyncio.to_thread(
                        self._metadata.set_worker_status, "worker", board.report().to_json()
                    )
                    failing = False
                except Exception as err:  # the status row is advisory; ingest goes on
                    if not failing:
                        _log.warning("cannot write worker status to metadata: %s", err)
                    failing = True
            await asyncio.sleep(1.0)

    async def _shutdown(self, spool: Spool, writer: SpoolWriter, board: StatusBoard) -> None:
        deadline = time.monotonic() + self._config.shutdown_grace
        with contextlib.suppress(Exception):
            await asyncio.wait_for(spool.flush(), max(0.1, deadline - time.monotonic()))
        try:
            drained = await asyncio.wait_for(
                writer.drain(deadline - 0.5), max(0.1, deadline - time.monotonic())
            )
            _log.info("stored %d events while stopping", drained)
        except Exception as err:
            _log.warning("could not store every spooled event before exit (%s); they stay", err)
        left = spool.stats().depth
        if left:
            _log.info("%d events stay in the spool for the next start", left)
        for status in board.sources.values():
            if status.state != SourceState.FAILED:
                status.state = SourceState.STOPPED
        if self._metadata is not None:
            payload = replace(board.report(), stopped_at=datetime.now(UTC)).to_json()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    asyncio.to_thread(self._metadata.set_worker_status, "worker", payload), 1.0
                )
        await spool.close()

    def _ha_source(self, spool: Spool, status: SourceStatus) -> RunnableSource:
        from ingest_worker.ha import HomeAssistantSource
        from ingest_worker.ha.resume import ResumeFile

        cfg = self._config
        assert cfg.ha_url is not None and cfg.ha_token is not None
        last_seen: Callable[[], Awaitable[datetime | None]] = lambda: spool.last_seen("ha")  # noqa: E731
        source: RunnableSource = HomeAssistantSource(
            url=cfg.ha_url,
            token=cfg.ha_token,
            sink=spool,
            status=status,
            last_seen=last_seen,
            resume=ResumeFile(cfg.spool_path.with_name(cfg.spool_path.name + ".ha-resume")),
            first_backfill=cfg.first_backfill,
            metadata=self._metadata,
        )
        return source
