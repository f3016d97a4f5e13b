"""The names of the time-series backends: the one list settings, factory and CLI share.

Kept free of heavy imports so that settings can name the type without loading polars.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

StoreBackend = Literal["embedded", "influxdb3"]
BACKENDS: Final[tuple[str, ...]] = get_args(StoreBackend)
