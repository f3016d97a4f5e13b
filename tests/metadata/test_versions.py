"""Automation versions and drafts in the metadata store (real SQLite file)."""

from __future__ import annotations

from pathlib import Path

from storage.metadata import MetadataStore

CONFIG = {"alias": "Hall light", "triggers": [], "actions": []}


def test_versions_number_up_and_replace_the_live_one(tmp_path: Path) -> None:
    meta = MetadataStore(tmp_path / "m.sqlite")
    first = meta.versions.add(
        suggestion_id=7,
        ha_automation_id="homeiq_7",
        entity_id="automation.hall_light",
        config=CONFIG,
        previous=None,
        answer={"status": 200, "body": {"result": "ok"}},
        actor="ann",
    )
    second = meta.versions.add(
        suggestion_id=7,
        ha_automation_id="homeiq_7",
        entity_id="automation.hall_light",
        config={**CONFIG, "alias": "Hall light 2"},
        previous=CONFIG,
        answer={"status": 200},
        actor="ann",
    )
    assert (first.number, second.number) == (1, 2)
    assert [v.status for v in meta.versions.history(7)] == ["replaced", "deployed"]
    assert meta.versions.live(7) == meta.versions.history(7)[1]
    assert meta.versions.history(7)[0].previous is None
    assert meta.versions.history(7)[1].previous == CONFIG


def test_rollback_restores_the_earlier_version(tmp_path: Path) -> None:
    meta = MetadataStore(tmp_path / "m.sqlite")
    add = dict(suggestion_id=1, ha_automation_id="homeiq_1", entity_id=None, answer={}, actor="a")
    first = meta.versions.add(config=CONFIG, previous=None, **add)  # type: ignore[arg-type]
    second = meta.versions.add(config=CONFIG, previous=CONFIG, **add)  # type: ignore[arg-type]
    meta.versions.mark_rolled_back(second.id, restore=first.id)
    live = meta.versions.live(1)
    assert live is not None and live.number == 1
    assert meta.versions.history(1)[1].rolled_back_at is not None


def test_draft_is_kept_and_replaced(tmp_path: Path) -> None:
    meta = MetadataStore(tmp_path / "m.sqlite")
    assert meta.versions.draft(3) is None
    meta.versions.set_draft(3, CONFIG, actor="ann")
    meta.versions.set_draft(3, {**CONFIG, "alias": "x"}, actor="bob")
    assert meta.versions.draft(3) == {**CONFIG, "alias": "x"}
