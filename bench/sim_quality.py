"""Recall and precision of ``homeiq analyze`` on simulated homes; prints the README table.

Run: ``.venv/bin/python bench/sim_quality.py [--no-ha]``. Each row simulates a 60-entity,
30-day home (seed, time zone, window end), runs the analysis and scores the suggestions
against the ground truth (homeiq.sim.scoring). ``--no-ha`` leaves out HA's automation configs,
so only the events' context columns say what an automation did.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from homeiq.sim.quality import QualityCase, evaluate

CASES = (
    QualityCase(seed=42, timezone="Europe/Amsterdam", latitude=52.37, longitude=4.90,
                end=datetime(2026, 11, 8, tzinfo=UTC)),
    QualityCase(seed=1, timezone="Europe/Amsterdam", latitude=52.37, longitude=4.90,
                end=datetime(2026, 4, 12, tzinfo=UTC)),
    QualityCase(seed=7, timezone="America/New_York", latitude=40.71, longitude=-74.0,
                end=datetime(2026, 3, 25, 12, tzinfo=UTC)),
    QualityCase(seed=3, timezone="Australia/Sydney", latitude=-33.87, longitude=151.21,
                end=datetime(2026, 10, 20, tzinfo=UTC)),
    QualityCase(seed=11, timezone="Asia/Tokyo", latitude=35.68, longitude=139.69,
                end=datetime(2026, 6, 15, tzinfo=UTC)),
    QualityCase(seed=5, timezone="America/Los_Angeles", latitude=34.05, longitude=-118.24,
                end=datetime(2026, 11, 15, tzinfo=UTC)),
)  # fmt: skip


def main() -> None:
    """Print one markdown row per case."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--no-ha", action="store_true", help="do not pass HA automation configs")
    args = parser.parse_args()
    print("| home | DST change | findable | found | suggestions | recall | precision | wrong |")
    print("|---|---|---|---|---|---|---|---|")
    for case in CASES:
        result = evaluate(case, with_ha=not args.no_ha)
        score = result.score
        findable = len(score.matched) + len(score.missed)
        wrong = (
            "; ".join(f"{s['kind']} {s['entity_id']}->{s['to_state']}" for s in score.false) or "-"
        )
        change = ", ".join(t[:10] for t in result.truth["dst_changes"]) or "none"
        print(
            f"| {case.label} | {change} | {findable} | {len(score.matched)} | {score.suggestions} "
            f"| {score.recall:.2f} | {score.precision:.2f} | {wrong} |"
        )


if __name__ == "__main__":
    main()
