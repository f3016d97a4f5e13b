"""Export for the admin app: filters like `homeiq export`, written to a file, never in memory.

The kiosk never imports this module (it writes to disk).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import polars as pl

from app.services.context import ServiceError, Services
from app.services.timerange import TimeRange
from storage.errors import StoreError
from storage.export import export_events
from storage.protocol import AGGS, check_agg, parse_bucket

FORMATS: Final[tuple[str, ...]] = ("csv", "parquet")
DOWNLOAD_LIMIT_BYTES: Final[int] = 200 * 1024 * 1024
AGGREGATES: Final[tuple[str, ...]] = tuple(AGGS)


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportFile:
    """A finished export on disk."""

    path: Path
    rows: int
    bytes: int
    fmt: str

    @property
    def downloadable(self) -> bool:
        """Return whether the file is small enough to hand to the browser."""
        return self.bytes <= DOWNLOAD_LIMIT_BYTES

    @property
    def mime(self) -> str:
        """Return the file's MIME type."""
        return "text/csv" if self.fmt == "csv" else "application/vnd.apache.parquet"


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportPreview:
    """What an export would hold, estimated before writing it: rows, CSV size, first rows."""

    rows: int
    csv_bytes: int
    sample: pl.DataFrame


PREVIEW_ROWS: Final[int] = 20


def preview_export(
    svc: Services,
    *,
    entities: Sequence[str],
    rng: TimeRange,
    bucket: str | None,
    agg: str | None,
) -> ExportPreview:
    """Return an estimate of the export's rows and CSV size and its first rows.

    Raw rows are estimated from each entity's event count scaled by how much of its
    seen span the range covers; bucketed rows as buckets x entities (an upper bound).
    Nothing big is read: the sample is at most PREVIEW_ROWS rows.
    """
    try:
        known = svc.store.entities().filter(pl.col("entity_id").is_in(list(entities)))
        if bucket:
            width = parse_bucket(bucket)
            rows = int(rng.span / width) * known.height
            # the first PREVIEW_ROWS buckets of every chosen entity: small at any width
            head_end = min(rng.end, rng.start + width * PREVIEW_ROWS)
            sample = svc.store.aggregate(
                list(entities), rng.start, head_end, bucket, check_agg(agg or "mean")
            ).head(PREVIEW_ROWS)
        else:
            rows = _raw_estimate(known, rng)
            sample = svc.store.read(list(entities), rng.start, rng.end, limit=PREVIEW_ROWS)
            # rows differ in size by entity (an automation's attributes dwarf a sensor's), and
            # the sample holds the first entities only: weigh each entity's newest row instead
            newest = svc.store.latest(list(entities))
            if newest.height:
                size = _raw_bytes(known, rng, newest)
                return ExportPreview(rows=rows, csv_bytes=size, sample=sample)
    except StoreError as err:
        raise ServiceError(f"Previewing the export failed: {err}") from err
    per_row = len(sample.write_csv()) / sample.height if sample.height else 0.0
    return ExportPreview(rows=rows, csv_bytes=int(per_row * rows), sample=sample)


def _raw_bytes(known: pl.DataFrame, rng: TimeRange, newest: pl.DataFrame) -> int:
    """Return the CSV size of a raw export: each entity's rows times its newest row's size."""
    lines = newest.write_csv(include_header=False).splitlines()
    sizes = pl.DataFrame(
        {"entity_id": newest.get_column("entity_id"), "bytes": [len(x) + 1 for x in lines]}
    )
    per_entity = known.select("entity_id", rows=_share_of_events(rng)).join(
        sizes, on="entity_id", how="left"
    )
    mean = float(sizes.get_column("bytes").mean() or 0.0)  # type: ignore[arg-type]
    total = per_entity.select((pl.col("rows") * pl.col("bytes").fill_null(mean)).sum()).item()
    return int(total or 0)


def _share_of_events(rng: TimeRange) -> pl.Expr:
    # an entity's events scaled by how much of its seen span the range covers
    span = (pl.col("last_seen") - pl.col("first_seen")).dt.total_seconds() + 1.0
    overlap = (
        pl.min_horizontal(pl.col("last_seen"), pl.lit(rng.end))
        - pl.max_horizontal(pl.col("first_seen"), pl.lit(rng.start))
    ).dt.total_seconds()
    share = (overlap.clip(lower_bound=0) / span).clip(upper_bound=1.0)
    return pl.col("events") * share


def _raw_estimate(known: pl.DataFrame, rng: TimeRange) -> int:
    return int(known.select(_share_of_events(rng).sum()).item() or 0)


def select_entities(
    choices: pl.DataFrame,
    *,
    entities: Sequence[str] = (),
    domains: Sequence[str] = (),
    areas: Sequence[str] = (),
) -> list[str]:
    """Return entity ids matching every given filter (an empty filter matches all)."""
    frame = choices
    if entities:
        frame = frame.filter(pl.col("entity_id").is_in(list(entities)))
    if domains:
        frame = frame.filter(pl.col("domain").is_in(list(domains)))
    if areas:
        frame = frame.filter(pl.col("area").is_in(list(areas)))
    return frame["entity_id"].to_list()


def export_dir(svc: Services) -> Path:
    """Return data_dir/exports, created when missing."""
    folder = svc.settings.data_dir / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_export(
    svc: Services,
    *,
    entities: Sequence[str],
    rng: TimeRange,
    fmt: str,
    bucket: str | None,
    agg: str | None,
    progress: Callable[[int, float], None] | None = None,
) -> ExportFile:
    """Write the export to a file under data_dir/exports and return what was written."""
    if fmt not in FORMATS:
        raise ServiceError(f"Export format {fmt!r} is unknown; choose csv or parquet.")
    if not entities:
        raise ServiceError("No entity matches the filters; widen them.")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    shape = f"{bucket}-{agg}" if bucket else "raw"
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"homeiq-{shape}-{stamp}.{fmt}")
    path = export_dir(svc) / name

    def report(rows: int, done: float) -> None:
        if progress is not None:
            progress(rows, float(done))

    try:
        rows = export_events(
            svc.store,
            path,
            fmt=fmt,
            start=rng.start,
            end=rng.end,
            entities=list(entities),
            bucket=bucket,
            agg=agg if bucket else None,
            progress=report,
        )
    except StoreError as err:
        raise ServiceError(f"The export failed: {err}") from err
    return ExportFile(path=path, rows=rows, bytes=path.stat().st_size, fmt=fmt)
