"""The worker's daily job: the next local run time (DST included) and a real child process."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from homeiq.commands.ingest_cmds import analyze_time
from ingest_worker.daily_job import DailyJob, next_run

AMS = ZoneInfo("Europe/Amsterdam")


def test_next_run_is_later_today_before_the_time_and_tomorrow_after() -> None:
    morning = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # 02:00 CET
    assert next_run(morning, time(3, 30), AMS) == datetime(2026, 11, 20, 2, 30, tzinfo=UTC)
    later = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    assert next_run(later, time(3, 30), AMS) == datetime(2026, 11, 21, 2, 30, tzinfo=UTC)


def test_next_run_keeps_local_time_across_the_autumn_change() -> None:
    before = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)
    assert next_run(before, time(3, 30), AMS) == datetime(2026, 10, 25, 2, 30, tzinfo=UTC)  # CET
    assert next_run(datetime(2026, 10, 23, 12, tzinfo=UTC), time(3, 30), AMS) == datetime(
        2026,
        10,
        24,
        1,
        30,
        tzinfo=UTC,  # still CEST
    )


def test_a_skipped_spring_time_runs_once_that_night() -> None:
    night = datetime(2026, 3, 28, 22, 0, tzinfo=UTC)
    due = next_run(night, time(2, 30), AMS)
    assert due == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST, the clock jumped


def test_analyze_at_setting_parses_and_off_disables() -> None:
    assert analyze_time("03:30") == time(3, 30)
    assert analyze_time("off") is None


def test_run_once_runs_the_command_in_a_child_and_records_its_exit(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    job = DailyJob(
        name="test job",
        command=[
            sys.executable,
            "-c",
            f"open({str(marker)!r}, 'w').write('x'); raise SystemExit(3)",
        ],
        at=time(3, 30),
        time_zone="UTC",
    )
    assert asyncio.run(job.run_once()) == 3
    assert marker.read_text() == "x"
    assert (job.runs, job.last_exit) == (1, 3)


def test_a_hung_child_is_stopped_at_the_timeout() -> None:
    job = DailyJob(
        name="slow job", command=[sys.executable, "-c", "import time; time.sleep(30)"],
        at=time(3, 30), time_zone="UTC", timeout_s=0.5,
    )  # fmt: skip
    assert asyncio.run(job.run_once()) == -1
