"""What the next Home Assistant backfill must cover, kept on disk across worker restarts.

Two facts the spool's ``last_seen`` alone cannot give:

- ``pending_from``: where a backfill began that has not finished. The snapshot and live
  events move ``last_seen`` past a gap before its backfill is done; if the worker dies
  then (SIGKILL, power cut), the next start must still begin at the old point.
- ``entities``: the entity ids HA had when the last backfill finished, plus those seen
  since. HA's history API needs entity ids, and an entity removed while the worker was
  away is missing from the next ``get_states``; its last state changes are still in HA's
  history, so the backfill asks for it once more, then forgets it.

One small JSON file, replaced atomically (write, fsync, rename, fsync the directory) so a
crash leaves the old state or the new one, never half of either. Written once per
connect and when an unknown entity appears, not per event.
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import orjson

from storage.embedded.files import fsync_dir
from storage.events import from_us, to_us

_log = logging.getLogger(__name__)
_VERSION = 1


@dataclass(frozen=True, slots=True)
class ResumeState:
    """The backfill start still owed (None when none is) and the entity ids to ask for."""

    pending_from: datetime | None = None
    entities: frozenset[str] = field(default_factory=frozenset)


class ResumeFile:
    """Loads and atomically saves one ``ResumeState``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> ResumeState:
        """Return the saved state; a missing file is an empty state, a damaged one too (logged)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return ResumeState()
        try:
            data = orjson.loads(raw)
            if not isinstance(data, dict) or data.get("version") != _VERSION:
                raise ValueError(f"not a version {_VERSION} resume file")
            pending = data.get("pending_from_us")
            entities = data.get("entities", [])
            if not isinstance(entities, list) or not all(isinstance(e, str) for e in entities):
                raise ValueError("entities is not a list of entity ids")
            return ResumeState(
                pending_from=from_us(int(pending)) if pending is not None else None,
                entities=frozenset(entities),
            )
        except (ValueError, TypeError) as err:
            _log.warning(
                "ignoring the damaged backfill state in %s (%s); the next backfill starts at the "
                "spool's last event",
                self.path,
                err,
            )
            return ResumeState()

    def save(self, state: ResumeState) -> None:
        """Replace the file with ``state``, durably."""
        body = orjson.dumps(
            {
                "version": _VERSION,
                "pending_from_us": to_us(state.pending_from) if state.pending_from else None,
                "entities": sorted(state.entities),
            }
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        with tmp.open("wb") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
        with contextlib.suppress(OSError):  # some filesystems cannot sync a folder
            fsync_dir(self.path.parent)
