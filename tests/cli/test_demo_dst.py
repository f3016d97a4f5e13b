"""`homeiq demo` without --days crosses the time zone's latest DST change; --days N is N days."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta

import orjson

from homeiq.sim import GROUND_TRUTH_FILE, MIN_ENTITIES
from tests.cli.conftest import Homeiq

END = "2026-12-01T00:00:00Z"


def _truth(cli: Homeiq) -> dict:  # type: ignore[type-arg]
    return orjson.loads((cli.data_dir / GROUND_TRUTH_FILE).read_bytes())


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_default_demo_crosses_the_latest_dst_change(homeiq: Homeiq) -> None:
    result = homeiq("demo", "--entities", str(MIN_ENTITIES), "--end", END)
    assert result.exit_code == 0, result.output
    assert "x 44 days" in result.output
    assert "covers Europe/Amsterdam's change on 2026-10-25, clocks 03:00 -> 02:00" in result.output
    truth = _truth(homeiq)
    assert truth["dst_changes"] == ["2026-10-25T01:00:00Z"]
    assert _at(truth["start"]) == _at(END) - timedelta(days=44)


def test_explicit_days_keep_their_meaning(homeiq: Homeiq) -> None:
    result = homeiq("demo", "--days", "3", "--entities", str(MIN_ENTITIES), "--end", END)
    assert result.exit_code == 0, result.output
    assert "x 3 days" in result.output
    assert "DST: no change in this window in Europe/Amsterdam" in result.output
    truth = _truth(homeiq)
    assert _at(truth["start"]) == datetime(2026, 11, 28, tzinfo=UTC)
    assert truth["dst_changes"] == []


def test_run_fills_an_empty_store_with_the_default_demo_window() -> None:
    # `make run` calls demo(days=demo_days); None is what makes it cross a DST change too
    from homeiq.commands import app_cmds, store_cmds

    run_default = inspect.signature(app_cmds.run).parameters["demo_days"].default
    demo_default = inspect.signature(store_cmds.demo).parameters["days"].default
    assert run_default is None and demo_default is None


def test_days_help_names_the_cap(homeiq: Homeiq) -> None:
    from homeiq.sim.dst_window import MAX_DEFAULT_DAYS

    result = homeiq("demo", "--help")
    assert f"at most {MAX_DEFAULT_DAYS}" in " ".join(result.output.replace("│", " ").split())
