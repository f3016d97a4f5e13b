"""A store that does not answer gives every page a message naming it, never a traceback."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.pages import ADMIN_PAGES, ROOT
from tests.app.conftest import _point_app_at

PAGES = [pytest.param(spec.path, id=spec.url_path) for spec in ADMIN_PAGES]
# Pages that read only the metadata database (never the time-series store) work on with a dead
# store; they must still show no traceback and no token.
METADATA_ONLY = {"audit.py"}
PAGES.append(pytest.param(ROOT / "pages" / "kiosk_wall.py", id="kiosk"))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def dead_influx(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Point the app at an InfluxDB 3 store on a loopback port nobody listens on."""
    _point_app_at(monkeypatch, tmp_path)
    url = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("HOMEIQ_STORE", "influxdb3")
    monkeypatch.setenv("HOMEIQ_INFLUX_HOST", url)
    monkeypatch.setenv("HOMEIQ_INFLUX_TOKEN", "secret-token-never-shown")
    return url


@pytest.mark.parametrize("script", PAGES)
def test_page_names_an_unreachable_store(script: Path, dead_influx: str) -> None:
    at = AppTest.from_file(str(script), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    shown = " ".join(box.value for box in [*at.error, *at.warning, *at.info])
    if script.name not in METADATA_ONLY:
        assert "127.0.0.1" in shown or "store" in shown.lower(), shown
    assert "secret-token-never-shown" not in shown
    assert all("secret-token-never-shown" not in md.value for md in at.markdown)
