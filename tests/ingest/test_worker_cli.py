"""`homeiq ingest` refuses to start without a source, with a message saying what to set."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _homeiq() -> str:
    return str(Path(sys.executable).with_name("homeiq"))


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "HOMEIQ_DATA_DIR": str(tmp_path),
        **extra,
    }


def test_ingest_without_source_exits_nonzero_with_message(tmp_path: Path) -> None:
    done = subprocess.run(
        [_homeiq(), "ingest"],
        cwd=tmp_path,
        env=_clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "no source configured" in done.stderr
    assert "HOMEIQ_MQTT_URL" in done.stderr


def test_ingest_with_bad_mqtt_url_names_the_setting(tmp_path: Path) -> None:
    done = subprocess.run(
        [_homeiq(), "ingest"],
        cwd=tmp_path,
        env=_clean_env(tmp_path, HOMEIQ_MQTT_URL="http://user:hunter2@host"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "HOMEIQ_MQTT_URL must look like mqtt://" in done.stderr
    assert "hunter2" not in done.stderr
