"""Backfill across worker restarts and removed entities, against a real HA.

An entity removed while the worker could not reach HA is not in the next snapshot; its
changes in the gap must still be fetched. A backfill that a killed worker never finished
must be redone from where it began, though the spool's last event is later.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ingest_worker.ha.resume import ResumeFile, ResumeState
from ingest_worker.spool import Spool
from storage.events import Event
from tests.ingest.ha_fixtures import DroppingProxy, Harness, running_source
from tests.support.ha_peer import HAPeer


def _states(harness: Harness, entity_id: str) -> list[str]:
    rows = harness.rows([entity_id]).filter(source="ha").sort("time")
    return rows["state"].to_list()


def _history_states(peer: HAPeer, entity_id: str, start: datetime) -> list[str]:
    series = peer.history([entity_id], start, datetime.now(UTC)).get(entity_id, [])
    return [item["state"] for item in series]


async def test_entity_removed_during_a_disconnect_still_gets_its_gap_and_a_live_removal_is_stored(
    ha_peer: HAPeer, tmp_path: Path
) -> None:
    entity = "sensor.homeiq_removed_while_away"
    live = "sensor.homeiq_removed_live"
    start = datetime.now(UTC)
    await asyncio.to_thread(ha_peer.set_state, entity, "1", unit_of_measurement="W")
    proxy = await DroppingProxy(ha_peer.port).start()
    try:
        async with running_source(proxy.url, ha_peer.token, tmp_path) as harness:
            await harness.wait_connected()
            await harness.wait_stored()
            assert _states(harness, entity) == ["1"]
            proxy.blocked = True
            proxy.drop()
            for value in ("2", "3"):
                await asyncio.to_thread(ha_peer.set_state, entity, value, unit_of_measurement="W")
                await asyncio.sleep(0.2)
            await asyncio.to_thread(ha_peer.remove_state, entity)
            await asyncio.sleep(2.5)  # the recorder commits every second
            proxy.blocked = False
            await harness.wait_connected(connects=2)
            await asyncio.to_thread(ha_peer.set_state, live, "a")
            await asyncio.sleep(0.2)
            await asyncio.to_thread(ha_peer.remove_state, live)
            await asyncio.sleep(2.5)
            await harness.wait_stored()
            stored = _states(harness, entity)
            stored_live = harness.rows([live]).filter(source="ha").sort("time")
            resume = ResumeFile(tmp_path / "spool.db.ha-resume").load()
    finally:
        await proxy.close()
    recorded = await asyncio.to_thread(_history_states, ha_peer, entity, start)
    history_live = (await asyncio.to_thread(ha_peer.history, [live], start, datetime.now(UTC)))[
        live
    ]
    # A removal seen live is the row HA's recorder keeps for it, to the microsecond.
    assert [(s["state"], datetime.fromisoformat(s["last_updated"])) for s in history_live] == list(
        zip(stored_live["state"], stored_live["time"], strict=True)
    )
    assert recorded[:3] == ["1", "2", "3"]
    assert recorded[-1] == ""  # HA's history keeps the removal as a state ""
    assert stored == recorded
    # Backfilled once; the next backfill no longer asks HA for it.
    assert resume.pending_from is None
    assert entity not in resume.entities


async def test_unfinished_backfill_of_a_killed_worker_is_redone_from_its_start(
    ha_peer: HAPeer, tmp_path: Path
) -> None:
    entity = "sensor.homeiq_resume_probe"
    began = datetime.now(UTC) - timedelta(seconds=1)
    for value in ("10", "11", "12"):
        await asyncio.to_thread(ha_peer.set_state, entity, value)
        await asyncio.sleep(0.2)
    await asyncio.to_thread(ha_peer.remove_state, entity)  # so it is not in the snapshot
    # Recorded, and older than the overlap the next start keeps before the spool's last event.
    await asyncio.sleep(6.0)
    # What a worker killed mid-backfill leaves: a spool whose last event is newer than the
    # gap (the snapshot was spooled) and the backfill start it had saved.
    spool = await Spool(tmp_path / "spool.db", max_bytes=10**8).open()
    newer = Event(time=datetime.now(UTC), entity_id="sensor.other", state="x", source="ha")
    await spool.put([newer])
    await spool.close()
    ResumeFile(tmp_path / "spool.db.ha-resume").save(
        ResumeState(pending_from=began, entities=frozenset({entity}))
    )
    async with running_source(ha_peer.url, ha_peer.token, tmp_path) as harness:
        await harness.wait_connected()
        await harness.wait_stored()
        stored = _states(harness, entity)
    assert stored == ["10", "11", "12", ""]  # the removal is the state "" HA recorded
