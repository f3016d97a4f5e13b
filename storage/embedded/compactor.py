"""Compaction, rollups for retention and deferred deletes of the embedded store (writer only)."""

from __future__ import annotations

import logging
import math
from datetime import datetime
from pathlib import Path
from typing import Final

import polars as pl

from storage.embedded.catalog import Catalog, FileEntry, NewFile
from storage.embedded.files import remove_quietly, scan_events, write_parquet_atomic
from storage.embedded.reader import DAY_US, Reader
from storage.events import from_us, now_utc, to_us

log = logging.getLogger(__name__)

# Retired files stay this long so readers holding an older catalog snapshot still find them.
RETIRE_GRACE_US: Final[int] = 60_000_000
# One compaction reads at most this many rows, which bounds the writer's memory (about
# 200 bytes a row in memory, times three while sorting and encoding); bigger files stay.
MERGE_ROWS: Final[int] = 32_000


class Compactor:
    """Writes day files, merges small ones, rolls up and retires old days, deletes late."""

    def __init__(
        self,
        root: Path,
        catalog: Catalog,
        reader: Reader,
        *,
        small_files: int = 8,
        merge_rows: int = MERGE_ROWS,
    ) -> None:
        if small_files < 2 or merge_rows < 2:
            raise ValueError("small_files and merge_rows must be at least 2")
        self.root = root
        self.small_files = small_files
        self.merge_rows = merge_rows
        self._catalog = catalog
        self._reader = reader

    def compact_day(self, day: str) -> None:
        """Merge a day's raw files of one size tier into one file of at most ``merge_rows``.

        Size-tiered: files merge only with files of about their size (tier = the power of
        ``small_files`` their row count reaches), once a tier holds ``small_files`` files.
        So each event is rewritten a few times (once per tier), not on every write, and
        one merge never reads more than ``merge_rows`` rows. Bigger files are final.
        """
        tiers: dict[int, list[FileEntry]] = {}
        for entry in self._catalog.files("raw", day=day):
            if entry.rows < self.merge_rows:
                tier = int(math.log(max(entry.rows, 1), self.small_files))
                tiers.setdefault(tier, []).append(entry)
        for tier in sorted(tiers):
            if len(tiers[tier]) < self.small_files:
                continue
            picked: list[FileEntry] = []
            rows = 0
            for entry in sorted(tiers[tier], key=lambda f: f.rows):
                if rows + entry.rows > self.merge_rows:
                    break
                picked.append(entry)
                rows += entry.rows
            if len(picked) >= 2:
                self.merge(day, picked)
                return

    def merge(self, day: str, files: list[FileEntry]) -> None:
        """Replace ``files`` (one day's raw files) by one sorted file."""
        merged = scan_events([self.root / f.path for f in files]).collect()
        new = self.write_day(merged)
        self._catalog.register([new], drop=[f.id for f in files], now_us=to_us(now_utc()))
        log.debug("compacted %d files of %s into %s", len(files), day, new.path)

    def write_day(self, part: pl.DataFrame, kind: str = "raw") -> NewFile:
        """Write one day's rows as a new Parquet file and return its catalog entry."""
        ordered = part.sort("entity_id", "time", "source")
        day = ordered.get_column("time").min()
        assert isinstance(day, datetime)
        day_text = day.date().isoformat()
        folder = self.root / "events" / f"day={day_text}"
        path, size = write_parquet_atomic(ordered, folder)
        per_entity = (
            ordered.group_by("entity_id")
            .agg(
                pl.col("time").min().dt.epoch("us").alias("lo"),
                pl.col("time").max().dt.epoch("us").alias("hi"),
                pl.len().alias("rows"),
            )
            .rows()
        )
        times = ordered.get_column("time").dt.epoch("us")
        return NewFile(
            kind=kind,
            day=day_text,
            path=str(path.relative_to(self.root)),
            min_us=int(times.min()),  # type: ignore[arg-type]
            max_us=int(times.max()),  # type: ignore[arg-type]
            rows=ordered.height,
            bytes=size,
            entities=per_entity,
        )

    def collect_retired(self) -> None:
        """Delete retired files whose grace period is over."""
        paths = self._catalog.retired_before(to_us(now_utc()) - RETIRE_GRACE_US)
        if paths:
            remove_quietly([self.root / p for p in paths])
            self._catalog.forget_retired(paths)

    def retire_days_before(self, cutoff_us: int) -> int:
        """Roll up and retire every raw day before ``cutoff_us``; return raw rows dropped."""
        old = [f for f in self._catalog.files("raw", end_us=cutoff_us) if f.max_us < cutoff_us]
        deleted = 0
        for day in sorted({f.day for f in old}):
            day_files = [f for f in old if f.day == day]
            day_start = from_us(min(f.min_us for f in day_files) // DAY_US * DAY_US)
            day_end = from_us(to_us(day_start) + DAY_US)
            new: list[NewFile] = []
            for kind in ("1h", "1d"):
                rows = self._reader.partials(None, day_start, day_end, kind)
                if rows.is_empty():
                    continue
                folder = self.root / "rollups" / kind / f"day={day}"
                path, size = write_parquet_atomic(rows, folder)
                new.append(
                    NewFile(
                        kind=kind,
                        day=day,
                        path=str(path.relative_to(self.root)),
                        min_us=to_us(day_start),
                        max_us=to_us(day_end) - 1,
                        rows=rows.height,
                        bytes=size,
                        entities=(),
                    )
                )
            self._catalog.register(
                new,
                drop=[f.id for f in day_files],
                settings=[("raw_from_us", str(cutoff_us))],
                now_us=to_us(now_utc()),
            )
            deleted += sum(f.rows for f in day_files)
        self._catalog.register([], settings=[("raw_from_us", str(cutoff_us))])
        if deleted:
            log.info("retention dropped %d raw events before %s", deleted, from_us(cutoff_us))
        return deleted
