"""Run the analysis on a freshly simulated home and score it against the ground truth.

Used by tests/sim/test_quality.py and bench/sim_quality.py (the README's recall/precision).
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from homeiq.sim.automated import automation_configs
from homeiq.sim.home import simulate_home
from homeiq.sim.scoring import Score, score_suggestions
from homeiq.sim.truth import GROUND_TRUTH_FILE


@dataclass(frozen=True, slots=True, kw_only=True)
class QualityCase:
    """One simulated home: seed, where it is, and when its window ends."""

    seed: int
    timezone: str
    latitude: float
    longitude: float
    end: datetime
    days: int = 30
    entities: int = 60

    @property
    def label(self) -> str:
        """Return a short name for tables and test ids."""
        return f"seed {self.seed}, {self.timezone}, to {self.end:%Y-%m-%d}"


@dataclass(frozen=True, slots=True, kw_only=True)
class QualityResult:
    """The ground truth, the suggestions (analyze --json shape) and their score."""

    case: QualityCase
    truth: dict[str, Any]
    suggestions: list[dict[str, Any]]
    score: Score
    simulate_s: float
    analyze_s: float


def evaluate(
    case: QualityCase, *, with_ha: bool = True, folder: Path | None = None
) -> QualityResult:
    """Simulate ``case``, run the analysis over it and score the suggestions.

    ``with_ha`` hands the analysis the home's HA automation configs, as when HA is
    configured; without it only the events' context columns say what automations did.
    """
    from analytics.place import HomePlace
    from homeiq.analysis import run_analysis
    from homeiq.commands.analyze_cmds import suggestion_json
    from storage.factory import open_store
    from storage.metadata import MetadataStore

    root = folder or Path(tempfile.mkdtemp(prefix="homeiq-quality-"))
    store = open_store(backend="embedded", data_dir=root)
    meta = MetadataStore(root / "homeiq.sqlite")
    try:
        began = time.perf_counter()
        simulate_home(
            store, days=case.days, entities=case.entities, seed=case.seed, end=case.end,
            ground_truth_path=root / GROUND_TRUTH_FILE, metadata=meta,
            timezone=case.timezone, latitude=case.latitude, longitude=case.longitude,
        )  # fmt: skip
        simulated = time.perf_counter()
        place = HomePlace(time_zone=case.timezone, latitude=case.latitude, longitude=case.longitude)
        outcome = run_analysis(
            store, meta, place, days=case.days, now=case.end,
            ha_automations=automation_configs() if with_ha else None,
        )  # fmt: skip
        analysed = time.perf_counter()
    finally:
        store.close()
        meta.close()
    truth = json.loads((root / GROUND_TRUTH_FILE).read_text(encoding="utf-8"))
    suggestions = [suggestion_json(s) for s in outcome.suggestions]
    return QualityResult(
        case=case,
        truth=truth,
        suggestions=suggestions,
        score=score_suggestions(truth, suggestions),
        simulate_s=simulated - began,
        analyze_s=analysed - simulated,
    )
