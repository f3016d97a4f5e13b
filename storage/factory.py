"""Open the configured time-series backend from plain values (entry points pass settings)."""

from __future__ import annotations

import importlib
from pathlib import Path

from storage.backends import BACKENDS
from storage.errors import StoreError
from storage.protocol import TimeSeriesStore

__all__ = ["BACKENDS", "open_store"]


def open_store(
    *,
    backend: str,
    data_dir: Path,
    influx_host: str | None = None,
    influx_token: str | None = None,
    influx_database: str | None = None,
    raw_retention_days: int = 90,
    rollup_retention_days: int = 730,
) -> TimeSeriesStore:
    """Return an open store of ``backend`` (``embedded`` under ``data_dir``, or ``influxdb3``)."""
    if backend == "embedded":
        from storage.embedded import EmbeddedStore

        return EmbeddedStore(Path(data_dir) / "store")
    if backend == "influxdb3":
        try:
            influx = importlib.import_module("storage.influx3")
        except ModuleNotFoundError as err:
            raise StoreError(
                f"the InfluxDB 3 backend is not available ({err}); "
                "set HOMEIQ_STORE=embedded or install the project with its influx dependencies"
            ) from err
        if not influx_host or not influx_token or not influx_database:
            missing = [
                name
                for name, value in (
                    ("HOMEIQ_INFLUX_HOST", influx_host),
                    ("HOMEIQ_INFLUX_TOKEN", influx_token),
                    ("HOMEIQ_INFLUX_DATABASE", influx_database),
                )
                if not value
            ]
            raise StoreError(
                f"HOMEIQ_STORE=influxdb3 needs {', '.join(missing)}; set them in .env "
                "or the environment"
            )
        # InfluxDB 3 Core sets a database's retention only at creation, so the configured
        # days must reach the store that may create it (the embedded store applies retention
        # when the worker asks).
        store: TimeSeriesStore = influx.InfluxStore(
            host=influx_host,
            token=influx_token,
            database=influx_database,
            raw_retention_days=raw_retention_days,
            rollup_retention_days=rollup_retention_days,
        )
        return store
    raise StoreError(f"unknown store backend {backend!r}; use one of {', '.join(BACKENDS)}")
