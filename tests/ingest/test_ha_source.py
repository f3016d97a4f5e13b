"""The HA source against a real Home Assistant: snapshot, live changes, a rejected token."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ingest_worker.base import AuthenticationFailed, SourceState
from tests.ingest.ha_fixtures import DroppingProxy, running_source
from tests.support.ha_peer import HAPeer


def _ha_keys(states: list[dict[str, object]]) -> dict[str, tuple[str, datetime]]:
    return {
        str(s["entity_id"]): (str(s["state"]), datetime.fromisoformat(str(s["last_updated"])))
        for s in states
    }


async def test_snapshot_latest_equals_get_states(ha_peer: HAPeer, tmp_path: Path) -> None:
    async with running_source(ha_peer.url, ha_peer.token, tmp_path) as harness:
        await harness.wait_connected()
        deadline = time.monotonic() + 15
        while True:
            await harness.wait_stored()
            expected = _ha_keys(await asyncio.to_thread(ha_peer.states))
            latest = harness.store.latest()
            stored = {
                row["entity_id"]: (row["state"], row["time"])
                for row in latest.iter_rows(named=True)
            }
            missing = {k: v for k, v in expected.items() if stored.get(k) != v}
            if not missing or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
    assert len(expected) > 20  # demo + test entities
    assert missing == {}


async def test_live_change_is_stored_within_5_s(ha_peer: HAPeer, tmp_path: Path) -> None:
    async with running_source(ha_peer.url, ha_peer.token, tmp_path) as harness:
        await harness.wait_connected()
        await asyncio.to_thread(
            ha_peer.call_service, "input_boolean", "toggle", entity_id="input_boolean.homeiq_switch"
        )
        changed_at = time.monotonic()
        now = _ha_keys(await asyncio.to_thread(ha_peer.states))["input_boolean.homeiq_switch"]
        found = None
        while time.monotonic() - changed_at < 5.0:
            rows = harness.rows(["input_boolean.homeiq_switch"])
            hit = rows.filter(rows["time"] == now[1])
            if hit.height:
                found = (hit["state"][0], hit["time"][0])
                break
            await asyncio.sleep(0.05)
    assert found == now
    assert harness.status.events_total > 0


async def test_auth_invalid_stops_without_retry(ha_peer: HAPeer, tmp_path: Path) -> None:
    proxy = await DroppingProxy(ha_peer.port).start()
    try:
        async with running_source(proxy.url, "not-a-valid-token", tmp_path) as harness:
            with pytest.raises(AuthenticationFailed, match="rejected the access token"):
                await asyncio.wait_for(asyncio.shield(harness.task), 20)
            await asyncio.sleep(2.0)  # a retry loop would connect again in this time
            assert harness.status.state == SourceState.FAILED
            assert "not-a-valid-token" not in (harness.status.last_error or "")
    finally:
        await proxy.close()
    assert proxy.accepted == 1


async def test_first_start_backfills_the_configured_window(ha_peer: HAPeer, tmp_path: Path) -> None:
    for level in (9001, 9002, 9003):
        await asyncio.to_thread(
            ha_peer.call_service,
            "input_number",
            "set_value",
            entity_id="input_number.homeiq_level",
            value=level,
        )
        await asyncio.sleep(0.15)
    await asyncio.sleep(1.5)  # the recorder commits every second
    window = timedelta(minutes=5)
    async with running_source(ha_peer.url, ha_peer.token, tmp_path, first_backfill=window) as h:
        await h.wait_connected()
        await h.wait_stored()
        levels = h.rows(["input_number.homeiq_level"])["state"].to_list()
        backfilled = h.source.counters["backfilled"]
    # 9003 is also the current state (snapshot); the two before it come only from history.
    assert {"9001.0", "9002.0", "9003.0"} <= set(levels)
    assert backfilled >= 3
