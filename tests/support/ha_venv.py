"""Builds the cached virtualenv that runs the real Home Assistant test peer.

The venv lives under ``~/.cache/homeiq/ha-<version>``; a marker file records what was
installed, so a finished build is reused and a half-finished one is redone. A file lock
keeps two test processes (or CI jobs on one machine) from building it at the same time.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HA_VERSION = "2025.4.4"
MIN_PYTHON = (3, 13)

_log = logging.getLogger(__name__)


def cache_dir() -> Path:
    """Return the directory that holds the cached HA venv."""
    return Path.home() / ".cache" / "homeiq" / f"ha-{HA_VERSION}"


def venv_dir() -> Path:
    """Return the path of the HA venv."""
    return cache_dir() / "venv"


def _marker() -> Path:
    return cache_dir() / "installed.json"


def _is_new_enough(python: Path) -> bool:
    probe = "import sys; sys.exit(0 if sys.version_info >= (3, 13) else 1)"
    try:
        return subprocess.run([str(python), "-c", probe], timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def find_python() -> Path | None:
    """Return a Python >= 3.13 interpreter (pyenv or PATH), or None when there is none."""
    candidates: list[Path] = []
    pyenv = shutil.which("pyenv")
    roots = [Path.home() / ".pyenv"]
    if pyenv:
        out = subprocess.run([pyenv, "root"], capture_output=True, text=True, timeout=30)
        if out.returncode == 0 and out.stdout.strip():
            roots.insert(0, Path(out.stdout.strip()))
    for root in roots:
        candidates.extend(sorted((root / "versions").glob("3.13.*/bin/python3.13"), reverse=True))
    for name in ("python3.13", "python3"):
        found = shutil.which(name)
        if found:
            candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file() and _is_new_enough(candidate):
            return candidate
    return None


def venv_ready() -> bool:
    """Return whether the HA venv is built completely for HA_VERSION."""
    marker = _marker()
    if not marker.is_file() or not (venv_dir() / "bin" / "hass").is_file():
        return False
    try:
        return bool(json.loads(marker.read_text()).get("homeassistant") == HA_VERSION)
    except ValueError:
        return False


def peer_possible() -> bool:
    """Return whether the HA peer is built or can be built here."""
    return venv_ready() or find_python() is not None


def _installer(venv: Path) -> list[str]:
    uv = Path(sys.executable).with_name("uv")
    if uv.is_file():
        return [str(uv), "pip", "install", "--python", str(venv / "bin" / "python")]
    return [str(venv / "bin" / "python"), "-m", "pip", "install"]


def _frontend_requirement(venv: Path) -> str:
    # HA runs with --skip-pip, and `frontend` is a critical default integration: without
    # the exact frontend wheel its manifest pins, HA boots into recovery mode.
    code = (
        "import json, pathlib, homeassistant.components.frontend as f;"
        "m = json.loads((pathlib.Path(f.__file__).parent / 'manifest.json').read_text());"
        "print(m['requirements'][0])"
    )
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return out.stdout.strip()


def ensure_venv(timeout: float = 1800.0) -> Path:
    """Return the HA venv, building it first when it is missing (once, under a file lock)."""
    if venv_ready():
        return venv_dir()
    cache_dir().mkdir(parents=True, exist_ok=True)
    with (cache_dir() / "build.lock").open("w") as lock:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"another process holds {cache_dir() / 'build.lock'} for over "
                        f"{timeout:.0f} s; is an HA venv build stuck?"
                    ) from None
                time.sleep(1.0)
        if venv_ready():
            return venv_dir()
        _build(timeout)
    return venv_dir()


def _build(timeout: float) -> None:
    python = find_python()
    if python is None:
        raise RuntimeError("no Python >= 3.13 found (pyenv or PATH); HA 2025.4 needs one")
    venv = venv_dir()
    if venv.exists():
        shutil.rmtree(venv)
    log_path = cache_dir() / "install.log"
    started = time.monotonic()
    _log.info("building the HA %s venv in %s with %s", HA_VERSION, venv, python)
    with log_path.open("w") as log:
        subprocess.run([str(python), "-m", "venv", str(venv)], check=True, timeout=300)
        env = {**os.environ, "VIRTUAL_ENV": str(venv)}
        for requirement in (f"homeassistant=={HA_VERSION}", None):
            spec = requirement or _frontend_requirement(venv)
            done = subprocess.run(
                [*_installer(venv), spec],
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                env=env,
            )
            if done.returncode != 0:
                raise RuntimeError(f"installing {spec} into {venv} failed; see {log_path}")
    frontend = _frontend_requirement(venv)
    _marker().write_text(json.dumps({"homeassistant": HA_VERSION, "frontend": frontend}))
    _log.info("HA venv built in %.0f s", time.monotonic() - started)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    print(ensure_venv())
