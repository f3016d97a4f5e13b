"""A real Mosquitto broker on a free loopback port, for tests (stopped by PID).

Persistence is on and the queue limits are lifted, so a client with a persistent session
finds every QoS 1 message the broker received while it was away, even 10,000 of them.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

MOSQUITTO_CANDIDATES = ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto")


def mosquitto_binary() -> str | None:
    """Return the path of the mosquitto executable, or None when it is not installed."""
    found = shutil.which("mosquitto")
    if found:
        return found
    for candidate in MOSQUITTO_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(slots=True)
class Broker:
    """A running broker: its port, URL and process."""

    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        """Return the broker URL in HOMEIQ_MQTT_URL form."""
        return f"mqtt://127.0.0.1:{self.port}"

    def log(self) -> str:
        """Return what the broker logged so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def _wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mosquitto exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"mosquitto did not listen on 127.0.0.1:{port} within {timeout} s")


@contextmanager
def running_mosquitto(workdir: Path) -> Iterator[Broker]:
    """Run mosquitto on a free loopback port with persistence in ``workdir``; yield it."""
    binary = mosquitto_binary()
    if binary is None:
        raise RuntimeError("mosquitto is not installed; `make system-deps` installs it")
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = workdir / "mosquitto.log"
    config = workdir / "mosquitto.conf"
    config.write_text(
        "\n".join(
            [
                f"listener {port} 127.0.0.1",
                "allow_anonymous true",
                "persistence true",
                f"persistence_location {workdir}/",
                "max_queued_messages 0",
                "max_queued_bytes 0",
                "max_inflight_messages 100",
                f"log_dest file {log_path}",
                "log_type error",
                "log_type warning",
                "log_type notice",
                "",
            ]
        )
    )
    process = subprocess.Popen(
        [binary, "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_listening(port, process, 10)
        yield Broker(port=port, process=process, log_path=log_path)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(5)
