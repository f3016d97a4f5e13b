"""Fixtures of the storage contract suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.protocol import TimeSeriesStore
from tests.storage.backends import BACKENDS, StoreFactory


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TimeSeriesStore]:
    """Yield a fresh store of each backend, closed afterwards."""
    factory: StoreFactory = request.param
    opened = factory(tmp_path)
    try:
        yield opened
    finally:
        opened.close()
