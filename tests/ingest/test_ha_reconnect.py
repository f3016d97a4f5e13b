"""A dropped connection and an HA restart mid-stream: the store then equals HA's history."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.ingest.ha_fixtures import DroppingProxy, Harness, running_source
from tests.support.ha_peer import HAPeer

ENTITIES = ["input_number.homeiq_level", "input_boolean.homeiq_switch"]


async def _changes(peer: HAPeer, first: int, count: int) -> None:
    for level in range(first, first + count):
        await asyncio.to_thread(
            peer.call_service,
            "input_number",
            "set_value",
            entity_id=ENTITIES[0],
            value=level,
        )
        if level % 3 == 0:
            await asyncio.to_thread(
                peer.call_service, "input_boolean", "toggle", entity_id=ENTITIES[1]
            )
        await asyncio.sleep(0.15)


def _stored(harness: Harness, start: datetime, end: datetime) -> list[tuple[str, datetime, str]]:
    rows = harness.rows(ENTITIES).filter(source="ha")
    rows = rows.filter((rows["time"] >= start) & (rows["time"] <= end))
    return sorted(zip(rows["entity_id"], rows["time"], rows["state"], strict=True))


async def test_drop_and_restart_store_exactly_ha_history(ha_peer: HAPeer, tmp_path: Path) -> None:
    start = datetime.now(UTC) - timedelta(milliseconds=1)
    proxy = await DroppingProxy(ha_peer.port).start()
    try:
        async with running_source(proxy.url, ha_peer.token, tmp_path) as harness:
            await harness.wait_connected()
            await _changes(ha_peer, 1001, 6)
            # Network failure mid-stream; changes go on while the source cannot reconnect.
            proxy.blocked = True
            proxy.drop()
            await _changes(ha_peer, 1101, 6)
            proxy.blocked = False
            await harness.wait_connected(connects=2)
            await _changes(ha_peer, 1201, 4)
            await asyncio.to_thread(ha_peer.restart)
            await _changes(ha_peer, 1301, 4)
            await harness.wait_connected(connects=3)
            await _changes(ha_peer, 1401, 3)
            await asyncio.sleep(2.5)  # recorder commits every second
            end = datetime.now(UTC)
            await harness.wait_stored()
            stored = _stored(harness, start, end)
            backfilled = harness.source.counters["backfilled"]
    finally:
        await proxy.close()
    history = await asyncio.to_thread(ha_peer.history, ENTITIES, start, end)
    expected = sorted(
        (s["entity_id"], datetime.fromisoformat(s["last_updated"]), s["state"])
        for series in history.values()
        for s in series
        if start <= datetime.fromisoformat(s["last_updated"]) <= end
    )
    levels = {state for entity, _, state in expected if entity == ENTITIES[0]}
    assert {"1101.0", "1106.0", "1301.0", "1403.0"} <= levels  # the gap and both sides are there
    assert backfilled > 0
    assert stored == expected
