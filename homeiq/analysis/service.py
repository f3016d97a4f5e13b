"""run_analysis: read the store, find habits, replay them, store runs, patterns, suggestions.

The one entry point for ``homeiq analyze``, the worker's daily schedule and the app's
"Run analysis now" button. It reads no settings: callers pass the store, the metadata
database, the home's place and, when HA is configured, its automation configs.
"""

from __future__ import annotations

import logging
import time as clock
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from analytics.errors import InsufficientData
from analytics.place import HomePlace, check_time_zone
from automations.coverage import parse_automations
from automations.identity import identity_key
from homeiq.analysis.pipeline import Finding, analyse
from homeiq.analysis.reading import read_onsets
from homeiq.analysis.saving import pattern_rows, suggestion_writes
from homeiq.analysis.scorecards import deployed_scorecards
from homeiq.analysis.window import MIN_DAYS, analysis_window
from storage.metadata import AnalysisRun, MetadataStore, Suggestion
from storage.protocol import TimeSeriesStore

_log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class AnalysisOutcome:
    """What one run stored: the run, the suggestions it made or refreshed, and a message."""

    run: AnalysisRun
    suggestions: tuple[Suggestion, ...]
    patterns: int
    message: str | None  # set when there was too little to analyse, in plain words
    notes: tuple[str, ...] = ()  # e.g. rejected suggestions seen again and left alone


def _too_short(days_held: int, days: int) -> str:
    return (
        f"analysis needs at least {MIN_DAYS} days of history (14 to learn habits from and "
        f"14 to check them against); {'--days is' if days < MIN_DAYS else 'the store holds'} "
        f"{min(days_held, days)} day(s). Try again in {max(MIN_DAYS - min(days_held, days), 1)} "
        "day(s)" + (f" or run with --days {MIN_DAYS} or more" if days < MIN_DAYS else "")
    )


def run_analysis(
    store: TimeSeriesStore,
    meta: MetadataStore,
    place: HomePlace,
    *,
    days: int = 30,
    now: datetime | None = None,
    progress: Progress | None = None,
    ha_automations: Sequence[Mapping[str, Any]] | None = None,
) -> AnalysisOutcome:
    """Analyse the last ``days`` whole local days; store and return the run's outcome."""
    began = clock.monotonic()
    started_at = datetime.now(UTC)
    step = progress or (lambda _f, _t: None)
    now = now or started_at
    message: str | None = None
    try:
        check_time_zone(place.time_zone)
    except InsufficientData as err:
        message = str(err)
    oldest = store.stats().oldest
    findings: list[Finding] = []
    summary: dict[str, Any] = {"time_zone": place.time_zone}
    events_read = 0
    if message is None and oldest is None:
        message = f"the store holds no events yet; {_too_short(0, days)}"
    if message is None:
        window = analysis_window(now, days, place.time_zone, oldest)
        if len(window.dates) < MIN_DAYS:
            message = _too_short(len(window.dates), days)
        else:
            step(0.0, f"reading {len(window.dates)} days of history")
            onsets, events_read = read_onsets(
                store,
                start=window.start,
                end=window.end,
                time_zone=place.time_zone,
                progress=lambda f: step(0.6 * f, "reading history"),
            )
            if onsets.filter("target").height == 0:
                message = (
                    "no entity a person switches (light, switch, cover, fan, climate, media "
                    "player, lock, input boolean, vacuum, scene, script) changed state in the "
                    "analysed days; nothing to learn from"
                )
            else:
                existing = parse_automations(ha_automations or [])
                findings, summary_part = analyse(
                    onsets, window, place, existing=existing, progress=step
                )
                summary |= summary_part
                summary["ha_automations_read"] = ha_automations is not None
                if not place.has_location:
                    summary["note"] = (
                        "no home location (or 0,0): sun routines were not looked for; set "
                        "HOMEIQ_LATITUDE/HOMEIQ_LONGITUDE or HA's location"
                    )
    step(0.92, "scoring deployed automations")
    summary["scorecards"] = deployed_scorecards(store, meta, now)
    step(0.95, "saving")
    names = {e.entity_id: e.friendly_name for e in meta.list_entities()}
    keys = [
        identity_key(
            f.candidate.kind, f.candidate.entity_id, f.candidate.to_state, f.candidate.parameters()
        )
        for f in findings
        if f.suggested
    ]
    stored = meta.analysis.suggestions_with_identity(set(keys))
    writes, notes = suggestion_writes(findings, names, stored)
    run, suggestions = meta.analysis.save_run(
        started_at=started_at,
        days=days,
        events_read=events_read,
        seconds=round(clock.monotonic() - began, 3),
        message=message,
        detail=summary | {"notes": notes},
        patterns=pattern_rows(findings),
        suggestions=writes,
    )
    step(1.0, "done")
    _log.info(
        "analysis run %d: %d events, %d patterns, %d suggestions in %.1f s",
        run.id,
        events_read,
        len(findings),
        len(suggestions),
        run.seconds,
    )
    return AnalysisOutcome(
        run=run,
        suggestions=tuple(suggestions),
        patterns=len(findings),
        message=message,
        notes=tuple(notes),
    )
