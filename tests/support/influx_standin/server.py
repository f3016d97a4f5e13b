"""Start and stop the InfluxDB 3 stand-in, and switch its simulated outage on and off.

THIS IS A STAND-IN, NOT InfluxDB. No InfluxDB 3 server can be installed on the test machines,
so the tests run the real ``influxdb_client_3`` against this: a spec-following line-protocol
parser over HTTP, Arrow tables in memory, and Arrow Flight queries executed by DataFusion
(the SQL engine InfluxDB 3 is built on). It reproduces the behaviour our code relies on
(endpoints, JSON ticket, auth, type conflicts, last-write-wins, query-time retention); it
does not reproduce InfluxDB's storage engine, performance, compaction or limits.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from tests.support.influx_standin.flight_api import StandInFlightServer
from tests.support.influx_standin.http_api import StandInHTTPServer
from tests.support.influx_standin.mux import Multiplexer
from tests.support.influx_standin.tables import Catalog


@dataclass
class StandInState:
    """What the HTTP and Flight sides share."""

    token: str
    catalog: Catalog = field(default_factory=Catalog)
    outage_until: float = 0.0
    write_requests: int = 0
    points_written: int = 0
    queries: int = 0

    def outage_active(self) -> bool:
        """Return whether requests are being refused as unavailable right now."""
        return time.monotonic() < self.outage_until


class InfluxStandIn:
    """A running stand-in: ``url`` serves writes (HTTP) and queries (Flight) on one port."""

    def __init__(self, token: str = "standin-token") -> None:
        self.state = StandInState(token=token)
        self._http = StandInHTTPServer(("127.0.0.1", 0), self.state)
        self._http_thread = threading.Thread(
            target=self._http.serve_forever, name="standin-http", daemon=True
        )
        self._http_thread.start()
        self._flight = StandInFlightServer(self.state)
        self._flight_thread = threading.Thread(
            target=self._flight.serve, name="standin-flight", daemon=True
        )
        self._flight_thread.start()
        self._mux = Multiplexer(self._http.server_address[1], self._flight.port)
        self.url = f"http://127.0.0.1:{self._mux.port}"
        self.token = token

    def outage(self, seconds: float) -> None:
        """Refuse every request with 503 / UNAVAILABLE for the next ``seconds``."""
        self.state.outage_until = time.monotonic() + seconds

    def end_outage(self) -> None:
        """Serve requests again."""
        self.state.outage_until = 0.0

    def rows(self, database: str) -> int:
        """Return the number of stored points (after overwrites) in ``database``."""
        return self.state.catalog.rows(database)

    def close(self) -> None:
        """Stop all three listeners."""
        self._mux.close()
        self._http.shutdown()
        self._http.server_close()
        self._flight.shutdown()

    def __enter__(self) -> InfluxStandIn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
