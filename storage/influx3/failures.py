"""Turn influxdb_client_3 / urllib3 / Arrow Flight failures into our storage errors.

Messages name the host and what to check, and never carry the token.
"""

from __future__ import annotations

from typing import Final

import pyarrow.flight as flight
import urllib3.exceptions
from influxdb_client_3.exceptions.exceptions import InfluxDBError, InfluxDBPartialWriteError

from storage.errors import StoreError, StoreUnavailable, StoreWriteError

CHECK_HOST: Final = "Is InfluxDB 3 running, and is HOMEIQ_INFLUX_HOST right?"
CHECK_TOKEN: Final = "token wrong or expired; check HOMEIQ_INFLUX_TOKEN"


class TokenRejected(StoreUnavailable):
    """InfluxDB refused the token: retrying cannot help until the setting changes."""


class MissingTable(StoreError):
    """The queried database, table or column does not exist yet (nothing written so far)."""


def _reason(err: BaseException) -> str:
    text = str(getattr(err, "reason", None) or err)
    for marker in ("Connection refused", "Name or service not known", "timed out"):
        if marker.lower() in text.lower():
            return marker.lower()
    return text.splitlines()[0][:200] if text else type(err).__name__


def write_failure(err: Exception, host: str) -> StoreError:
    """Return the storage error for a failed line-protocol write."""
    if isinstance(err, urllib3.exceptions.HTTPError | OSError):
        return StoreUnavailable(f"Cannot reach InfluxDB 3 at {host} ({_reason(err)}). {CHECK_HOST}")
    if isinstance(err, InfluxDBError):
        status = int(getattr(err, "status", 0) or 0)
        message = str(getattr(err, "message", "") or "")[:500]
        if status in (401, 403):
            return TokenRejected(
                f"InfluxDB 3 at {host} refused the write (HTTP {status}): {CHECK_TOKEN}"
            )
        if isinstance(err, InfluxDBPartialWriteError) or status == 400:
            return StoreWriteError(
                f"InfluxDB 3 at {host} refused the batch (HTTP 400): {message}. "
                "This is a bug in the line-protocol encoder or a schema clash with data "
                "another program wrote to the same table."
            )
        if status == 0:
            return StoreUnavailable(
                f"Cannot reach InfluxDB 3 at {host} ({message or 'no response'}). {CHECK_HOST}"
            )
        return StoreUnavailable(
            f"InfluxDB 3 at {host} answered HTTP {status} to a write ({message}); "
            "the batch stays queued and is retried"
        )
    return StoreWriteError(f"Writing to InfluxDB 3 at {host} failed: {err}")


def query_failure(err: Exception, host: str) -> StoreError:
    """Return the storage error for a failed Flight SQL query."""
    cause: BaseException = err
    while cause.__context__ is not None and not isinstance(cause, flight.FlightError):
        cause = cause.__context__
    text = str(cause)
    if isinstance(cause, flight.FlightUnauthenticatedError | flight.FlightUnauthorizedError):
        return TokenRejected(f"InfluxDB 3 at {host} refused the query: {CHECK_TOKEN}")
    if isinstance(cause, flight.FlightUnavailableError | flight.FlightTimedOutError):
        return StoreUnavailable(
            f"Cannot reach InfluxDB 3 at {host} ({_reason(cause)}). {CHECK_HOST}"
        )
    lowered = text.lower()
    # A table or column appears with its first write: before that, the answer is "no rows".
    missing_table = "not found" in lowered and ("table" in lowered or "database" in lowered)
    if missing_table or "no field named" in lowered:
        return MissingTable(text.splitlines()[0][:300])
    return StoreError(f"InfluxDB 3 at {host} could not run a query: {text.splitlines()[0][:500]}")
