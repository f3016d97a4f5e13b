"""A writer process for the embedded-store process tests (``python -m`` this module).

Modes: ``loop ROOT BATCH`` writes batches of BATCH events (one new timestamp across BATCH
entities each) forever, printing ``ready`` after the first; ``hold ROOT`` writes one event,
prints ``ready`` and sleeps holding the writer lock.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from storage.embedded import EmbeddedStore

START = datetime(2026, 1, 5, tzinfo=UTC)


def batch(index: int, size: int) -> pl.DataFrame:
    """Return batch ``index``: one event per entity at ``START + index seconds``."""
    moment = START + timedelta(seconds=index)
    return pl.DataFrame(
        {
            "time": [moment] * size,
            "entity_id": [f"sensor.e{n:04d}" for n in range(size)],
            "state": [str(index)] * size,
            "source": ["sim"] * size,
        }
    )


def main(argv: list[str]) -> None:
    """Run the mode named in ``argv``."""
    mode, root = argv[0], Path(argv[1])
    store = EmbeddedStore(root, small_files=4)
    if mode == "hold":
        store.write(batch(0, 1))
        print("ready", flush=True)
        time.sleep(600)
        return
    size = int(argv[2])
    index = 0
    while True:
        store.write(batch(index, size))
        if index == 0:
            print("ready", flush=True)
        index += 1


if __name__ == "__main__":
    main(sys.argv[1:])
