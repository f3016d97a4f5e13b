"""Compaction, rollups and retention of the embedded store (run by the writer process only)."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from datetime import datetime
from typing import Final

import polars as pl

from storage.embedded.base import DAY_US, StoreBase
from storage.embedded.catalog import FileEntry, NewFile
from storage.embedded.files import remove_quietly, write_parquet_atomic
from storage.embedded.rollups import coarsen, empty_partials, hourly_partials
from storage.events import from_us, now_utc, to_us

log = logging.getLogger(__name__)


# Retired files stay this long so readers holding an older catalog snapshot still find them.
RETIRE_GRACE_US: Final[int] = 60_000_000


class Maintenance(StoreBase):
    """The writer's housekeeping: compaction, deferred deletes, rollups for retention."""

    def _compact_day(self, day: str) -> None:
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
                self._merge(day, picked)
                return

    def _merge(self, day: str, files: list[FileEntry]) -> None:
        """Replace ``files`` (one day's raw files) by one sorted file."""
        merged = pl.concat([pl.read_parquet(self.root / f.path) for f in files], rechunk=False)
        new = self._write_day(merged)
        self._catalog.register([new], drop=[f.id for f in files], now_us=to_us(now_utc()))
        log.debug("compacted %d files of %s into %s", len(files), day, new.path)

    def _write_day(self, part: pl.DataFrame, kind: str = "raw") -> NewFile:
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

    def _collect_retired(self) -> None:
        """Delete retired files whose grace period is over."""
        paths = self._catalog.retired_before(to_us(now_utc()) - RETIRE_GRACE_US)
        if paths:
            remove_quietly([self.root / p for p in paths])
            self._catalog.forget_retired(paths)

    def partials(
        self, names: Sequence[str] | None, start: datetime, end: datetime, kind: str = "1h"
    ) -> pl.DataFrame:
        """Return partial aggregates (``1h`` or ``1d``) of raw numeric samples in a range."""
        paths = self._snapshot("raw", start, end, names)
        if not paths:
            return empty_partials()
        wanted = (pl.col("time") >= start) & (pl.col("time") < end) & pl.col("value").is_not_null()
        if names is not None:
            wanted &= pl.col("entity_id").is_in(names)
        samples = pl.scan_parquet(paths).select("entity_id", "time", "value").filter(wanted)
        hourly = self._retrying(lambda: hourly_partials(samples))
        return coarsen(hourly, DAY_US) if kind == "1d" else hourly.sort("entity_id", "bucket")

    def _retire_days_before(self, cutoff_us: int) -> int:
        """Roll up and retire every raw day before ``cutoff_us``; return raw rows dropped."""
        old = [f for f in self._catalog.files("raw", end_us=cutoff_us) if f.max_us < cutoff_us]
        deleted = 0
        for day in sorted({f.day for f in old}):
            day_files = [f for f in old if f.day == day]
            day_start = from_us(min(f.min_us for f in day_files) // DAY_US * DAY_US)
            day_end = from_us(to_us(day_start) + DAY_US)
            new: list[NewFile] = []
            for kind in ("1h", "1d"):
                rows = self.partials(None, day_start, day_end, kind)
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
