"""The stand-in's HTTP side: line-protocol writes and database admin, shaped like InfluxDB 3.

Endpoints: ``POST /api/v3/write_lp`` (``db``, ``precision``, ``accept_partial``),
``POST /api/v2/write`` (``bucket``, ``precision``), ``POST/GET/DELETE
/api/v3/configure/database``, ``GET /health`` and ``/ping``. Bodies of refusals use
InfluxDB 3's JSON shapes. This is a test stand-in, not InfluxDB.
"""

from __future__ import annotations

import gzip
import json
import re
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs, urlsplit

from tests.support.influx_standin.lp_parser import LineError, ParsedLine, parse_body
from tests.support.influx_standin.tables import Table

if TYPE_CHECKING:
    from tests.support.influx_standin.server import StandInState

_DB_NAME: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_V3_PRECISION: Final[dict[str, int]] = {
    "nanosecond": 1,
    "microsecond": 1_000,
    "millisecond": 1_000_000,
    "second": 1_000_000_000,
}
_V2_PRECISION: Final[dict[str, int]] = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000}
_DURATION: Final = re.compile(r"^(\d+)(h|d|w|mo|y)$")
_UNIT_SECONDS: Final[dict[str, int]] = {
    "h": 3600,
    "d": 86400,
    "w": 7 * 86400,
    "mo": 30 * 86400,
    "y": 365 * 86400,
}


def _auto_scale(value: int) -> int:
    # InfluxDB 3's "auto" precision guesses the unit from the magnitude around now.
    digits = len(str(abs(value)))
    if digits <= 11:
        return 1_000_000_000
    if digits <= 14:
        return 1_000_000
    if digits <= 17:
        return 1_000
    return 1


class Handler(BaseHTTPRequestHandler):
    """One HTTP request against the stand-in."""

    protocol_version = "HTTP/1.1"
    server: StandInHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    # --- plumbing ---------------------------------------------------------------
    def _reply(self, status: int, body: Any = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length) if length else b""
        if self.headers.get("Content-Encoding", "").lower() == "gzip":
            data = gzip.decompress(data)
        return data

    def _admitted(self) -> bool:
        state = self.server.state
        if state.outage_active():
            self._body()
            self._reply(HTTPStatus.SERVICE_UNAVAILABLE, {"error": "stand-in outage: unavailable"})
            return False
        header = self.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in {"bearer", "token"} or token != state.token:
            self._body()
            self._reply(HTTPStatus.UNAUTHORIZED, {"error": "the request was not authenticated"})
            return False
        return True

    # --- verbs ------------------------------------------------------------------
    def do_GET(self) -> None:
        """Serve health, ping and the database list."""
        if not self._admitted():
            return
        path = urlsplit(self.path).path
        if path in {"/health", "/ping"}:
            self._reply(HTTPStatus.OK, {"status": "pass", "version": "stand-in"})
        elif path == "/api/v3/configure/database":
            with self.server.state.catalog.lock:
                names = sorted(self.server.state.catalog.databases)
            self._reply(HTTPStatus.OK, [{"iox::database": name} for name in names])
        else:
            self._reply(HTTPStatus.NOT_FOUND, {"error": f"no route {path}"})

    def do_POST(self) -> None:
        """Serve writes and database creation."""
        if not self._admitted():
            return
        url = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        body = self._body()
        if url.path == "/api/v3/write_lp":
            self._write(query.get("db", ""), body, query, v2=False)
        elif url.path == "/api/v2/write":
            self._write(query.get("bucket", ""), body, query, v2=True)
        elif url.path == "/api/v3/configure/database":
            self._create_database(json.loads(body or b"{}"))
        else:
            self._reply(HTTPStatus.NOT_FOUND, {"error": f"no route {url.path}"})

    def do_DELETE(self) -> None:
        """Serve database deletion."""
        if not self._admitted():
            return
        url = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        catalog = self.server.state.catalog
        with catalog.lock:
            found = catalog.databases.pop(query.get("db", ""), None)
        if found is None:
            self._reply(HTTPStatus.NOT_FOUND, {"error": "database not found"})
        else:
            self._reply(HTTPStatus.OK)

    # --- handlers ---------------------------------------------------------------
    def _create_database(self, request: dict[str, Any]) -> None:
        name = str(request.get("db", ""))
        if not _DB_NAME.match(name):
            self._reply(HTTPStatus.BAD_REQUEST, {"error": f"invalid database name {name!r}"})
            return
        retention = request.get("retention_period")
        seconds: int | None = None
        if retention:
            match = _DURATION.match(str(retention))
            if not match:
                self._reply(HTTPStatus.BAD_REQUEST, {"error": f"invalid duration {retention!r}"})
                return
            seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        catalog = self.server.state.catalog
        with catalog.lock:
            if name in catalog.databases:
                self._reply(
                    HTTPStatus.CONFLICT,
                    {"error": "attempted to create resource that already exists"},
                )
                return
            db = catalog.database(name, create=True)
            assert db is not None
            db.retention_seconds = seconds
        self._reply(HTTPStatus.OK)

    def _write(self, db_name: str, body: bytes, query: dict[str, str], *, v2: bool) -> None:
        if not _DB_NAME.match(db_name):
            self._reply(HTTPStatus.BAD_REQUEST, {"error": f"invalid database name {db_name!r}"})
            return
        precision = query.get("precision", "ns" if v2 else "auto")
        table = _V2_PRECISION if v2 else _V3_PRECISION
        if precision != "auto" and precision not in table:
            self._reply(HTTPStatus.BAD_REQUEST, {"error": f"invalid precision {precision!r}"})
            return
        accept_partial = v2 or query.get("accept_partial", "true").lower() != "false"
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            self._reply(HTTPStatus.BAD_REQUEST, {"error": "body is not valid UTF-8"})
            return
        self.server.state.write_requests += 1
        catalog = self.server.state.catalog
        now_ns = time.time_ns()
        with catalog.lock:
            db = catalog.database(db_name, create=False)
            scratch: dict[str, Table] = {}
            accepted: list[tuple[ParsedLine, int]] = []
            errors: list[dict[str, Any]] = []
            for number, original, parsed in parse_body(text):
                if isinstance(parsed, LineError):
                    errors.append(_line_error(number, original, str(parsed)))
                    continue
                known = db.tables.get(parsed.measurement) if db is not None else None
                probe = scratch.setdefault(
                    parsed.measurement, Table(kinds=dict(known.kinds) if known else {})
                )
                try:
                    probe.check(parsed)
                except LineError as err:
                    errors.append(_line_error(number, original, str(err)))
                    continue
                for key, _ in parsed.tags:
                    probe.kinds.setdefault(key, "tag")
                for key, kind, _ in parsed.fields:
                    probe.kinds.setdefault(key, kind)
                if parsed.timestamp is None:
                    stamp = now_ns
                else:
                    scale = (
                        _auto_scale(parsed.timestamp) if precision == "auto" else table[precision]
                    )
                    stamp = parsed.timestamp * scale
                horizon = db.horizon_ns() if db is not None else None
                if horizon is not None and stamp < horizon:
                    # InfluxDB 3 refuses points older than the database's retention period.
                    errors.append(
                        _line_error(number, original, "data is outside of the retention period")
                    )
                    continue
                accepted.append((parsed, stamp))
            if errors and not accept_partial:
                self._reply(
                    HTTPStatus.BAD_REQUEST,
                    {"error": "parsing failed for write_lp endpoint", "data": errors[0]},
                )
                return
            if accepted:
                target = catalog.database(db_name, create=True)
                assert target is not None
                for parsed, stamp in accepted:
                    target.tables.setdefault(parsed.measurement, Table()).add(parsed, stamp)
                self.server.state.points_written += len(accepted)
        if errors:
            self._reply(
                HTTPStatus.BAD_REQUEST,
                {"error": "partial write of line protocol occurred", "data": errors},
            )
            return
        self._reply(HTTPStatus.NO_CONTENT)


def _line_error(number: int, original: str, message: str) -> dict[str, Any]:
    return {"original_line": original[:100], "line_number": number, "error_message": message}


class StandInHTTPServer(ThreadingHTTPServer):
    """Threaded HTTP server that carries the stand-in's shared state."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: StandInState) -> None:
        super().__init__(address, Handler)
        self.state = state
