"""The write path of the embedded store: dedup against stored keys, crash-safe files, retention."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from pathlib import Path

import polars as pl

from storage.embedded.catalog import Catalog, NewFile
from storage.embedded.compactor import Compactor
from storage.embedded.files import TMP_SUFFIX, WriterLock, remove_quietly, scan_events
from storage.embedded.reader import DAY_US, ENTITY_PRUNE_MAX, Reader
from storage.errors import InvalidQuery
from storage.events import KEY_COLUMNS, conform, from_us, now_utc, to_us
from storage.protocol import RetentionResult, WriteResult

log = logging.getLogger(__name__)

_SPAN_SCHEMA = {"entity_id": pl.String(), "lo": pl.Int64(), "hi": pl.Int64(), "path": pl.String()}


class Writer:
    """Writing and retention; only the process holding the writer lock gets past ``_take_lock``."""

    def __init__(self, root: Path, catalog: Catalog, reader: Reader, compactor: Compactor) -> None:
        self.root = root
        self._catalog = catalog
        self._reader = reader
        self._compactor = compactor
        self._lock = WriterLock(root)
        self._mutex = threading.Lock()

    def write(self, events: pl.DataFrame) -> WriteResult:
        """Store a batch of events; rows whose key is stored already are skipped."""
        try:
            frame = conform(events)
        except ValueError as err:
            raise InvalidQuery(str(err)) from err
        received = frame.height
        if received == 0:
            return WriteResult(received=0, written=0)
        with self._mutex:
            self._take_lock()
            frame = frame.unique(subset=list(KEY_COLUMNS), keep="first", maintain_order=True)
            horizon = self._reader.horizon_us()
            if horizon is not None:
                kept = frame.filter(pl.col("time") >= from_us(horizon))
                if kept.height < frame.height:
                    log.info(
                        "skipped %d event(s) older than the raw retention horizon %s",
                        frame.height - kept.height,
                        from_us(horizon).isoformat(),
                    )
                frame = kept
            new: list[NewFile] = []
            written = 0
            days = frame.with_columns(pl.col("time").dt.date().alias("_day"))
            for part in days.partition_by("_day", include_key=False):
                fresh = self._without_stored(part)
                if fresh.is_empty():
                    continue
                new.append(self._compactor.write_day(fresh))
                written += fresh.height
            if new:
                meta = (
                    frame.unique("entity_id", keep="last")
                    .select("entity_id", "domain", "unit", "device_class", "area")
                    .rows()
                )
                self._catalog.register(new, meta=meta)
                for day in sorted({f.day for f in new}):
                    self._compactor.compact_day(day)
            self._compactor.collect_retired()
        return WriteResult(received=received, written=written)

    def _without_stored(self, part: pl.DataFrame) -> pl.DataFrame:
        """Return the rows of one day's batch whose key is not stored yet.

        The catalog holds each file's time span per entity, so a row outside every stored
        span of its entity (all rows, when streaming live) is new without reading a file;
        only the others are checked against the keys of the files whose spans they touch.
        """
        first = part.get_column("time").min()
        assert isinstance(first, datetime)
        names = part.get_column("entity_id").unique().to_list()
        prune = names if len(names) <= ENTITY_PRUNE_MAX else None
        spans = self._catalog.stored_spans(first.date().isoformat(), prune)
        if not spans:
            return part
        stored = pl.DataFrame(spans, schema=_SPAN_SCHEMA, orient="row")
        bounds = stored.group_by("entity_id").agg(pl.col("lo").min(), pl.col("hi").max())
        moments = part.select("entity_id", pl.col("time").dt.epoch("us").alias("us"))
        candidates = moments.join(bounds, on="entity_id").filter(
            pl.col("us").is_between(pl.col("lo"), pl.col("hi"))
        )
        if candidates.is_empty():
            return part
        wanted = candidates.group_by("entity_id").agg(
            pl.col("us").min().alias("a"), pl.col("us").max().alias("b")
        )
        paths = (
            stored.join(wanted, on="entity_id")
            .filter((pl.col("lo") <= pl.col("b")) & (pl.col("hi") >= pl.col("a")))
            .get_column("path")
            .unique()
            .to_list()
        )
        lo, hi = from_us(wanted["a"].min()), from_us(wanted["b"].max())  # type: ignore[arg-type]
        keys = (
            scan_events([self.root / path for path in paths])
            .select(KEY_COLUMNS)
            .filter(
                pl.col("time").is_between(lo, hi)
                & pl.col("entity_id").is_in(wanted.get_column("entity_id").implode())
            )
            .collect()
        )
        return part.join(keys, on=list(KEY_COLUMNS), how="anti", nulls_equal=True)

    def _take_lock(self) -> None:
        """Take the writer lock on first write, then clear files a crashed writer left behind."""
        if self._lock.held:
            return
        self._lock.acquire()
        known = self._catalog.known_paths()
        orphans = [
            path
            for folder in ("events", "rollups")
            for path in (self.root / folder).rglob("*")
            if path.is_file()
            and (path.name.endswith(TMP_SUFFIX) or str(path.relative_to(self.root)) not in known)
        ]
        if orphans:
            log.info("removing %d file(s) a stopped writer left unregistered", len(orphans))
            remove_quietly(orphans)

    def apply_retention(self, raw_days: int) -> RetentionResult:
        """Roll up and drop raw days older than ``raw_days``; rollups keep answering."""
        if raw_days < 1:
            raise InvalidQuery(f"raw_days {raw_days} must be at least 1 day")
        cutoff_us = (to_us(now_utc()) // DAY_US - raw_days) * DAY_US
        with self._mutex:
            self._take_lock()
            deleted = self._compactor.retire_days_before(cutoff_us)
            self._compactor.collect_retired()
        return RetentionResult(raw_rows_deleted=deleted, cutoff=from_us(cutoff_us))

    def close(self) -> None:
        """Release the writer lock if this process holds it."""
        self._lock.release()
