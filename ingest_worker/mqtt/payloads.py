"""Turning one MQTT message into events, or into a reason to quarantine it.

Rules (documented in the README, "MQTT payloads"):
- The entity id is ``mqtt.<topic slug>`` (lower case, every run of characters other than
  ``a-z0-9`` becomes ``_``); ``zigbee2mqtt/Kitchen Sensor`` -> ``mqtt.zigbee2mqtt_kitchen_sensor``.
- A JSON object is flattened, zigbee2mqtt style: one event per number, string or boolean
  field, entity ``<topic entity>.<field slug>``; nested objects join their keys with ``_``
  (``{"update": {"state": "idle"}}`` -> ``.update_state``). Lists and nulls are skipped.
  Booleans become state ``on``/``off`` with value 1/0.
- A plain number or string payload becomes one event on the topic entity.
- Event time: a ``time``, ``timestamp`` or ``ts`` field holding an ISO 8601 time *with* an
  offset or a Unix epoch number (s, ms or µs) is used and not stored as a field; otherwise
  the receive time, which the source keeps stable across broker redeliveries.
- Retained messages carry ``attributes.retained = true``.
- NaN and ±Infinity (bare JSON extensions or strings) are kept as the state text with a
  null value.
- Quarantined with a reason: ``oversized``, ``invalid_utf8``, ``binary`` (control bytes),
  ``unparseable_json`` (looks like JSON, is not), ``unsupported_json`` (top-level list),
  ``no_fields`` (an object with nothing storable).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Final

import orjson

from storage.events import Event

_SLUG_RE: Final = re.compile(r"[^a-z0-9]+")
_CONTROL_RE: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TIME_KEYS: Final = ("time", "timestamp", "ts")
_MAX_DEPTH: Final = 4


@dataclass(frozen=True, slots=True, kw_only=True)
class Decoded:
    """Events of one message, whether their time came from the payload, or a quarantine reason."""

    events: tuple[Event, ...] = ()
    payload_time: bool = False
    reject: str | None = None
    detail: str = ""


@lru_cache(maxsize=8192)
def slug(text: str) -> str:
    """Return ``text`` lower-cased with every run of non-alphanumerics turned into ``_``."""
    return _SLUG_RE.sub("_", text.lower()).strip("_") or "_"


def topic_entity(topic: str) -> str:
    """Return the entity id of a topic (``mqtt.<topic slug>``)."""
    return f"mqtt.{slug(topic)}"


def decode_message(
    topic: str, payload: bytes, *, retained: bool, received: datetime, max_bytes: int
) -> Decoded:
    """Return the events of one message, or the reason it goes to quarantine."""
    if len(payload) > max_bytes:
        return Decoded(reject="oversized", detail=f"{len(payload)} bytes > {max_bytes}")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as err:
        return Decoded(reject="invalid_utf8", detail=str(err))
    if _CONTROL_RE.search(text):
        return Decoded(reject="binary", detail="payload holds control bytes")
    stripped = text.strip()
    if not stripped:
        return Decoded()
    attributes: dict[str, Any] = {"retained": True} if retained else {}
    base = topic_entity(topic)
    if stripped[0] in "{[":
        try:
            parsed = _loads(stripped)
        except ValueError as err:
            return Decoded(reject="unparseable_json", detail=str(err)[:200])
        if not isinstance(parsed, dict):
            return Decoded(reject="unsupported_json", detail="top-level JSON is not an object")
        moment = _payload_time(parsed)
        fields = list(_flatten(parsed, "", 0))
        if not fields:
            return Decoded(reject="no_fields", detail="object has no number/string/bool field")
        events = tuple(
            _event(f"{base}.{key}", state, value, topic, moment or received, attributes)
            for key, state, value in fields
        )
        return Decoded(events=events, payload_time=moment is not None)
    return Decoded(events=(_event(base, stripped, None, topic, received, attributes),))


def _loads(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        # The standard parser also accepts the bare NaN/Infinity some devices send.
        return json.loads(text)


def _event(
    entity_id: str,
    state: str,
    value: float | None,
    topic: str,
    moment: datetime,
    attributes: dict[str, Any],
) -> Event:
    return Event(
        time=moment,
        entity_id=entity_id,
        state=state,
        value=value,
        source="mqtt",
        topic=topic,
        attributes=attributes,
    )


def _flatten(obj: dict[str, Any], prefix: str, depth: int) -> list[tuple[str, str, float | None]]:
    out: list[tuple[str, str, float | None]] = []
    for raw_key, item in obj.items():
        if depth == 0 and raw_key.lower() in _TIME_KEYS:
            continue
        key = f"{prefix}_{slug(str(raw_key))}" if prefix else slug(str(raw_key))
        if isinstance(item, bool):
            out.append((key, "on" if item else "off", 1.0 if item else 0.0))
        elif isinstance(item, int | float):
            number = float(item)
            state = _number_text(item)
            out.append((key, state, number if math.isfinite(number) else None))
        elif isinstance(item, str):
            out.append((key, item, None))
        elif isinstance(item, dict) and depth < _MAX_DEPTH:
            out.extend(_flatten(item, key, depth + 1))
    return out


def _number_text(item: float) -> str:
    if isinstance(item, float) and not math.isfinite(item):
        return "nan" if math.isnan(item) else ("inf" if item > 0 else "-inf")
    return repr(item) if isinstance(item, float) else str(item)


def _payload_time(obj: dict[str, Any]) -> datetime | None:
    for key, item in obj.items():
        if key.lower() not in _TIME_KEYS:
            continue
        if isinstance(item, bool):
            return None
        if isinstance(item, int | float) and math.isfinite(item) and item > 0:
            seconds = float(item)
            if seconds > 1e14:
                seconds /= 1e6
            elif seconds > 1e11:
                seconds /= 1e3
            try:
                return datetime.fromtimestamp(seconds, UTC)
            except (OverflowError, OSError, ValueError):
                return None
        if isinstance(item, str):
            try:
                moment = datetime.fromisoformat(item.strip().replace("Z", "+00:00"))
            except ValueError:
                return None
            # A time without an offset is ambiguous (Tasmota sends local time): not used.
            return moment.astimezone(UTC) if moment.tzinfo is not None else None
    return None
