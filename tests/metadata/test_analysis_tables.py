"""Analysis runs, patterns and analysis-made suggestions in the metadata database."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from storage.metadata import MetadataStore, PatternWrite, SuggestionStatus, SuggestionWrite
from storage.metadata.schema import make_engine, upgrade

AT = datetime(2026, 11, 20, 3, 30, tzinfo=UTC)


def _write(
    existing_id: int | None = None, *, refresh_only: bool = False, at: str = "07:10"
) -> SuggestionWrite:
    return SuggestionWrite(
        existing_id=existing_id,
        identity="time|light.a|on",
        kind="time",
        title=f"Turn on A at {at} every day",
        body="alias: x",
        entity_id="light.a",
        to_state="on",
        trigger_entity_id=None,
        trigger_to_state=None,
        params={"local_time": at, "weekdays": [0, 1, 2, 3, 4, 5, 6]},
        automation={"alias": at},
        evidence={"replay_precision": 0.9},
        confidence=0.7,
        refresh_only=refresh_only,
    )


def _run(meta: MetadataStore, *writes: SuggestionWrite) -> tuple[object, list[object]]:
    pattern = PatternWrite(
        kind="time",
        entity_id="light.a",
        to_state="on",
        trigger_entity_id=None,
        params={"local_time": "07:10"},
        evidence={"marks": [["2026-11-02", 430.5]]},
        suggested=True,
    )
    return meta.analysis.save_run(
        started_at=AT,
        days=30,
        events_read=123,
        seconds=1.5,
        message=None,
        detail={},
        patterns=[pattern],
        suggestions=list(writes),
    )


def test_run_with_pattern_and_new_suggestion_is_stored(tmp_path: Path) -> None:
    meta = MetadataStore(tmp_path / "m.sqlite")
    run, (stored,) = _run(meta, _write())
    latest = meta.analysis.latest_run()
    (pattern,) = meta.analysis.patterns()
    meta.close()
    assert latest == run and (latest.events_read, latest.patterns, latest.suggestions) == (
        123,
        1,
        1,
    )  # type: ignore[union-attr]
    assert pattern.evidence["marks"] == [["2026-11-02", 430.5]]
    assert stored.status == SuggestionStatus.NEW and stored.run_id == run.id  # type: ignore[attr-defined]
    assert stored.identity == "time|light.a|on" and stored.confidence == 0.7  # type: ignore[attr-defined]


def test_refresh_only_keeps_an_approved_config(tmp_path: Path) -> None:
    meta = MetadataStore(tmp_path / "m.sqlite")
    _, (first,) = _run(meta, _write())
    meta.update_suggestion(first.id, status=SuggestionStatus.APPROVED)  # type: ignore[attr-defined]
    refreshed = _write(first.id, refresh_only=True, at="07:20")  # type: ignore[attr-defined]
    run2, (again,) = _run(meta, refreshed)
    meta.close()
    assert again.id == first.id and again.status == SuggestionStatus.APPROVED  # type: ignore[attr-defined]
    assert again.params["local_time"] == "07:10" and again.run_id == run2.id  # type: ignore[attr-defined]


def test_upgrade_from_0003_keeps_suggestions_and_their_deployments(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite"
    engine = make_engine(path)
    upgrade(engine, "0003")
    engine.dispose()
    at = "2026-01-01T00:00:00.000000+00:00"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO suggestions (id, created_at, kind, title, body, status, detail) "
            "VALUES (1, ?, 'routine', 'Porch', 'x', 'new', '{}')",
            (at,),
        )
        conn.execute(
            "INSERT INTO deployments (id, created_at, suggestion_id, title, body, status, "
            "detail) VALUES (1, ?, 1, 'Porch', 'x', 'deployed', '{}')",
            (at,),
        )
    meta = MetadataStore(path)
    (suggestion,) = meta.list_suggestions()
    (deployment,) = meta.list_deployments()
    meta.close()
    assert (suggestion.title, suggestion.run_id, suggestion.params) == ("Porch", None, {})
    assert deployment.suggestion_id == 1
