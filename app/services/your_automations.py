"""Your automations: every HA automation the store has seen, its last run and runs in a range."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from app.services.cache import cached
from app.services.context import ServiceError, Services
from app.services.timerange import TimeRange
from automations.activity import AutomationActivity, automation_activity
from automations.scorecard import STALE_AFTER
from storage.errors import StoreError


@cached(ttl=120, show_spinner="Reading automations…")
def activity(svc: Services, rng: TimeRange) -> list[AutomationActivity]:
    """Return each ``automation.*`` entity with its runs in ``rng``; stale ones first."""
    _svc = svc
    now = datetime.now(UTC)
    try:
        known = _svc.store.entities()
        ids = known.filter(pl.col("entity_id").str.starts_with("automation."))["entity_id"]
        if ids.len() == 0:
            return []
        # the last run may predate the range: read back far enough to judge staleness too
        start = min(rng.start, now - STALE_AFTER)
        rows = _svc.store.read(ids.to_list(), start, max(rng.end, now))
    except StoreError as err:
        raise ServiceError(f"Reading the automations failed: {err}") from err
    return automation_activity(rows, start=rng.start, end=rng.end, now=now)


def table(found: list[AutomationActivity], time_zone: str) -> pl.DataFrame:
    """Return the rows the page shows, last runs in local time."""
    frame = pl.DataFrame(
        {
            "Automation": [a.name for a in found],
            "Entity": [a.entity_id for a in found],
            "Last triggered": [a.last_triggered for a in found],
            "Runs in range": [a.runs_in_range for a in found],
            "Stale (no run in 30 days)": [a.stale for a in found],
        },
        schema_overrides={"Last triggered": pl.Datetime("us", "UTC")},
    )
    return frame.with_columns(pl.col("Last triggered").dt.convert_time_zone(time_zone))
