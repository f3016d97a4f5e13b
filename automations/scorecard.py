"""After deploy: how an automation did, from the store's events (pure, polars in, dataclass out).

An automation's run is a new ``last_triggered`` on its entity; HA runs its actions under the
run's context, so the target's changes whose ``context_id`` is a run's context (or that carry
a ``context_parent_id``) are the automation acting. Every other change of the target is a
person's (a UI change carries ``context_user_id``; a wall switch carries nothing). An override
is a person changing the target to another state within OVERRIDE_WITHIN of the automation
acting on it: the automation did something the person did not want.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import polars as pl

OVERRIDE_WITHIN: Final[timedelta] = timedelta(minutes=2)  # issue 13: "within 2 minutes"
ROLLBACK_SHARE: Final[float] = 0.3  # overrides on 30 % of acting runs: consider rolling back
# One override in one or two runs is an anecdote, not a pattern; wait for a few runs.
MIN_RUNS_FOR_VERDICT: Final[int] = 3
STALE_AFTER: Final[timedelta] = timedelta(days=30)  # "never fired in 30 days"
NOT_A_STATE: Final[tuple[str, ...]] = ("unknown", "unavailable")


@dataclass(frozen=True, slots=True, kw_only=True)
class Scorecard:
    """What a deployed automation did and how the person answered it."""

    automation_entity_id: str
    target_entity_id: str
    deployed_at: datetime
    fired: int  # runs since deploy (new last_triggered values)
    acted: int  # runs that changed the target
    overrides: int  # acting runs the person undid within OVERRIDE_WITHIN
    manual_per_day_before: float | None  # the person's changes of the target per day
    manual_per_day_after: float | None
    days_before: float
    days_after: float

    @property
    def override_share(self) -> float | None:
        """Return overrides per acting run, or None before the automation acted."""
        return self.overrides / self.acted if self.acted else None

    @property
    def consider_rollback(self) -> bool:
        """Return whether overrides are frequent enough to suggest rolling back."""
        share = self.override_share
        return share is not None and self.acted >= MIN_RUNS_FOR_VERDICT and share >= ROLLBACK_SHARE


def runs(automation_rows: pl.DataFrame) -> pl.DataFrame:
    """Return ``last_triggered`` (UTC) and ``context_id`` of each run in an automation's rows.

    HA writes the entity's state whenever an attribute changes (and at restarts); a run is a
    row whose ``last_triggered`` differs from the row before it.
    """
    if automation_rows.height == 0:
        return pl.DataFrame(
            schema={"last_triggered": pl.Datetime("us", "UTC"), "context_id": pl.String}
        )
    frame = automation_rows.sort("time").select(
        pl.col("attributes")
        .str.json_path_match("$.last_triggered")
        .str.to_datetime(time_zone="UTC", time_unit="us", strict=False)
        .alias("last_triggered"),
        pl.col("context_id") if "context_id" in automation_rows.columns else pl.lit(None),
    )
    changed = pl.col("last_triggered") != pl.col("last_triggered").shift(1)
    return frame.filter(
        pl.col("last_triggered").is_not_null()
        & (changed | pl.col("last_triggered").shift(1).is_null())
    ).unique("last_triggered", keep="first", maintain_order=True)


def _changes(target_rows: pl.DataFrame) -> pl.DataFrame:
    # the target's real state changes: unknown/unavailable runs and repeated states dropped
    columns = ["time", "state", "context_id", "context_parent_id"]
    frame = target_rows.sort("time").select(
        [
            pl.col(c) if c in target_rows.columns else pl.lit(None, pl.String).alias(c)
            for c in columns
        ]
    )
    frame = frame.filter(~pl.col("state").is_in(NOT_A_STATE))
    return frame.filter(pl.col("state") != pl.col("state").shift(1).fill_null(""))


def _days(start: datetime, end: datetime) -> float:
    return max((end - start).total_seconds(), 0.0) / 86_400.0


def scorecard(
    *,
    automation_entity_id: str,
    automation_rows: pl.DataFrame,
    target_entity_id: str,
    target_rows: pl.DataFrame,
    deployed_at: datetime,
    start: datetime,
    end: datetime,
) -> Scorecard:
    """Return the scorecard of an automation deployed at ``deployed_at``, over ``[start, end)``.

    ``automation_rows`` and ``target_rows`` are the two entities' events (EVENT_SCHEMA with
    the context columns when the store has them); the before-rate covers ``[start,
    deployed_at)`` and the after-rate ``[deployed_at, end)``.
    """
    fired = runs(automation_rows).filter(
        pl.col("last_triggered").is_between(deployed_at, end, closed="left")
    )
    run_contexts = set(fired.get_column("context_id").drop_nulls().to_list())
    changes = _changes(target_rows).filter(pl.col("time").is_between(start, end, closed="left"))
    by_automation = pl.col("context_parent_id").is_not_null() | pl.col("context_id").is_in(
        list(run_contexts)
    )
    marked = changes.with_columns(by_automation.fill_null(False).alias("automation"))
    actions = marked.filter(pl.col("automation") & (pl.col("time") >= deployed_at))
    manual = marked.filter(~pl.col("automation"))
    overrides = 0
    manual_times = manual.get_column("time").to_list()
    manual_states = manual.get_column("state").to_list()
    for acted_at, state in actions.select("time", "state").iter_rows():
        if any(
            acted_at < at <= acted_at + OVERRIDE_WITHIN and other != state
            for at, other in zip(manual_times, manual_states, strict=True)
        ):
            overrides += 1
    days_before, days_after = _days(start, deployed_at), _days(max(start, deployed_at), end)
    before = manual.filter(pl.col("time") < deployed_at).height
    after = manual.filter(pl.col("time") >= deployed_at).height
    return Scorecard(
        automation_entity_id=automation_entity_id,
        target_entity_id=target_entity_id,
        deployed_at=deployed_at,
        fired=fired.height,
        acted=actions.height,
        overrides=overrides,
        manual_per_day_before=before / days_before if days_before >= 1 else None,
        manual_per_day_after=after / days_after if days_after >= 1 else None,
        days_before=days_before,
        days_after=days_after,
    )
