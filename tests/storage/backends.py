"""Backends the storage contract suite runs against; each param makes a fresh, empty store.

To add a backend, append a ``pytest.param(factory, id="name")`` whose factory takes the
test's ``tmp_path`` and returns an open TimeSeriesStore.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from storage.embedded import EmbeddedStore
from storage.protocol import TimeSeriesStore

StoreFactory = Callable[[Path], TimeSeriesStore]


def embedded_store(tmp_path: Path) -> TimeSeriesStore:
    """Return a fresh embedded store in ``tmp_path``."""
    return EmbeddedStore(tmp_path / "store")


BACKENDS: list[Any] = [
    pytest.param(embedded_store, id="embedded"),
]
