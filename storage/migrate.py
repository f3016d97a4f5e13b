"""Copy event history from one TimeSeriesStore into another (``homeiq migrate-store``).

The copy reads the source day by day with ``iter_read`` and writes into the target. Stores
skip events whose (entity_id, time, source) they hold already, so running it again, or
after an interruption, copies only what is missing. Importing this module loads no
polars, so the CLI can name it at the top.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from storage.protocol import TimeSeriesStore

# One read window: a day keeps each ``iter_read`` small on any backend.
WINDOW: Final = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class CopyResult:
    """What a copy did: events read from the source and newly stored in the target."""

    read: int
    written: int


def copy_history(
    source: TimeSeriesStore,
    target: TimeSeriesStore,
    *,
    since: datetime | None = None,
    batch_rows: int = 50_000,
    on_batch: Callable[[int, int], None] | None = None,
) -> CopyResult:
    """Copy every event of ``source`` (from ``since``) into ``target``; return the counts.

    ``on_batch(read, written)`` is called after each written batch (a progress bar).
    The target's rollups are brought up to date at the end.
    """
    stats = source.stats()
    if stats.oldest is None or stats.newest is None:
        return CopyResult(read=0, written=0)
    start = max(stats.oldest, since) if since is not None else stats.oldest
    end = stats.newest + timedelta(microseconds=1)
    read = written = 0
    window_start = start
    while window_start < end:
        window_end = min(window_start + WINDOW, end)
        for frame in source.iter_read(None, window_start, window_end, batch_rows=batch_rows):
            result = target.write(frame)
            read += frame.height
            written += result.written
            if on_batch is not None:
                on_batch(frame.height, result.written)
        window_start = window_end
    target.maintain_rollups(datetime.now(UTC))
    return CopyResult(read=read, written=written)
