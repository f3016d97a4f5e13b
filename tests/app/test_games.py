"""The sports part of the Weather & sports page finds the planted games and the TV in them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
from streamlit.testing.v1 import AppTest

from app.pages import ADMIN_PAGES
from app.services.timerange import preset_range
from app.services.weather_sports import clip_windows
from tests.app.conftest import SIM_END

PAGE = next(spec.path for spec in ADMIN_PAGES if spec.url_path == "weather-sports")


def test_pre_and_post_are_cut_to_two_hours_around_the_game() -> None:
    day = datetime(2026, 1, 10, tzinfo=UTC)
    kickoff, final = day + timedelta(hours=14, minutes=30), day + timedelta(hours=16, minutes=30)
    windows = pl.DataFrame(
        {
            "start": [day, kickoff, final],
            "end": [kickoff, final, day + timedelta(days=1)],
            "phase": ["PRE", "IN", "POST"],
        }
    )
    clipped = clip_windows(windows)
    assert clipped["start"].to_list() == [kickoff - timedelta(hours=2), kickoff, final]
    assert clipped["end"].to_list() == [kickoff, final, final + timedelta(hours=2)]


def test_page_lists_planted_games_and_tv_on_during_them(
    app_env: Path, ground_truth: dict[str, object]
) -> None:
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.session_state["homeiq_range"] = preset_range("Last 30 days", SIM_END)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    team = ground_truth["team"]
    assert isinstance(team, dict)
    planted = sorted(datetime.fromisoformat(game["kickoff"]) for game in team["games"])
    windows = next(t.value for t in at.dataframe if "phase" in t.value.columns)
    shown = sorted(windows[windows["phase"] == "IN"]["start"].dt.tz_convert("UTC"))
    assert [moment.to_pydatetime() for moment in shown] == planted
    tv_rows = [t.value for t in at.dataframe if "measure" in t.value.columns]
    tv_table = tv_rows[0] if tv_rows else None
    if tv_table is not None and "TV on" in set(tv_table["measure"]):
        row = tv_table[tv_table["measure"] == "TV on"].iloc[0]
        assert row["in games"] > row["matched baseline"]
    else:
        note = next(box.value for box in at.info if box.value.startswith("TV use"))
        match = re.search(r"on for (\d+)% of game hours", note)
        assert match and int(match.group(1)) >= 50, note
