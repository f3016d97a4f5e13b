"""What the Explore page shows: chosen entities as lines (numeric) or state timelines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

from app.services.cache import cached
from app.services.context import ServiceError, Services
from app.services.timerange import TimeRange, bucket_for
from storage.errors import StoreError

MAX_STATE_ROWS: Final[int] = 20_000


@dataclass(frozen=True, slots=True, kw_only=True)
class Series:
    """Downsampled numeric lines and state runs for the chosen entities."""

    bucket: str
    lines: pl.DataFrame  # time, entity_id, value (bucket means)
    runs: pl.DataFrame  # entity_id, state, start, end
    truncated: bool


@cached(ttl=120, show_spinner=False)
def entity_choices(svc: Services) -> pl.DataFrame:
    """Return ``entity_id, label, area, domain, numeric`` for the entity picker, grouped."""
    try:
        frame = svc.store.entities()
        names = {}
        if svc.metadata is not None:
            names = {row.entity_id: row.friendly_name for row in svc.metadata.list_entities()}
    except StoreError as err:
        raise ServiceError(f"Listing entities failed: {err}") from err
    frame = frame.with_columns(
        pl.col("area").fill_null("No area"),
        pl.col("entity_id").replace_strict(names, default=None).alias("name"),
        pl.col("unit").is_not_null().alias("numeric"),
    )
    return frame.select(
        "entity_id",
        pl.format(
            "{} · {} · {}",
            "area",
            "domain",
            pl.coalesce(pl.format("{} ({})", "name", "entity_id"), "entity_id"),
        ).alias("label"),
        "area",
        "domain",
        "numeric",
        "unit",
    ).sort("area", "domain", "entity_id")


@cached(ttl=120, show_spinner="Loading series…")
def series(svc: Services, rng: TimeRange, entities: tuple[str, ...]) -> Series:
    """Return the chosen entities over ``rng``: numeric ones bucketed to <= ~5,000 points."""
    choices = entity_choices(svc)
    numeric_ids = set(choices.filter(pl.col("numeric"))["entity_id"])
    numeric = [eid for eid in entities if eid in numeric_ids]
    states = [eid for eid in entities if eid not in numeric_ids]
    bucket = bucket_for(rng.span)
    try:
        lines = (
            svc.store.aggregate(numeric, rng.start, rng.end, bucket, "mean")
            if numeric
            else pl.DataFrame(
                schema={
                    "time": pl.Datetime("us", "UTC"),
                    "entity_id": pl.String,
                    "value": pl.Float64,
                }
            )
        )
        raw = (
            svc.store.read(states, rng.start, rng.end, limit=MAX_STATE_ROWS + 1) if states else None
        )
    except StoreError as err:
        raise ServiceError(f"Reading the chosen entities failed: {err}") from err
    truncated = raw is not None and raw.height > MAX_STATE_ROWS
    runs = state_runs(raw.head(MAX_STATE_ROWS), rng) if raw is not None else state_runs(None, rng)
    return Series(bucket=bucket, lines=lines, runs=runs, truncated=truncated)


def state_runs(raw: pl.DataFrame | None, rng: TimeRange) -> pl.DataFrame:
    """Return ``entity_id, state, start, end``: consecutive equal states merged into runs."""
    schema: dict[str, pl.DataType] = {
        "entity_id": pl.String(),
        "state": pl.String(),
        "start": pl.Datetime("us", "UTC"),
        "end": pl.Datetime("us", "UTC"),
    }
    if raw is None or raw.height == 0:
        return pl.DataFrame(schema=schema)
    frame = raw.sort("entity_id", "time").with_columns(
        (pl.col("state") != pl.col("state").shift(1).over("entity_id"))
        .fill_null(True)
        .cum_sum()
        .over("entity_id")
        .alias("run")
    )
    runs = frame.group_by("entity_id", "run").agg(
        pl.col("state").first(), pl.col("time").min().alias("start")
    )
    return (
        runs.sort("entity_id", "start")
        .with_columns(pl.col("start").shift(-1).over("entity_id").fill_null(rng.end).alias("end"))
        .select(list(schema))
    )
