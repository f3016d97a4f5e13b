"""Shared pytest configuration.

Under ``CI=true`` a test that needs a real peer (HA, Mosquitto, Chromium) must fail when
the peer is missing; ``require_peer`` does that, and skips only on a developer machine.
"""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_peer(available: bool, what: str) -> None:
    """Fail under CI, skip elsewhere, when the real peer ``what`` is not available."""
    if available:
        return
    message = f"{what} is not available; `make system-deps` installs it"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)
