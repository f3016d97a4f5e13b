"""open_store picks the backend from plain values and explains bad ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.embedded import EmbeddedStore
from storage.errors import StoreError
from storage.factory import open_store


def test_embedded_store_lives_in_the_data_dir(tmp_path: Path) -> None:
    store = open_store(backend="embedded", data_dir=tmp_path)
    try:
        assert isinstance(store, EmbeddedStore)
        assert store.root == tmp_path / "store"
        assert (tmp_path / "store" / "catalog.sqlite").exists()
    finally:
        store.close()


def test_unknown_backend_names_the_choices(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"unknown store backend 'sqlite'.*embedded, influxdb3"):
        open_store(backend="sqlite", data_dir=tmp_path)


def test_influxdb3_without_host_and_token_names_the_settings(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="HOMEIQ_INFLUX_HOST, HOMEIQ_INFLUX_TOKEN"):
        open_store(backend="influxdb3", data_dir=tmp_path, influx_database="homeiq")


def test_influx_store_gets_the_configured_retention(tmp_path: Path) -> None:
    # InfluxDB 3 Core fixes a database's retention when it is created, so the configured days
    # must reach the store that creates it.
    store = open_store(
        backend="influxdb3",
        data_dir=tmp_path,
        influx_host="http://127.0.0.1:9",
        influx_token="t",
        influx_database="homeiq",
        raw_retention_days=180,
        rollup_retention_days=1000,
    )
    try:
        assert store.raw_retention_days == 180  # type: ignore[attr-defined]
        assert store.rollup_retention_days == 1000  # type: ignore[attr-defined]
    finally:
        store.close()
