"""aiomqtt client with manual QoS 1 acknowledgement and the broker's redelivery flag.

aiomqtt 2.5 (the locked version) acknowledges a QoS 1 message as soon as it arrives and
drops paho's ``dup`` flag. We need both: the PUBACK must go out only after the spool
committed the message (else a SIGKILL between arrival and commit loses it), and ``dup``
tells a broker redelivery from a new message with the same payload. paho-mqtt, which
aiomqtt drives, supports both (``manual_ack_set`` / ``ack``, ``MQTTMessage.dup``); this
module is the one place that reaches into aiomqtt's paho client for them.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import aiomqtt
import paho.mqtt.client as paho


class AckedMessage(aiomqtt.Message):
    """An aiomqtt message that also carries the broker's redelivery (``dup``) flag."""

    dup: bool = False


class ManualAckClient(aiomqtt.Client):
    """aiomqtt client that leaves QoS 1 acknowledgement to the caller (``ack``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._client.manual_ack_set(True)

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        wrapped = AckedMessage(
            topic=message.topic,
            payload=bytes(message.payload),
            qos=message.qos,
            retain=message.retain,
            mid=message.mid,
            properties=getattr(message, "properties", None),
        )
        wrapped.dup = bool(message.dup)
        # Unbounded queue: back-pressure comes from the broker's in-flight window, since
        # nothing is acknowledged before the spool commit.
        self._queue.put_nowait(wrapped)

    def ack(self, message: aiomqtt.Message) -> None:
        """Send the PUBACK of a QoS 1 message (no-op for QoS 0)."""
        if message.qos > 0:
            self._client.ack(message.mid, message.qos)


@dataclass(frozen=True, slots=True, kw_only=True)
class BrokerAddress:
    """Where the broker is and how to log in; ``describe`` hides the password."""

    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool

    def describe(self) -> str:
        """Return ``mqtt[s]://host:port`` without credentials, for logs and errors."""
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"

    def tls_context(self) -> ssl.SSLContext | None:
        """Return a default TLS context for ``mqtts://``, else None."""
        return ssl.create_default_context() if self.tls else None


def parse_broker_url(url: str) -> BrokerAddress:
    """Return the broker address of ``mqtt://user:pass@host:1883`` (``mqtts://`` for TLS)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"mqtt", "mqtts", "tcp", "ssl"} or not parts.hostname:
        raise ValueError(
            "HOMEIQ_MQTT_URL must look like mqtt://user:pass@host:1883 (or mqtts:// for TLS); "
            f"got scheme {parts.scheme!r}"
        )
    tls = parts.scheme in {"mqtts", "ssl"}
    try:
        port = parts.port or (8883 if tls else 1883)
    except ValueError as err:
        raise ValueError(f"HOMEIQ_MQTT_URL has an invalid port ({err})") from None
    return BrokerAddress(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        tls=tls,
    )
