"""Scorecards of the deployed suggestions, computed by each analysis run (issue 13).

Finds each deployed suggestion's automation entity in the store (its ``id`` attribute is the
HA config id we deployed under), reads it and the target over the scorecard window, and
hands both to the pure ``automations.scorecard``.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any, Final

import polars as pl

from automations.scorecard import scorecard
from storage.errors import StoreError
from storage.metadata import MetadataStore, Suggestion
from storage.metadata.records import SuggestionStatus
from storage.protocol import TimeSeriesStore

_log = logging.getLogger(__name__)
BEFORE: Final[timedelta] = timedelta(days=14)  # manual changes per day before the deploy


def _automation_entity(automations: pl.DataFrame, ha_id: str) -> str | None:
    ids = automations.select(
        "entity_id", pl.col("attributes").str.json_path_match("$.id").alias("config_id")
    ).filter(pl.col("config_id") == ha_id)
    return str(ids.get_column("entity_id")[-1]) if ids.height else None


def card_of(
    store: TimeSeriesStore, suggestion: Suggestion, automations: pl.DataFrame, now: datetime
) -> dict[str, Any] | None:
    """Return one deployed suggestion's scorecard as JSON-ready values, or None."""
    if not (suggestion.ha_automation_id and suggestion.deployed_at and suggestion.entity_id):
        return None
    entity = _automation_entity(automations, suggestion.ha_automation_id)
    if entity is None:
        return None
    start = suggestion.deployed_at - BEFORE
    rows = store.read([entity, suggestion.entity_id], start, now)
    card = scorecard(
        automation_entity_id=entity,
        automation_rows=rows.filter(pl.col("entity_id") == entity),
        target_entity_id=suggestion.entity_id,
        target_rows=rows.filter(pl.col("entity_id") == suggestion.entity_id),
        deployed_at=suggestion.deployed_at,
        start=start,
        end=now,
    )
    values = asdict(card)
    values["deployed_at"] = card.deployed_at.isoformat()
    values["override_share"] = card.override_share
    values["consider_rollback"] = card.consider_rollback
    return values


def deployed_scorecards(
    store: TimeSeriesStore, meta: MetadataStore, now: datetime
) -> dict[str, dict[str, Any]]:
    """Return ``{suggestion id: scorecard}`` for every deployed suggestion we can score."""
    deployed = meta.list_suggestions(status=SuggestionStatus.DEPLOYED, limit=500)
    if not deployed:
        return {}
    try:
        latest = store.latest()
        automations = latest.filter(pl.col("entity_id").str.starts_with("automation."))
        cards = {}
        for suggestion in deployed:
            card = card_of(store, suggestion, automations, now)
            if card is not None:
                cards[str(suggestion.id)] = card
    except StoreError as err:
        _log.warning("scorecards skipped: reading the store failed (%s)", err)
        return {}
    return cards
