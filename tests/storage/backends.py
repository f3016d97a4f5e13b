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


_influx_standin: Any = None


def influx_standin_store(tmp_path: Path) -> TimeSeriesStore:
    """Return an InfluxStore on a fresh database of the InfluxDB 3 STAND-IN (not InfluxDB).

    One stand-in serves the whole run; each store gets its own database, without raw
    retention so the suite's fixed historical dates stay visible.
    """
    global _influx_standin
    from storage.influx3 import InfluxStore
    from tests.support.influx_standin import InfluxStandIn

    if _influx_standin is None:
        _influx_standin = InfluxStandIn()
    database = "contract_" + "".join(c if c.isalnum() else "_" for c in tmp_path.name)[-40:]
    return InfluxStore(
        host=_influx_standin.url,
        token=_influx_standin.token,
        database=database,
        raw_retention_days=None,
    )


BACKENDS: list[Any] = [
    pytest.param(embedded_store, id="embedded"),
    pytest.param(influx_standin_store, id="influxdb3-standin"),
]
