"""A small OpenAI-compatible chat-completions server on loopback that records every request.

Tests set ``reply`` (the message content), ``finish_reason``, ``refusal``, ``delay_s`` or
``json_mode`` (False: answer 400 to ``response_format`` like older llama.cpp/LocalAI builds)
and read ``requests`` (parsed JSON bodies) and ``headers`` afterwards.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class LLMServer:
    """What the server answers and what it received."""

    port: int = 0
    reply: str = '{"title": "Light on", "description": "Turns it on."}'
    finish_reason: str = "stop"
    refusal: str | None = None
    delay_s: float = 0.0
    json_mode: bool = True
    status: int = 200  # any other: answer {"error": {"message": error}} with this status
    error: str = "server error"
    raw_body: bytes | None = None  # sent as-is instead of a chat completion (garbage)
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        """Return the OpenAI base URL (…/v1)."""
        return f"http://127.0.0.1:{self.port}/v1"


def _handler(server: LLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            server.requests.append(body)
            server.headers.append({k.lower(): v for k, v in self.headers.items()})
            time.sleep(server.delay_s)
            if "response_format" in body and not server.json_mode:
                self._send(400, {"error": {"message": "Unrecognized request argument"}})
                return
            if server.status != 200:
                self._send(server.status, {"error": {"message": server.error}})
                return
            if server.raw_body is not None:
                self._write(200, server.raw_body, "text/html")
                return
            message: dict[str, Any] = {"role": "assistant", "content": server.reply}
            if server.refusal is not None:
                message = {"role": "assistant", "content": None, "refusal": server.refusal}
            answer = {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", ""),
                "choices": [
                    {"index": 0, "message": message, "finish_reason": server.finish_reason}
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
            self._send(200, answer)

        def _send(self, status: int, answer: dict[str, Any]) -> None:
            self._write(status, json.dumps(answer).encode(), "application/json")

        def _write(self, status: int, data: bytes, content_type: str) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def running_llm_server() -> Iterator[LLMServer]:
    """Yield a recording chat-completions server on a free loopback port."""
    state = LLMServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.port = int(httpd.server_address[1])
    thread = threading.Thread(target=httpd.serve_forever, name="llm-server", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
