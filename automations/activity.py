"""Your automations: each HA automation entity's last run and runs in a range (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import orjson
import polars as pl

from automations.scorecard import STALE_AFTER, runs


@dataclass(frozen=True, slots=True, kw_only=True)
class AutomationActivity:
    """One HA automation as the store saw it."""

    entity_id: str
    name: str
    automation_id: str | None  # HA's config id (the entity's ``id`` attribute)
    last_triggered: datetime | None
    runs_in_range: int
    stale: bool  # no run in the STALE_AFTER before ``now``


def _attribute(rows: pl.DataFrame, key: str) -> str | None:
    for text in reversed(rows.get_column("attributes").to_list()):
        try:
            value = orjson.loads(text or "{}").get(key)
        except orjson.JSONDecodeError:
            continue
        if value is not None:
            return str(value)
    return None


def automation_activity(
    rows: pl.DataFrame, *, start: datetime, end: datetime, now: datetime
) -> list[AutomationActivity]:
    """Return every ``automation.*`` entity in ``rows`` with its runs, stale ones first.

    ``rows`` are the automation entities' events up to ``end`` (any earlier history helps:
    the last run may predate the range). Stale: never ran, or not in STALE_AFTER before now.
    """
    found = []
    autos = rows.filter(pl.col("entity_id").str.starts_with("automation."))
    for (entity_id,), group in autos.sort("time").group_by("entity_id", maintain_order=True):
        fired = runs(group).get_column("last_triggered")
        last = fired.max() if fired.len() else None
        in_range = fired.filter(fired.is_between(start, end, closed="left")).len()
        found.append(
            AutomationActivity(
                entity_id=str(entity_id),
                name=_attribute(group, "friendly_name") or str(entity_id),
                automation_id=_attribute(group, "id"),
                last_triggered=last,  # type: ignore[arg-type]
                runs_in_range=in_range,
                stale=last is None or now - last > STALE_AFTER,  # type: ignore[operator]
            )
        )
    return sorted(found, key=lambda a: (not a.stale, a.entity_id))
