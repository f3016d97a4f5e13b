"""HA's REST history API, read in chunks (the worker's gap backfill uses it).

``/api/history/period/<start>`` answers every state recorded in an interval:
``significant_changes_only=0`` returns every recorded state (not just state-text changes),
full objects with attributes (not ``minimal_response``) so backfilled events equal live
ones, and ``skip_initial_state`` leaves out the synthetic row HA adds for the state at
``start`` (its time would be ``start``, not the state's own ``last_updated``). HA requires
``filter_entity_id``, so entity ids are sent in chunks short enough for a URL.

The history API carries no context: HA 2025.4 builds history rows as recorder ``LazyState``
objects whose ``as_dict`` has no ``context`` key (their context is empty), so states read
here have no ``context`` id, ``user_id`` or ``parent_id``; a recorder database import
reads them from the database instead.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any, Final
from urllib.parse import quote

import httpx

from ha_client.errors import HAUnavailable
from ha_client.rest import AsyncHARest

_log = logging.getLogger(__name__)
_CHUNK: Final = 60
_TIMEOUT: Final = httpx.Timeout(120.0, connect=10.0)


def history_path(start: datetime) -> str:
    """Return the history API path for a period starting at ``start``."""
    return f"/api/history/period/{quote(start.isoformat(), safe='')}"


async def fetch_history(
    base_url: str, token: str, entity_ids: Sequence[str], start: datetime, end: datetime
) -> AsyncIterator[list[dict[str, Any]]]:
    """Yield the states HA recorded for ``entity_ids`` in (start, end], one chunk at a time.

    Chunk by chunk, so a day of history of a large home never sits in memory at once. Raises
    the errors of ha_client.errors (HAUnavailable, HAAuthFailed, ...).
    """
    ids = sorted(set(entity_ids))
    async with AsyncHARest(base_url, token, timeout=_TIMEOUT) as rest:
        for offset in range(0, len(ids), _CHUNK):
            chunk = ids[offset : offset + _CHUNK]
            params = {
                "filter_entity_id": ",".join(chunk),
                "end_time": end.isoformat(),
                "significant_changes_only": "0",
                "skip_initial_state": "1",
            }
            body = await rest.get(history_path(start), params=params)
            if isinstance(body, str):
                raise HAUnavailable(f"history answer from {rest.base_url} is not JSON")
            states: list[dict[str, Any]] = []
            for series in body if isinstance(body, list) else []:
                if isinstance(series, list):
                    states.extend(item for item in series if isinstance(item, dict))
            _log.debug(
                "history %s..%s: %d states of %d entities", start, end, len(states), len(chunk)
            )
            yield states
