"""`homeiq run` (`make run`) fills an empty store, serves app and kiosk, stops on Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from app.pages import ROOT
from storage.factory import open_store


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_run_fills_empty_store_serves_both_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    app_port, kiosk_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOMEIQ_")}
    env.update(
        {
            "HOMEIQ_DATA_DIR": str(tmp_path),
            "HOMEIQ_APP_HOST": "127.0.0.1",
            "HOMEIQ_APP_PORT": str(app_port),
            "HOMEIQ_KIOSK_PORT": str(kiosk_port),
        }
    )
    command = [sys.executable, "-m", "homeiq.cli", "run", "--demo-days", "2"]
    proc = subprocess.Popen(
        [*command, "--demo-entities", "40"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            if _answers(app_port) and _answers(kiosk_port):
                break
            time.sleep(0.5)
        assert _answers(app_port) and _answers(kiosk_port), "app and kiosk did not both answer"
        store = open_store(backend="embedded", data_dir=tmp_path)
        try:
            stats = store.stats()
        finally:
            store.close()
        assert 24 <= stats.entities <= 30  # the fixed entities, and not more than asked
        assert stats.events > 0
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, output.decode(errors="replace")[-2000:]
    assert not _answers(app_port)
    assert not _answers(kiosk_port)


def _worker_answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code in (200, 503)
    except httpx.HTTPError:
        return False


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_run_on_a_fresh_data_dir_starts_every_process_without_a_traceback(tmp_path: Path) -> None:
    # Worker, app and kiosk open the metadata database and the store catalog of a brand-new
    # data folder at the same moment (issue 16); ten fresh starts in a row, none may fail.
    for attempt in range(10):
        data_dir = tmp_path / f"fresh-{attempt}"
        ports = {name: _free_port() for name in ("app", "kiosk", "worker", "mqtt")}
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOMEIQ_")}
        env.update(
            {
                "HOMEIQ_DATA_DIR": str(data_dir),
                "HOMEIQ_APP_HOST": "127.0.0.1",
                "HOMEIQ_APP_PORT": str(ports["app"]),
                "HOMEIQ_KIOSK_PORT": str(ports["kiosk"]),
                "HOMEIQ_WORKER_PORT": str(ports["worker"]),
                # Nothing listens there: the worker starts, opens everything and keeps retrying.
                "HOMEIQ_MQTT_URL": f"mqtt://127.0.0.1:{ports['mqtt']}",
            }
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "homeiq.cli", "run"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 120
            up = False
            while time.monotonic() < deadline and proc.poll() is None:
                up = (
                    _answers(ports["app"])
                    and _answers(ports["kiosk"])
                    and _worker_answers(ports["worker"])
                )
                if up:
                    break
                time.sleep(0.3)
            alive = proc.poll() is None
            proc.send_signal(signal.SIGINT)
            output, _ = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        text = output.decode(errors="replace")
        assert alive and up, f"start {attempt}: not every process came up:\n{text[-3000:]}"
        assert "Traceback" not in text, f"start {attempt}:\n{text[-3000:]}"
        assert (data_dir / "homeiq.sqlite").is_file()
