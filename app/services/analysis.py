"""The analysis for the Patterns and Suggestions pages: runs, patterns, suggestions, decisions.

Reads what ``homeiq analyze`` (or the worker's daily run) stored in metadata; "Run analysis
now" runs the same ``run_analysis`` here. Approve/Reject record the decision only; deploying
is the deploy service's (app.services.automations).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl

from analytics.place import HomePlace, sun_table
from app.services.context import ServiceError, Services
from homeiq.analysis.inputs import home_place
from storage.errors import StoreError
from storage.metadata import AnalysisRun, MetadataStore, Pattern, Suggestion
from storage.metadata.records import SuggestionStatus

ANALYSIS_KINDS = ("time", "sun", "trigger")
DECISIONS = {"approve": SuggestionStatus.APPROVED, "reject": SuggestionStatus.REJECTED}


@dataclass(frozen=True, slots=True, kw_only=True)
class PatternView:
    """A pattern with the labels the page shows."""

    pattern: Pattern
    name: str
    trigger_name: str | None
    area: str | None


def _meta(svc: Services) -> MetadataStore:
    if svc.metadata is None:
        raise ServiceError(
            f"There is no metadata database at {svc.settings.metadata_path} yet; run "
            "`homeiq demo` or `homeiq analyze` first."
        )
    return svc.metadata


def place(svc: Services) -> HomePlace:
    """Return the home's time zone and location: HA's (or the sim's), settings win per field."""
    try:
        return home_place(svc.settings, svc.metadata.home if svc.metadata is not None else None)
    except StoreError as err:
        raise ServiceError(f"Reading the home's time zone and location failed: {err}") from err


def store_is_empty(svc: Services) -> bool:
    """Return whether the store holds no events at all."""
    try:
        return svc.store.stats().events == 0
    except StoreError as err:
        raise ServiceError(f"Reading the store failed: {err}") from err


def last_run(svc: Services) -> AnalysisRun | None:
    """Return the newest analysis run, or None before the first."""
    if svc.metadata is None:
        return None
    return svc.metadata.analysis.latest_run()


def patterns(svc: Services) -> list[PatternView]:
    """Return the newest run's patterns with entity names and areas."""
    meta = _meta(svc)
    try:
        found = meta.analysis.patterns()
        entities = {e.entity_id: e for e in meta.list_entities()}
    except StoreError as err:
        raise ServiceError(f"Reading the analysis results failed: {err}") from err

    def name(entity_id: str | None) -> str | None:
        if entity_id is None:
            return None
        info = entities.get(entity_id)
        return info.friendly_name if info and info.friendly_name else entity_id

    return [
        PatternView(
            pattern=p,
            name=name(p.entity_id) or p.entity_id,
            trigger_name=name(p.trigger_entity_id),
            area=entities[p.entity_id].area if p.entity_id in entities else None,
        )
        for p in found
    ]


def scorecards(run: AnalysisRun | None) -> dict[str, dict[str, Any]]:
    """Return ``{suggestion id: scorecard}`` of deployed automations from ``run``."""
    found = run.detail.get("scorecards") if run is not None else None
    return found if isinstance(found, dict) else {}


def day_marks(pattern: Pattern) -> pl.DataFrame:
    """Return ``local_date, minute``: one mark per day the routine's state was entered."""
    marks = pattern.evidence.get("marks") or []
    return pl.DataFrame(
        [(date.fromisoformat(str(d)[:10]), float(m)) for d, m in marks],
        schema={"local_date": pl.Date, "minute": pl.Float64},
        orient="row",
    )


def sun_curve(svc: Services, pattern: Pattern, days: list[date]) -> pl.DataFrame:
    """Return ``local_date, minute`` of the pattern's sun event plus its offset on ``days``."""
    event = str(pattern.params.get("event") or "sunset")
    offset = float(pattern.params.get("offset_minutes") or 0.0)
    if not days:
        return pl.DataFrame(schema={"local_date": pl.Date, "minute": pl.Float64})
    span = [min(days) + timedelta(days=i) for i in range((max(days) - min(days)).days + 1)]
    table = sun_table(place(svc), span)
    return table.select("local_date", (pl.col(event) + offset).alias("minute")).drop_nulls()


def suggestions(svc: Services, *, statuses: tuple[str, ...] = ()) -> list[Suggestion]:
    """Return the analysis's suggestions (newest first), optionally only some statuses."""
    meta = _meta(svc)
    try:
        found = meta.list_suggestions(limit=500)
    except StoreError as err:
        raise ServiceError(f"Reading suggestions failed: {err}") from err
    return [s for s in found if s.kind in ANALYSIS_KINDS and (not statuses or s.status in statuses)]


def decide(svc: Services, suggestion_id: int, decision: str) -> Suggestion:
    """Record Approve or Reject on a suggestion; return it as stored now."""
    if decision not in DECISIONS:
        raise ServiceError(f"unknown decision {decision!r}; use approve or reject")
    try:
        return _meta(svc).update_suggestion(suggestion_id, status=DECISIONS[decision])
    except StoreError as err:
        raise ServiceError(f"Recording the decision failed: {err}") from err


def run_now(svc: Services, progress: Callable[[float, str], None]) -> str:
    """Run the analysis over the last 30 days now; return a one-line summary."""
    from homeiq.analysis import run_analysis

    try:
        outcome = run_analysis(svc.store, _meta(svc), place(svc), days=30, progress=progress)
    except StoreError as err:
        raise ServiceError(f"The analysis failed: {err}") from err
    if outcome.message:
        return outcome.message
    return (
        f"Run {outcome.run.id}: {outcome.run.events_read:,} events read, {outcome.patterns} "
        f"patterns, {len(outcome.suggestions)} suggestions in {outcome.run.seconds:.1f} s."
    )


def ran_ago(run: AnalysisRun | None, now: datetime) -> str:
    """Return when the analysis last ran, in words."""
    if run is None:
        return "The analysis has not run yet."
    hours = (now - run.started_at).total_seconds() / 3600
    when = f"{hours * 60:.0f} minutes" if hours < 1 else f"{hours:.1f} hours"
    return f"Last analysis: run {run.id}, {when} ago, over {run.days} days."
