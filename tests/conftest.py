"""Shared pytest configuration.

Under ``CI=true`` a test that needs a real peer (HA, Mosquitto, Chromium) must fail when
the peer is missing; ``require_peer`` does that, and skips only on a developer machine.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.ha_peer import HAPeer
from tests.support.ha_venv import peer_possible

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_peer(available: bool, what: str) -> None:
    """Fail under CI, skip elsewhere, when the real peer ``what`` is not available."""
    if available:
        return
    message = f"{what} is not available; `make system-deps` installs it"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def ha_peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HAPeer]:
    """Yield a real Home Assistant (demo + test entities, recorder) for the whole session."""
    require_peer(peer_possible(), "Home Assistant (needs Python >= 3.13 for its venv)")
    peer = HAPeer(tmp_path_factory.mktemp("ha") / "config").start()
    try:
        yield peer
    finally:
        peer.stop()
