"""The stand-in's query side: Flight ``DoGet`` with InfluxDB 3's JSON ticket, run by DataFusion.

The ticket is what ``influxdb_client_3`` sends: ``{"database", "sql_query", "query_type",
"params"?}``. Only SQL is served (InfluxQL is not); ``$name`` parameters go to DataFusion's
own parameter binding. Each query gets a fresh DataFusion session over an Arrow snapshot of
the database's tables, with ``information_schema`` enabled as InfluxDB has it. This is a test
stand-in, not InfluxDB: the SQL engine is the same family (DataFusion), the storage is not.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.flight as flight
from datafusion import SessionConfig, SessionContext

if TYPE_CHECKING:
    from tests.support.influx_standin.server import StandInState


class _AuthMiddleware(flight.ServerMiddleware):  # type: ignore[misc]
    pass


class AuthFactory(flight.ServerMiddlewareFactory):  # type: ignore[misc]
    """Refuse calls whose ``authorization`` header is not ``Bearer <token>``."""

    def __init__(self, state: StandInState) -> None:
        super().__init__()
        self.state = state

    def start_call(self, info: Any, headers: dict[str, list[str]]) -> _AuthMiddleware:
        """Admit or refuse one call."""
        if self.state.outage_active():
            raise flight.FlightUnavailableError("stand-in outage: unavailable")
        values = headers.get("authorization") or headers.get("Authorization") or []
        if f"Bearer {self.state.token}" not in values:
            raise flight.FlightUnauthenticatedError("Unauthenticated: invalid or missing token")
        return _AuthMiddleware()


class StandInFlightServer(flight.FlightServerBase):  # type: ignore[misc]
    """Flight server answering InfluxDB 3 SQL tickets from the stand-in's tables."""

    def __init__(self, state: StandInState) -> None:
        super().__init__(location="grpc+tcp://127.0.0.1:0", middleware={"auth": AuthFactory(state)})
        self.state = state

    def do_get(self, context: Any, ticket: flight.Ticket) -> flight.RecordBatchStream:
        """Run the ticket's SQL and stream the result."""
        try:
            request = json.loads(ticket.ticket.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise flight.FlightServerError(f"invalid ticket: {err}") from err
        if request.get("query_type", "sql") != "sql":
            raise flight.FlightServerError(
                "the InfluxDB stand-in serves SQL only; InfluxQL is not implemented"
            )
        database = str(request.get("database", ""))
        tables = self.state.catalog.snapshot(database)
        if tables is None:
            raise flight.FlightServerError(f"database not found: {database}")
        self.state.queries += 1
        session = SessionContext(SessionConfig().with_information_schema(True))
        for name, table in tables.items():
            session.register_record_batches(name, [table.to_batches() or _empty(table)])
        try:
            frame = session.sql(str(request["sql_query"]), param_values=request.get("params"))
            result = frame.to_arrow_table()
        except Exception as err:  # DataFusion raises plain Exceptions for planning errors
            raise flight.FlightServerError(f"Error while planning query: {err}") from err
        return flight.RecordBatchStream(result)


def _empty(table: pa.Table) -> list[pa.RecordBatch]:
    return [pa.RecordBatch.from_pylist([], schema=table.schema)]
