"""Small event batches the storage tests write (built here, so expected values are visible)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import polars as pl

from storage.events import conform


def series(
    entity_id: str,
    start: datetime,
    values: Sequence[float | str],
    *,
    step: timedelta = timedelta(minutes=10),
    source: str = "sim",
    unit: str | None = None,
) -> pl.DataFrame:
    """Return events of one entity: ``values`` at ``start``, ``start + step``, ..."""
    return conform(
        pl.DataFrame(
            {
                "time": [start + step * i for i in range(len(values))],
                "entity_id": [entity_id] * len(values),
                "state": [str(v) for v in values],
                "source": [source] * len(values),
                "unit": [unit] * len(values),
            }
        )
    )
