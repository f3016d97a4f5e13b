"""Fixtures of the ingest tests: a real Mosquitto broker and a real Home Assistant."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require_peer
from tests.support.ha_peer import HAPeer
from tests.support.ha_venv import peer_possible
from tests.support.mosquitto import Broker, mosquitto_binary, running_mosquitto


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    """Yield a real Mosquitto on a free loopback port (persistence on)."""
    require_peer(mosquitto_binary() is not None, "mosquitto")
    with running_mosquitto(tmp_path / "mosquitto") as running:
        yield running


@pytest.fixture(scope="session")
def ha_peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HAPeer]:
    """Yield a real Home Assistant (demo + test entities, recorder) for the whole session."""
    require_peer(peer_possible(), "Home Assistant (needs Python >= 3.13 for its venv)")
    peer = HAPeer(tmp_path_factory.mktemp("ha") / "config").start()
    try:
        yield peer
    finally:
        peer.stop()
