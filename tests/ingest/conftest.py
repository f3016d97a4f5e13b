"""Fixtures of the ingest tests: a real Mosquitto broker (the HA peer is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require_peer
from tests.support.mosquitto import Broker, mosquitto_binary, running_mosquitto


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    """Yield a real Mosquitto on a free loopback port (persistence on)."""
    require_peer(mosquitto_binary() is not None, "mosquitto")
    with running_mosquitto(tmp_path / "mosquitto") as running:
        yield running
