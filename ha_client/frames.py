"""Decoding Home Assistant WebSocket frames: one frame may hold one message or an array.

``decode_messages`` is the fast path the connection's reader uses; ``decode_frame`` is the
general one (also for the auth handshake).
"""

from __future__ import annotations

import json
from typing import Any, Final, TypedDict

import msgspec
import orjson


def decode_frame(raw: str | bytes) -> list[dict[str, Any]]:
    """Return the messages of one frame (coalesced frames are arrays); raise ValueError."""
    try:
        parsed: Any = orjson.loads(raw)
    except orjson.JSONDecodeError:
        # HA never sends NaN/Infinity, but Python's json accepts them where orjson does not.
        parsed = json.loads(raw)
    messages = parsed if isinstance(parsed, list) else [parsed]
    if not all(isinstance(message, dict) for message in messages):
        raise ValueError("frame holds something other than JSON objects")
    return messages


class _EventData(TypedDict, total=False):
    entity_id: Any
    new_state: Any


class _EventBody(TypedDict, total=False):
    event_type: Any
    data: _EventData
    time_fired: Any


class _Message(TypedDict, total=False):
    id: Any
    type: Any
    success: Any
    result: Any
    error: Any
    event: _EventBody


# Decodes only the fields this package reads. A state_changed event's old_state (as large
# as its new_state) and the event's own context are skipped without building Python
# objects: about a third less decoding time per event, which is most of the HA source's CPU
# under a flood. new_state is kept whole, with its context (id, user_id, parent_id: the
# same ids as the event's context), which is where "who caused a change" is read.
_MESSAGES: Final = msgspec.json.Decoder(list[_Message] | _Message)


def decode_messages(raw: str | bytes) -> list[dict[str, Any]]:
    """Return the messages of one frame with the fields the source reads; raise ValueError.

    A frame of another shape (an event whose ``data`` is not an object, NaN) takes the
    general path, ``decode_frame``, so it is handled exactly as before.
    """
    try:
        parsed: Any = _MESSAGES.decode(raw)
    except msgspec.DecodeError:
        return decode_frame(raw)
    return parsed if isinstance(parsed, list) else [parsed]
