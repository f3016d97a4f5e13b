"""The HA source keeps up with a real HA: a hung connection, registry changes, the worker CLI."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from ingest_worker.base import SourceState
from storage.factory import open_store
from tests.ingest.ha_fixtures import DroppingProxy, running_source, ws_command
from tests.support.ha_peer import HAPeer
from tests.support.worker_process import worker_process

LEVEL = "input_number.homeiq_level"
DOUBLED = "sensor.homeiq_level_doubled"


async def _set_level(peer: HAPeer, value: float) -> None:
    await asyncio.to_thread(
        peer.call_service, "input_number", "set_value", entity_id=LEVEL, value=value
    )


async def test_hung_connection_is_noticed_within_30_s_and_backfilled(
    ha_peer: HAPeer, tmp_path: Path
) -> None:
    proxy = await DroppingProxy(ha_peer.port).start()
    try:
        async with running_source(proxy.url, ha_peer.token, tmp_path) as harness:
            await harness.wait_connected()
            proxy.frozen = proxy.blocked = True  # HA stops answering; nothing is closed
            hung_at = time.monotonic()
            await _set_level(ha_peer, 7001)
            async with asyncio.timeout(40):
                while harness.status.state == SourceState.CONNECTED:
                    await asyncio.sleep(0.1)
            noticed_after = time.monotonic() - hung_at
            proxy.frozen = proxy.blocked = False
            await harness.wait_connected(connects=2)
            await harness.wait_stored()
            levels = harness.rows([LEVEL])["state"].to_list()
    finally:
        await proxy.close()
    assert noticed_after < 30, noticed_after
    assert "7001.0" in levels


async def test_registry_change_gives_events_their_area(ha_peer: HAPeer, tmp_path: Path) -> None:
    async with running_source(ha_peer.url, ha_peer.token, tmp_path) as harness:
        await harness.wait_connected()
        area = await asyncio.to_thread(
            ws_command,
            ha_peer.ws_url,
            ha_peer.token,
            {"type": "config/area_registry/create", "name": "HomeIQ Lab"},
        )
        await asyncio.to_thread(
            ws_command,
            ha_peer.ws_url,
            ha_peer.token,
            {
                "type": "config/entity_registry/update",
                "entity_id": DOUBLED,
                "area_id": area["area_id"],
            },
        )
        await asyncio.sleep(2.0)  # the source reloads registries a second after a burst
        await _set_level(ha_peer, 4321)
        async with asyncio.timeout(10):
            while True:
                rows = harness.rows([DOUBLED])
                hit = rows.filter(state="8642.0")
                if hit.height:
                    break
                await asyncio.sleep(0.1)
    assert hit["area"].to_list() == ["HomeIQ Lab"]


async def test_worker_cli_streams_ha_into_the_store(ha_peer: HAPeer, tmp_path: Path) -> None:
    token_file = tmp_path / "ha-token"
    token_file.write_text(ha_peer.token)
    worker = worker_process(
        tmp_path, HOMEIQ_HA_URL=ha_peer.url, HOMEIQ_HA_TOKEN_FILE=str(token_file)
    )
    worker.start()
    try:
        await asyncio.to_thread(
            worker.wait_for, lambda h: h["sources"]["ha"]["state"] == "connected", 60
        )
        await _set_level(ha_peer, 5555)
        store = open_store(backend="embedded", data_dir=worker.data_dir)
        try:
            async with asyncio.timeout(15):
                while not store.latest([LEVEL]).filter(state="5555.0").height:
                    await asyncio.sleep(0.2)
        finally:
            store.close()
        code = await asyncio.to_thread(worker.terminate, 10)
    finally:
        worker.stop()
    assert code == 0
    assert ha_peer.token not in worker.log()
