"""Run `homeiq ingest` as a subprocess against a temp data dir, and read its /healthz."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.mosquitto import free_port


def homeiq_executable() -> str:
    """Return the path of the `homeiq` script next to the running interpreter."""
    return str(Path(sys.executable).with_name("homeiq"))


@dataclass(slots=True)
class WorkerProcess:
    """A `homeiq ingest` subprocess with its environment and health port."""

    data_dir: Path
    env: dict[str, str]
    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = field(default=0)

    def start(self) -> None:
        """Start the worker (again)."""
        self.starts += 1
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [homeiq_executable(), "ingest"],
            cwd=self.data_dir,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def healthz(self) -> dict[str, Any] | None:
        """Return the /healthz payload, or None when the server does not answer."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as r:
                payload: dict[str, Any] = json.loads(r.read())
                return payload
        except OSError:
            return None

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float
    ) -> dict[str, Any]:
        """Return the first /healthz payload satisfying ``predicate``; raise after ``timeout``."""
        deadline = time.monotonic() + timeout
        last: dict[str, Any] | None = None
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited with {self.process.returncode}:\n{self.log()}")
            last = self.healthz()
            if last is not None and predicate(last):
                return last
            time.sleep(0.1)
        raise AssertionError(f"worker health never matched; last {last}\n{self.log()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the worker and reap it."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def terminate(self, timeout: float) -> int:
        """SIGTERM the worker; return its exit code (raises TimeoutExpired after ``timeout``)."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGTERM)
        return self.process.wait(timeout)

    def stop(self) -> None:
        """Make sure the worker is gone (used in teardown)."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def log(self) -> str:
        """Return what the worker wrote to stdout/stderr."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def worker_process(tmp_path: Path, **settings: str) -> WorkerProcess:
    """Return an unstarted worker with HOMEIQ_DATA_DIR in ``tmp_path`` and ``settings``."""
    data_dir = tmp_path / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "HOMEIQ_DATA_DIR": str(data_dir),
        "HOMEIQ_WORKER_PORT": str(port),
        "HOMEIQ_LOG_LEVEL": "INFO",
        **settings,
    }
    return WorkerProcess(data_dir=data_dir, env=env, port=port, log_path=tmp_path / "worker.log")
