"""The MQTT source: aiomqtt on a persistent QoS 1 session, acknowledged after the spool commit."""

from ingest_worker.mqtt.client import BrokerAddress, parse_broker_url
from ingest_worker.mqtt.payloads import decode_message, topic_entity
from ingest_worker.mqtt.source import MqttSource, QuarantineSink

__all__ = [
    "BrokerAddress",
    "MqttSource",
    "QuarantineSink",
    "decode_message",
    "parse_broker_url",
    "topic_entity",
]
