"""Fixtures of the InfluxDB 3 tests: one stand-in per module, a fresh database per test."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from storage.influx3 import InfluxStore
from tests.support.influx_standin import InfluxStandIn

_names = itertools.count()


@pytest.fixture(scope="module")
def standin() -> Iterator[InfluxStandIn]:
    """Return a running InfluxDB 3 stand-in (NOT InfluxDB; see its module docstring)."""
    with InfluxStandIn() as server:
        yield server


@pytest.fixture
def database() -> str:
    """Return a database name no other test uses."""
    return f"test{next(_names)}"


@pytest.fixture
def store(standin: InfluxStandIn, database: str) -> Iterator[InfluxStore]:
    """Return an InfluxStore on a fresh stand-in database, without raw retention."""
    opened = InfluxStore(
        host=standin.url, token=standin.token, database=database, raw_retention_days=None
    )
    yield opened
    opened.close()
