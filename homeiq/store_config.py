"""Open the time-series store the settings describe: the one place settings meet the factory."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from homeiq.settings import Settings
    from storage.protocol import TimeSeriesStore


def open_configured_store(settings: Settings, backend: str | None = None) -> TimeSeriesStore:
    """Return the store of ``backend`` (default HOMEIQ_STORE) opened with the settings' values."""
    from storage.factory import open_store  # heavy (duckdb, polars): only when a store is opened

    token = settings.influx_token.get_secret_value() if settings.influx_token else None
    return open_store(
        backend=backend or settings.store,
        data_dir=settings.data_dir,
        influx_host=settings.influx_host,
        influx_token=token,
        influx_database=settings.influx_database,
        raw_retention_days=settings.raw_retention_days,
        rollup_retention_days=settings.rollup_retention_days,
    )
