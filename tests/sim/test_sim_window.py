"""Where a demo run ends: an explicit end, a recent run's end (so reruns add nothing), or now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from homeiq.sim.home import floor_hour, previous_end, resolve_end, window_days
from homeiq.sim.world import day_of

NOW = datetime(2026, 11, 23, 10, 37, 12, tzinfo=UTC)


def _truth(path: Path, end: datetime, seed: int = 42) -> Path:
    path.write_bytes(orjson.dumps({"seed": seed, "end": end.isoformat().replace("+00:00", "Z")}))
    return path


def test_recent_run_end_is_reused(tmp_path: Path) -> None:
    end = NOW - timedelta(hours=5, minutes=37, seconds=12)
    assert previous_end(_truth(tmp_path / "t.json", end), 42, NOW) == end


def test_day_old_run_end_is_not_reused(tmp_path: Path) -> None:
    end = NOW - timedelta(hours=25)
    assert previous_end(_truth(tmp_path / "t.json", end), 42, NOW) is None


def test_other_seed_run_end_is_not_reused(tmp_path: Path) -> None:
    assert previous_end(_truth(tmp_path / "t.json", NOW, seed=1), 42, NOW) is None


def test_unreadable_ground_truth_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text("{not json")
    assert previous_end(path, 42, NOW) is None


def test_explicit_end_wins(tmp_path: Path) -> None:
    path = _truth(tmp_path / "t.json", NOW - timedelta(hours=1))
    assert resolve_end(NOW, path, 42) == NOW


def test_default_end_is_on_the_hour() -> None:
    assert floor_hour(NOW) == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_window_days_cover_partial_days() -> None:
    days = window_days(NOW - timedelta(days=2), NOW)
    assert list(days) == [day_of(NOW) - 2, day_of(NOW) - 1, day_of(NOW)]
    midnight = datetime(2026, 11, 23, tzinfo=UTC)
    assert list(window_days(midnight - timedelta(days=1), midnight)) == [day_of(midnight) - 1]
