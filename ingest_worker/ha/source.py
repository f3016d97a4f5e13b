"""The Home Assistant source coordinator: connect, snapshot, backfill, stream, reconnect.

Every (re)connect runs the same steps, in an order that leaves no hole:
1. note where the spool stands (``last_seen``), before anything new is written;
2. load the entity, device and area registries (areas for the events);
3. subscribe to ``state_changed`` (and registry updates), so nothing after now is missed;
4. write the ``get_states`` snapshot, and store the home facts (``get_config``), the energy
   preferences and the entity registry in metadata (home_sync.py);
5. backfill ``(last_seen - overlap, now]`` from the history API (on first start
   ``now - first_backfill``; or from where an interrupted backfill began, kept on disk by
   resume.py) for the snapshot's entities and every entity seen before, so one removed
   while the worker was away still gets its last changes. Overlap with live or snapshot
   events is harmless: the event identity is the same everywhere (see convert.py) and
   stores keep one row per identity.
Reconnects back off (ingest_worker.backoff); a state change is logged once, not every retry.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from ha_client.commands import energy_prefs, get_config
from ha_client.connection import HaConnection
from ha_client.errors import HAAuthFailed, HACommandFailed, HAError
from ha_client.history import fetch_history
from ha_client.urls import http_url_of, ws_url_of
from ingest_worker.backoff import Backoff
from ingest_worker.base import (
    AuthenticationFailed,
    EventSink,
    SourceState,
    SourceStatus,
    SourceUnavailable,
)
from ingest_worker.ha.convert import MalformedState, removal_state, state_to_event
from ingest_worker.ha.home_sync import HomeMetadata, Registries, entity_rows, facts_of
from ingest_worker.ha.registries import AreaIndex
from ingest_worker.ha.resume import ResumeFile, ResumeState
from storage.events import Event

_log = logging.getLogger(__name__)

_OVERLAP: Final = timedelta(seconds=5)
_BATCH: Final = 2000
_REGISTRY_EVENTS: Final = (
    "entity_registry_updated",
    "device_registry_updated",
    "area_registry_updated",
)


class HomeAssistantSource:
    """Streams HA state changes into ``sink``; runs until cancelled."""

    def __init__(
        self,
        *,
        url: str,
        token: str,
        sink: EventSink,
        status: SourceStatus,
        last_seen: Callable[[], Awaitable[datetime | None]],
        resume: ResumeFile,
        first_backfill: timedelta,
        ping_interval: float = 10.0,
        ping_timeout: float = 10.0,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        metadata: HomeMetadata | None = None,
    ) -> None:
        self._ws_url = ws_url_of(url)
        self._http_url = http_url_of(url)
        self._token = token
        self._sink = sink
        self.status = status
        self._last_seen = last_seen
        self._first_backfill = first_backfill
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self._backoff = Backoff(base=backoff_base, cap=backoff_cap)
        self._areas = AreaIndex()
        self._registries = Registries()
        self._metadata = metadata
        self._refresh: asyncio.Task[None] | None = None
        self._resume = resume
        self._owed = ResumeState()  # mirrors the resume file
        self._seen: set[str] = set()  # entity ids seen in this session
        self._saving = asyncio.Lock()
        # Counters shown on /healthz (status.extra): malformed messages, removed entities,
        # backfilled events, successful connects.
        self.counters: dict[str, int] = dict.fromkeys(
            ("malformed", "removed", "backfilled", "connects"), 0
        )
        self.status.extra.update(self.counters)

    def _count(self, name: str, by: int = 1) -> None:
        self.counters[name] += by
        self.status.extra[name] = self.counters[name]

    def _malformed(self, reason: str) -> None:
        self._count("malformed")
        total = self.counters["malformed"]
        if total == 1 or total in (10, 100, 1000) or total % 10000 == 0:
            _log.warning("Home Assistant sent a malformed message (%s); %s so far", reason, total)

    async def run(self) -> None:
        """Stream until cancelled; raise AuthenticationFailed (never retried) on a bad token."""
        while True:
            try:
                await self._session()
                reason = "Home Assistant closed the connection"
            except HAAuthFailed as err:
                self.status.state = SourceState.FAILED
                self.status.last_error = str(err)
                raise AuthenticationFailed(str(err)) from err
            except (HAError, SourceUnavailable, OSError, TimeoutError) as err:
                reason = str(err)
            if self.status.state == SourceState.CONNECTED:
                self._backoff.reset()
                _log.warning("lost Home Assistant at %s (%s); reconnecting", self._ws_url, reason)
            elif self.status.state != SourceState.RECONNECTING:
                _log.warning(
                    "cannot reach Home Assistant at %s (%s); retrying", self._ws_url, reason
                )
            self.status.state = SourceState.RECONNECTING
            self.status.connected_since = None
            self.status.last_error = reason
            await self._backoff.sleep()

    async def _session(self) -> None:
        conn = await HaConnection.open(
            self._ws_url,
            self._token,
            ping_interval=self._ping_interval,
            ping_timeout=self._ping_timeout,
            on_malformed=self._malformed,
        )
        consumer: asyncio.Task[None] | None = None
        try:
            start = await self._begin_backfill()
            await conn.command({"type": "supported_features", "features": {"coalesce_messages": 1}})
            await self._load_registries(conn)
            for event_type in _REGISTRY_EVENTS:
                await conn.command({"type": "subscribe_events", "event_type": event_type})
            # state_changed last, with the consumer started at once: under a flood of events
            # the bounded queue must be drained while later command replies are awaited.
            await conn.command({"type": "subscribe_events", "event_type": "state_changed"})
            consumer = asyncio.create_task(self._consume(conn), name="ha-consumer")
            states = await conn.command({"type": "get_states"})
            snapshot = self._convert(states if isinstance(states, list) else [])
            await self._note_entities(snapshot)
            await self._put(snapshot)
            await self._record_home(conn, _dicts(states))
            await self._backfill(self._seen | self._owed.entities, start, datetime.now(UTC))
            # Done: nothing is owed from before, and only entities HA had are asked for again.
            await self._save(lambda _: ResumeState(None, frozenset(self._seen)))
            resumed = self.counters["connects"] != 0
            self._count("connects")
            self.status.state = SourceState.CONNECTED
            self.status.connected_since = datetime.now(UTC)
            self.status.last_error = None
            _log.info(
                "%s Home Assistant %s at %s: %d entities, backfilled from %s",
                "resumed" if resumed else "connected to",
                conn.ha_version or "?",
                self._ws_url,
                len(snapshot),
                start.isoformat(timespec="seconds"),
            )
            await asyncio.wait({consumer}, return_when=asyncio.FIRST_COMPLETED)
            consumer.result()
        finally:
            if consumer is not None:
                consumer.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await consumer
            if self._refresh is not None:
                self._refresh.cancel()
            await conn.close()
        raise SourceUnavailable(f"Home Assistant connection {conn.closed_reason or 'ended'}")

    async def _begin_backfill(self) -> datetime:
        """Return where this session's backfill starts, saved on disk before any event is."""
        owed = await asyncio.to_thread(self._resume.load)
        since = await self._last_seen()
        start = since - _OVERLAP if since is not None else datetime.now(UTC) - self._first_backfill
        # The snapshot and live events move last_seen past the gap before the backfill is
        # done; if this session (or the process) dies before that, the next one starts here.
        if owed.pending_from is not None:
            start = min(start, owed.pending_from)
        self._seen = set()
        await self._save(lambda _: ResumeState(start, owed.entities))
        return start

    async def _note_entities(self, events: Iterable[Event]) -> None:
        """Remember entity ids not seen before (on disk before their events are spooled)."""
        new = {event.entity_id for event in events} - self._seen
        if not new:
            return
        self._seen |= new
        if not new <= self._owed.entities:
            await self._save(lambda owed: ResumeState(owed.pending_from, owed.entities | new))

    async def _save(self, change: Callable[[ResumeState], ResumeState]) -> None:
        """Apply ``change`` to the resume state and save it; one change at a time."""
        async with self._saving:
            state = change(self._owed)
            await asyncio.to_thread(self._resume.save, state)
            self._owed = state

    async def _load_registries(self, conn: HaConnection) -> None:
        entities = await conn.command({"type": "config/entity_registry/list"})
        devices = await conn.command({"type": "config/device_registry/list"})
        areas = await conn.command({"type": "config/area_registry/list"})
        self._registries = Registries(_dicts(entities), _dicts(devices), _dicts(areas))
        self._areas = self._registries.area_index()

    async def _refresh_registries(self, conn: HaConnection) -> None:
        await asyncio.sleep(1.0)  # registry updates come in bursts; load once per burst
        try:
            await self._load_registries(conn)
        except HAError as err:
            _log.debug("registry refresh failed: %s", err)
            return
        await self._save_entities([])

    async def _record_home(self, conn: HaConnection, states: list[Mapping[str, Any]]) -> None:
        """Store HA's home facts, energy preferences and entity registry in metadata."""
        if self._metadata is None:
            return
        now = datetime.now(UTC)
        try:
            facts = facts_of(await get_config(conn), now)
        except HACommandFailed as err:
            _log.warning("Home Assistant refused get_config (%s); home facts not updated", err)
            facts = None
        # None when the energy integration is not loaded or has no preferences.
        prefs = await energy_prefs(conn)
        metadata = self._metadata
        try:
            if facts is not None:
                await asyncio.to_thread(metadata.home.save, facts)
            await asyncio.to_thread(metadata.home.save_energy_prefs, prefs)
        except Exception as err:  # metadata is advisory here; ingest goes on
            _log.warning("cannot store Home Assistant's home facts in metadata: %s", err)
        await self._save_entities(states, now)

    async def _save_entities(
        self, states: list[Mapping[str, Any]], seen_at: datetime | None = None
    ) -> None:
        if self._metadata is None:
            return
        rows = entity_rows(states, self._registries, seen_at or datetime.now(UTC))
        try:
            await asyncio.to_thread(self._metadata.upsert_entities, rows)
        except Exception as err:  # advisory: a locked metadata file must not stop ingest
            _log.warning("cannot store %d registry entities in metadata: %s", len(rows), err)

    async def _backfill(self, entity_ids: Iterable[str], start: datetime, end: datetime) -> None:
        history = fetch_history(self._http_url, self._token, list(entity_ids), start, end)
        async for states in history:
            events = [event for event in self._convert(states) if event.time > start]
            for offset in range(0, len(events), _BATCH):
                await self._put(events[offset : offset + _BATCH])
            self._count("backfilled", len(events))

    async def _consume(self, conn: HaConnection) -> None:
        while True:
            message = await conn.events.get()
            batch: list[Mapping[str, Any]] = []
            while message is not None:
                batch.append(message)
                if len(batch) >= _BATCH or conn.events.empty():
                    break
                message = conn.events.get_nowait()
            events = self._events_of(batch, conn)
            await self._note_entities(events)
            await self._put(events)
            if message is None:
                return

    def _events_of(self, messages: Iterable[Mapping[str, Any]], conn: HaConnection) -> list[Event]:
        states: list[Any] = []
        for message in messages:
            event = message.get("event")
            if not isinstance(event, dict):
                self._malformed("event message without an event")
                continue
            kind = event.get("event_type")
            data = event.get("data")
            if kind in _REGISTRY_EVENTS:
                if self._refresh is None or self._refresh.done():
                    self._refresh = asyncio.create_task(self._refresh_registries(conn))
                continue
            if kind != "state_changed" or not isinstance(data, dict):
                self._malformed(f"unexpected event {str(kind)[:40]!r}")
                continue
            new_state = data.get("new_state")
            if new_state is None:
                # The entity was removed. HA's recorder keeps that as a state "" at the
                # event's time_fired, and its history reports it; store the same row, so a
                # removal seen live and one backfilled are one event.
                self._count("removed")
                new_state = removal_state(data.get("entity_id"), event.get("time_fired"))
            states.append(new_state)
        return self._convert(states)

    def _convert(self, states: Iterable[Any]) -> list[Event]:
        events: list[Event] = []
        for state in states:
            if not isinstance(state, dict):
                self._malformed("state is not an object")
                continue
            try:
                events.append(state_to_event(state, self._areas))
            except MalformedState as err:
                self._malformed(str(err))
        return events

    async def _put(self, events: list[Event]) -> None:
        if not events:
            return
        await self._sink.put(events)
        self.status.events_total += len(events)
        newest = max(event.time for event in events)
        if self.status.last_event_at is None or newest > self.status.last_event_at:
            self.status.last_event_at = newest


def _dicts(result: Any) -> list[Mapping[str, Any]]:
    if not isinstance(result, list):
        return []
    return [item for item in result if isinstance(item, Mapping)]
