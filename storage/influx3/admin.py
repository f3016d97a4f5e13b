"""Create the raw and rollup databases with their retention periods (InfluxDB 3 HTTP API).

InfluxDB 3 Core sets a database's retention period only when the database is created, and
enforces it at query time (expired points stop being queryable, then get deleted). So the
store creates both databases before the first write: raw events with the raw retention,
rollups with the rollup retention. A database that already exists keeps whatever it has.
"""

from __future__ import annotations

import logging

import httpx

from storage.errors import StoreUnavailable
from storage.influx3.failures import CHECK_HOST, CHECK_TOKEN, TokenRejected

log = logging.getLogger(__name__)


def ensure_database(
    *, host: str, token: str, name: str, retention_days: int | None, timeout_s: float
) -> bool:
    """Create database ``name`` unless it exists; return True when this call created it."""
    body: dict[str, str] = {"db": name}
    if retention_days is not None:
        body["retention_period"] = f"{int(retention_days)}d"
    try:
        response = httpx.post(
            f"{host}/api/v3/configure/database",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout_s,
        )
    except httpx.HTTPError as err:
        raise StoreUnavailable(f"Cannot reach InfluxDB 3 at {host} ({err}). {CHECK_HOST}") from err
    if response.status_code in (200, 201, 204):
        log.info(
            "created InfluxDB 3 database %s (retention %s)", name, body.get("retention_period")
        )
        return True
    if response.status_code == 409:
        return False
    if response.status_code in (401, 403):
        raise TokenRejected(
            f"InfluxDB 3 at {host} refused to create database {name} "
            f"(HTTP {response.status_code}): {CHECK_TOKEN} (creating needs an admin token)"
        )
    # Older servers lack this endpoint; writes still create the database, without retention.
    log.warning(
        "could not create InfluxDB 3 database %s (HTTP %s); writes will create it "
        "without a retention period",
        name,
        response.status_code,
    )
    return False
