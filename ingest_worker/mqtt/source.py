"""The MQTT source: subscribes with QoS 1 on a persistent session and spools every message.

A message is acknowledged to the broker only after the spool committed its events (or the
quarantine table took it), so a worker killed at any moment leaves every unacknowledged
message with the broker, which redelivers it on the next connect (clean_session False,
stable client id). Redeliveries get the time the first delivery got (spool receipts), so
the store keeps each message once.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

import aiomqtt

from ingest_worker.backoff import Backoff
from ingest_worker.base import ReceiptSink, SourceState, SourceStatus
from ingest_worker.mqtt.client import AckedMessage, BrokerAddress, ManualAckClient
from ingest_worker.mqtt.payloads import Decoded, decode_message
from storage.events import Event, from_us, to_us
from storage.metadata.records import EntityInfo

_log = logging.getLogger(__name__)
# How often a known entity's last_seen is refreshed in the registry (not on every message).
_REGISTER_EVERY = timedelta(hours=1)


class QuarantineSink(Protocol):
    """Where rejected payloads go (storage.metadata.MetadataStore implements it)."""

    def add_quarantine(
        self,
        *,
        source: str,
        reason: str,
        payload: bytes,
        topic: str | None = None,
        received_at: datetime | None = None,
    ) -> None:
        """Record one rejected payload with its reason."""
        ...


class EntityRegistry(Protocol):
    """Where entity registry rows go (storage.metadata.MetadataStore implements it)."""

    def upsert_entities(self, rows: Iterable[EntityInfo]) -> int:
        """Insert or update entity registry rows."""
        ...


def fingerprint(message: aiomqtt.Message) -> str:
    """Return the redelivery key of a message: hash of topic, packet id and payload."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(str(message.topic).encode())
    digest.update(b"\0%d\0" % message.mid)
    payload = message.payload if isinstance(message.payload, bytes) else b""
    digest.update(payload)
    return digest.hexdigest()


class MqttSource:
    """Owns the broker connection; turns messages into spooled events."""

    def __init__(
        self,
        *,
        broker: BrokerAddress,
        topics: Sequence[str],
        client_id: str,
        sink: ReceiptSink,
        status: SourceStatus,
        quarantine: QuarantineSink | None,
        registry: EntityRegistry | None = None,
        max_payload_bytes: int,
        on_quarantine: Callable[[str], None] | None = None,
        max_backoff: float = 30.0,
        batch_max: int = 2000,
        keepalive: int = 30,
    ) -> None:
        if not topics:
            raise ValueError("HOMEIQ_MQTT_TOPICS is empty; give at least one topic filter")
        self._broker = broker
        self._topics = list(topics)
        self._client_id = client_id
        self._sink = sink
        self.status = status
        self._quarantine = quarantine
        self._registry = registry
        self._registered: dict[str, datetime] = {}  # entity id -> last seen, as registered
        self._max_payload = max_payload_bytes
        self._on_quarantine = on_quarantine
        self._backoff = Backoff(base=min(1.0, max_backoff), cap=max_backoff)
        self._batch_max = batch_max
        self._keepalive = keepalive
        self._last_us = 0
        self.quarantined: dict[str, int] = {}

    async def run(self) -> None:
        """Connect, consume and reconnect with jittered capped backoff, until cancelled."""
        await self._seed_clock()
        while True:
            try:
                await self._session()
            except aiomqtt.MqttError as err:
                if self.status.state != SourceState.RECONNECTING:
                    _log.warning(
                        "MQTT broker %s unavailable (%s); retrying with backoff. Is the broker "
                        "running and HOMEIQ_MQTT_URL right?",
                        self._broker.describe(),
                        err,
                    )
                self.status.state = SourceState.RECONNECTING
                self.status.last_error = f"{self._broker.describe()}: {err}"
                await self._backoff.sleep()

    async def _session(self) -> None:
        client = ManualAckClient(
            self._broker.host,
            self._broker.port,
            username=self._broker.username,
            password=self._broker.password,
            identifier=self._client_id,
            clean_session=False,
            keepalive=self._keepalive,
            tls_context=self._broker.tls_context(),
            timeout=10,
        )
        async with client:
            for topic in self._topics:
                await client.subscribe(topic, qos=1)
            if self.status.state != SourceState.CONNECTED:
                _log.info(
                    "MQTT connected to %s as %r, topics %s",
                    self._broker.describe(),
                    self._client_id,
                    ", ".join(self._topics),
                )
            self.status.state = SourceState.CONNECTED
            self.status.connected_since = datetime.now(UTC)
            self._backoff.reset()  # the next loss starts again at the shortest delay
            await self._consume(client)

    async def _consume(self, client: ManualAckClient) -> None:
        messages = client.messages
        while True:
            batch = [await anext(messages)]
            while len(messages) and len(batch) < self._batch_max:
                batch.append(await anext(messages))
            await self.handle(client, batch)

    async def handle(self, client: ManualAckClient, batch: list[aiomqtt.Message]) -> None:
        """Spool (or quarantine) a batch of messages, then acknowledge them to the broker."""
        redelivered = [
            fingerprint(m) for m in batch if isinstance(m, AckedMessage) and m.dup and m.qos
        ]
        known = await self._sink.receipt_times(redelivered)
        events: list[Event] = []
        receipts: dict[str, int] = {}
        rejects: list[tuple[aiomqtt.Message, Decoded]] = []
        for message in batch:
            key = fingerprint(message)
            micros = known.get(key)
            if micros is None:
                micros = self._next_time_us()
            payload = message.payload if isinstance(message.payload, bytes) else b""
            decoded = decode_message(
                str(message.topic),
                payload,
                retained=message.retain,
                received=from_us(micros),
                max_bytes=self._max_payload,
            )
            if decoded.reject is not None:
                rejects.append((message, decoded))
                continue
            events.extend(decoded.events)
            if decoded.events and not decoded.payload_time and message.qos:
                receipts[key] = micros
        if rejects:
            await self._quarantine_all(rejects)
        if events or receipts:
            await self._sink.put(events, receipts=receipts)
        for message in batch:
            client.ack(message)
        if events:
            self.status.events_total += len(events)
            self.status.last_event_at = max(e.time for e in events)
            await self._register(events)

    async def _register(self, events: list[Event]) -> None:
        """Put topic-derived entities in the registry: new ones at once, others hourly."""
        if self._registry is None:
            return
        rows: dict[str, EntityInfo] = {}
        for event in events:
            known = self._registered.get(event.entity_id)
            if known is not None and event.time - known < _REGISTER_EVERY:
                continue
            first = rows.get(event.entity_id)
            rows[event.entity_id] = EntityInfo(
                entity_id=event.entity_id,
                domain=event.entity_id.split(".", 1)[0],
                unit=event.unit,
                device_class=event.device_class,
                first_seen=first.first_seen if first is not None else event.time,
                last_seen=event.time,
                source="mqtt",
            )
        if not rows:
            return
        try:
            await asyncio.to_thread(self._registry.upsert_entities, list(rows.values()))
        except Exception as err:  # the registry is advisory; messages go on
            _log.warning("cannot register %d MQTT entities in metadata: %s", len(rows), err)
            return
        for entity_id, row in rows.items():
            assert row.last_seen is not None
            self._registered[entity_id] = row.last_seen

    async def _seed_clock(self) -> None:
        # After a restart with the wall clock stepped back, a new message must not reuse the
        # time of an older one on the same entity (same identity = dropped as duplicate).
        last = await self._sink.last_seen("mqtt")
        now_us = time.time_ns() // 1000
        if last is not None:
            last_us = to_us(last)
            if last_us <= now_us + 60_000_000:  # ignore device times from the future
                self._last_us = max(self._last_us, last_us)

    def _next_time_us(self) -> int:
        # Strictly increasing: two messages in the same microsecond must not share a key.
        now = time.time_ns() // 1000
        self._last_us = max(now, self._last_us + 1)
        return self._last_us

    async def _quarantine_all(self, rejects: list[tuple[aiomqtt.Message, Decoded]]) -> None:
        for message, decoded in rejects:
            reason = decoded.reject or "unknown"
            self.quarantined[reason] = self.quarantined.get(reason, 0) + 1
            if self._on_quarantine is not None:
                self._on_quarantine(reason)
            _log.warning(
                "quarantined MQTT message on %s: %s (%s)", message.topic, reason, decoded.detail
            )
            if self._quarantine is None:
                continue
            payload = message.payload if isinstance(message.payload, bytes) else b""
            try:
                await asyncio.to_thread(
                    self._quarantine.add_quarantine,
                    source="mqtt",
                    reason=reason,
                    payload=payload,
                    topic=str(message.topic),
                    received_at=datetime.now(UTC),
                )
            except Exception as err:  # the bad message must not stop the good ones
                _log.error("could not record quarantined message in metadata: %s", err)
