"""Gap backfill from HA's REST history API.

After every (re)connect the source asks ``/api/history/period/<start>`` for the interval it
may have missed. ``significant_changes_only=0`` returns every recorded state (not just
state-text changes), full objects with attributes (not ``minimal_response``) so backfilled
events equal live ones, and ``skip_initial_state`` leaves out the synthetic row HA adds for
the state at ``start`` (its time would be ``start``, not the state's own ``last_updated``).
HA requires ``filter_entity_id``, so entity ids are sent in chunks short enough for a URL.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any, Final
from urllib.parse import quote

import httpx

from ingest_worker.base import AuthenticationFailed, SourceUnavailable

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

    Chunk by chunk, so a day of history of a large home never sits in memory at once.
    """
    headers = {"Authorization": f"Bearer {token}"}
    ids = sorted(set(entity_ids))
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=_TIMEOUT) as client:
        for offset in range(0, len(ids), _CHUNK):
            chunk = ids[offset : offset + _CHUNK]
            params = {
                "filter_entity_id": ",".join(chunk),
                "end_time": end.isoformat(),
                "significant_changes_only": "0",
                "skip_initial_state": "1",
            }
            try:
                response = await client.get(history_path(start), params=params)
            except httpx.HTTPError as err:
                raise SourceUnavailable(f"history request to {base_url} failed: {err!r}") from err
            if response.status_code == 401:
                raise AuthenticationFailed(
                    f"Home Assistant at {base_url} refused the token for /api/history; "
                    "check HOMEIQ_HA_TOKEN / HOMEIQ_HA_TOKEN_FILE"
                )
            if response.status_code != 200:
                raise SourceUnavailable(
                    f"history request to {base_url} answered {response.status_code}: "
                    f"{response.text[:200]}"
                )
            try:
                body = response.json()
            except ValueError as err:
                raise SourceUnavailable(f"history answer from {base_url} is not JSON") from err
            states: list[dict[str, Any]] = []
            for series in body if isinstance(body, list) else []:
                if isinstance(series, list):
                    states.extend(item for item in series if isinstance(item, dict))
            _log.debug(
                "history %s..%s: %d states of %d entities", start, end, len(states), len(chunk)
            )
            yield states
