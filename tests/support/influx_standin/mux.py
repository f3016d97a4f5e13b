"""One TCP port for both protocols, as InfluxDB 3 serves HTTP and Flight on 8181.

A connection that opens with the HTTP/2 preface (gRPC, so Flight) is piped to the Flight
server, anything else to the HTTP server. That lets the real client use one URL, exactly as
with InfluxDB, without a query-port override.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Final

_H2_PREFACE: Final = b"PRI * HTTP/2.0\r\n"


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


class Multiplexer:
    """Listen on 127.0.0.1 and route each connection by its first bytes."""

    def __init__(self, http_port: int, flight_port: int) -> None:
        self.http_port = http_port
        self.flight_port = flight_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="standin-mux", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._route, args=(client,), daemon=True).start()

    def _route(self, client: socket.socket) -> None:
        try:
            head = b""
            while len(head) < len(_H2_PREFACE):
                chunk = client.recv(len(_H2_PREFACE) - len(head))
                if not chunk:
                    break
                head += chunk
                if not _H2_PREFACE.startswith(head):
                    break
            port = self.flight_port if head == _H2_PREFACE else self.http_port
            upstream = socket.create_connection(("127.0.0.1", port))
        except OSError:
            client.close()
            return
        for sock in (client, upstream):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        upstream.sendall(head)
        back = threading.Thread(target=_pipe, args=(upstream, client), daemon=True)
        back.start()
        _pipe(client, upstream)
        back.join()
        client.close()
        upstream.close()

    def close(self) -> None:
        """Stop accepting connections."""
        self._closed.set()
        with contextlib.suppress(OSError):
            self.listener.close()
