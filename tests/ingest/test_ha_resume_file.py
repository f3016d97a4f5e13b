"""The HA source's resume file: round trip, missing, damaged, replaced whole."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest_worker.ha.resume import ResumeFile, ResumeState


def test_round_trip_to_the_microsecond(tmp_path: Path) -> None:
    resume = ResumeFile(tmp_path / "r")
    state = ResumeState(
        pending_from=datetime(2026, 3, 29, 1, 30, 0, 123456, tzinfo=UTC),
        entities=frozenset({"sensor.a", "light.b"}),
    )
    resume.save(state)
    assert resume.load() == state
    resume.save(ResumeState(None, frozenset()))
    assert resume.load() == ResumeState()
    assert [p.name for p in tmp_path.iterdir()] == ["r"]  # no temporary file left


def test_missing_file_is_an_empty_state(tmp_path: Path) -> None:
    assert ResumeFile(tmp_path / "none").load() == ResumeState()


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", b'{"version": 99}', b'{"version": 1, "entities": [1, 2]}'],
)
def test_damaged_file_is_ignored_with_a_warning(
    tmp_path: Path, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "r"
    path.write_bytes(body)
    with caplog.at_level(logging.WARNING):
        assert ResumeFile(path).load() == ResumeState()
    assert "damaged backfill state" in caplog.text
