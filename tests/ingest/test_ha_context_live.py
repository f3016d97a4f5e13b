"""Who caused a change, against a real HA: a person's REST call and an automation's action."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from tests.ingest.ha_fixtures import Harness, running_source, ws_command
from tests.support.ha_peer import HAPeer

SWITCH = "input_boolean.homeiq_switch"
FLAG = "input_boolean.peer_flag"  # toggled by the automation in tests/support/ha_config
AUTOMATION = "automation.peer_flag_follows_the_homeiq_switch"


async def _new_rows(harness: Harness, entity: str, known: int, timeout: float = 20.0) -> Any:
    """Return the rows of ``entity`` once more than ``known`` are stored."""
    async with asyncio.timeout(timeout):
        while True:
            rows = harness.rows([entity])
            if rows.height > known:
                return rows
            await asyncio.sleep(0.1)


async def test_live_changes_carry_the_person_and_the_automation_behind_them(
    ha_peer: HAPeer, tmp_path: Path
) -> None:
    owner = await asyncio.to_thread(
        ws_command, ha_peer.ws_url, ha_peer.token, {"type": "auth/current_user"}
    )
    async with running_source(ha_peer.url, ha_peer.token, tmp_path / "live") as harness:
        await harness.wait_connected()
        switches, flags = harness.rows([SWITCH]).height, harness.rows([FLAG]).height
        runs = harness.rows([AUTOMATION]).height
        # A REST service call made with the owner's long-lived token.
        await asyncio.to_thread(ha_peer.call_service, "input_boolean", "toggle", entity_id=SWITCH)
        switch = (await _new_rows(harness, SWITCH, switches)).row(-1, named=True)
        flag = (await _new_rows(harness, FLAG, flags)).row(-1, named=True)
        run = (await _new_rows(harness, AUTOMATION, runs)).row(-1, named=True)
    assert switch["context_user_id"] == owner["id"]
    assert len(owner["id"]) == 32
    assert switch["context_parent_id"] is None
    # The automation's action: its context's parent is the switch change that triggered it.
    assert flag["context_parent_id"] == switch["context_id"]
    assert flag["context_user_id"] is None
    # The automation's own state (last_triggered) is written in the run's context, so its
    # context_id names the run behind a change even when the trigger (time, sun) has none.
    assert run["context_id"] == flag["context_id"]
    assert run["context_parent_id"] == switch["context_id"]
    # The get_states snapshot of a fresh store carries the same context.
    async with running_source(ha_peer.url, ha_peer.token, tmp_path / "snapshot") as fresh:
        await fresh.wait_connected()
        await fresh.wait_stored()
        snapshot = fresh.rows([FLAG]).filter(pl.col("time") == flag["time"])
    assert snapshot.select("context_id", "context_parent_id").rows() == [
        (flag["context_id"], switch["context_id"])
    ]


async def test_ha_history_api_carries_no_context_so_backfill_cannot_store_it(
    ha_peer: HAPeer,
) -> None:
    start = datetime.now(UTC)
    await asyncio.to_thread(ha_peer.call_service, "input_boolean", "toggle", entity_id=SWITCH)
    await asyncio.sleep(1.5)  # the recorder commits every second
    end = datetime.now(UTC) + timedelta(seconds=1)
    rows = (await asyncio.to_thread(ha_peer.history, [SWITCH], start, end)).get(SWITCH, [])
    live = next(s for s in await asyncio.to_thread(ha_peer.states) if s["entity_id"] == SWITCH)
    assert rows and rows[-1]["last_updated"] == live["last_updated"]
    assert live["context"]["user_id"]  # HA knows who did it ...
    assert all("context" not in row for row in rows)  # ... but its history API does not say
