"""HA context ids for simulated state changes: who (a person in the UI) or what (an automation).

HA gives every state change a context: a ULID ``id``, the ``user_id`` of a person acting
through the UI or an app, and the ``parent_id`` of the change that caused it (an automation
run triggered by another entity's change). Ids here are a pure function of (entity, local
day, offset), so an automation run can name its trigger's context without reading it back.
"""

from __future__ import annotations

import hashlib
from typing import Final

import numpy as np
import numpy.typing as npt

from homeiq.sim.place import DAY_US

# The one household member who uses HA's UI (HA user ids are 32 hex digits).
SIM_USER_ID: Final[str] = "9f3c2a7be1d04c5f8a6e2b4d7c1f0e93"
_CROCKFORD: Final[str] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

Strings = npt.NDArray[np.object_]


def context_id(entity_id: str, day: int, offset_us: int) -> str:
    """Return the ULID of ``entity_id``'s state change at ``offset_us`` into local ``day``.

    The 48-bit time part is the wall-clock millisecond (a ULID's time is only a sort hint);
    the 80 random bits come from a hash of the inputs, so the id is stable across runs.
    """
    millis = (day * DAY_US + offset_us) // 1000
    noise = hashlib.blake2b(f"{entity_id}|{day}|{offset_us}".encode(), digest_size=10).digest()
    number = ((millis & (2**48 - 1)) << 80) | int.from_bytes(noise, "big")
    return "".join(_CROCKFORD[(number >> shift) & 31] for shift in range(125, -1, -5))


def context_ids(entity_id: str, day: int, offsets_us: npt.NDArray[np.int64]) -> Strings:
    """Return the context ids of several changes of one entity on one day."""
    return np.array([context_id(entity_id, day, int(o)) for o in offsets_us], dtype=object)


def nones(size: int) -> Strings:
    """Return ``size`` empty context fields."""
    return np.full(size, None, dtype=object)
