"""A real workbench server (``streamlit run app/server.py``) on a free loopback port, for tests."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from app.pages import ROOT
from homeiq.commands.app_cmds import ADMIN_ENTRY, streamlit_command


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_health(url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Wait until ``url``/_stcore/health answers; raise when the server died or is too slow."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"the server for {url} exited with code {proc.returncode}")
        time.sleep(0.3)
    raise RuntimeError(f"the server for {url} did not answer in {timeout:.0f} s")


@contextmanager
def serving(data_dir: Path, env: dict[str, str], entry: Path = ADMIN_ENTRY) -> Iterator[str]:
    """Serve ``entry`` over ``data_dir`` with extra HOMEIQ_* ``env`` on loopback; yield its URL."""
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HOMEIQ_")}
    clean.update({"HOMEIQ_DATA_DIR": str(data_dir), "HOMEIQ_TIMEZONE": "Europe/Amsterdam", **env})
    proc = subprocess.Popen(
        streamlit_command(entry, port, "127.0.0.1"),
        cwd=ROOT,
        env=clean,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
