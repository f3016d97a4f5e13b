"""The after-deploy scorecard and "Your automations", on hand-made event frames."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import polars as pl

from automations.activity import automation_activity
from automations.scorecard import ROLLBACK_SHARE, runs, scorecard

DEPLOYED = datetime(2026, 11, 10, tzinfo=UTC)
START, END = DEPLOYED - timedelta(days=10), DEPLOYED + timedelta(days=10)


def _automation(times: list[datetime], entity_id: str = "automation.hall") -> pl.DataFrame:
    rows = [
        {
            "time": t,
            "entity_id": entity_id,
            "state": "on",
            "attributes": orjson.dumps(
                {"id": "homeiq_7", "friendly_name": "Hall light", "last_triggered": t.isoformat()}
            ).decode(),
            "context_id": f"run{i}",
        }
        for i, t in enumerate(times)
    ]
    return pl.DataFrame(
        rows,
        schema={"time": pl.Datetime("us", "UTC"), "entity_id": pl.String, "state": pl.String,
                "attributes": pl.String, "context_id": pl.String},
    )  # fmt: skip


def _target(rows: list[tuple[datetime, str, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"time": t, "state": s, "context_id": c, "context_parent_id": None} for t, s, c in rows],
        schema={"time": pl.Datetime("us", "UTC"), "state": pl.String, "context_id": pl.String,
                "context_parent_id": pl.String},
    )  # fmt: skip


def _runs_and_actions(days: int, override_every: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    fired = [DEPLOYED + timedelta(days=d, hours=7) for d in range(days)]
    target: list[tuple[datetime, str, str | None]] = []
    for i, at in enumerate(fired):
        target.append((at + timedelta(milliseconds=5), "on", f"run{i}"))
        undo = (
            timedelta(seconds=40)
            if override_every and i % override_every == 0
            else timedelta(hours=1)
        )
        target.append((at + undo, "off", None))
    return _automation(fired), _target(target)


def _card(automation: pl.DataFrame, target: pl.DataFrame):  # type: ignore[no-untyped-def]
    return scorecard(
        automation_entity_id="automation.hall", automation_rows=automation,
        target_entity_id="light.hall", target_rows=target, deployed_at=DEPLOYED,
        start=START, end=END,
    )  # fmt: skip


def test_runs_are_new_last_triggered_values_not_every_row() -> None:
    at = DEPLOYED + timedelta(hours=1)
    frame = pl.concat([_automation([at]), _automation([at]), _automation([at + timedelta(days=1)])])
    assert runs(frame).height == 2


def test_scorecard_counts_runs_actions_and_no_overrides() -> None:
    card = _card(*_runs_and_actions(days=8, override_every=0))
    assert (card.fired, card.acted, card.overrides) == (8, 8, 0)
    assert card.consider_rollback is False


def test_undone_within_two_minutes_on_a_third_of_runs_flags_rollback() -> None:
    card = _card(*_runs_and_actions(days=9, override_every=3))
    assert (card.acted, card.overrides) == (9, 3)
    assert card.override_share is not None and card.override_share >= ROLLBACK_SHARE
    assert card.consider_rollback is True


def test_undone_on_a_quarter_of_runs_does_not_flag() -> None:
    card = _card(*_runs_and_actions(days=8, override_every=4))
    assert (card.overrides, card.consider_rollback) == (2, False)


def test_one_override_in_one_run_is_not_yet_a_verdict() -> None:
    card = _card(*_runs_and_actions(days=1, override_every=1))
    assert (card.override_share, card.consider_rollback) == (1.0, False)


def test_manual_changes_per_day_before_and_after_deploy() -> None:
    automation, target = _runs_and_actions(days=10, override_every=0)
    before = _target(
        [
            (START + timedelta(days=d, hours=h), s, None)
            for d in range(10)
            for h, s in ((7, "on"), (9, "off"))
        ]
    )
    card = _card(automation, pl.concat([before, target]))
    assert card.manual_per_day_before == 2.0
    assert card.manual_per_day_after == 1.0  # only the person's "off"; the "on" was the automation


def test_automation_changes_marked_by_parent_context_are_not_manual() -> None:
    automation, target = _runs_and_actions(days=10, override_every=0)
    target = target.with_columns(
        pl.when(pl.col("state") == "on")
        .then(pl.lit("parent"))
        .otherwise(None)
        .alias("context_parent_id"),
        pl.lit(None, pl.String).alias("context_id"),
    )
    card = _card(automation, target)
    assert card.acted == 10 and card.manual_per_day_after == 1.0


def test_your_automations_flags_the_one_that_never_ran_in_30_days() -> None:
    now = END
    busy = _automation([now - timedelta(days=d) for d in (1, 2, 3)], "automation.busy")
    old = _automation([now - timedelta(days=45)], "automation.old")
    found = {
        a.entity_id: a
        for a in automation_activity(pl.concat([busy, old]), start=START, end=END, now=now)
    }
    assert (found["automation.busy"].runs_in_range, found["automation.busy"].stale) == (3, False)
    assert (found["automation.old"].runs_in_range, found["automation.old"].stale) == (0, True)
    assert found["automation.busy"].automation_id == "homeiq_7"
    assert found["automation.busy"].last_triggered == now - timedelta(days=1)
