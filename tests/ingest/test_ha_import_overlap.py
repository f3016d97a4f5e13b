"""Live streaming and import-recorder give the same state change the same identity."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from ingest_worker.recorder_import import import_recorder
from tests.ingest.ha_fixtures import running_source
from tests.support.ha_peer import HAPeer

LEVEL = "input_number.homeiq_level"
NOTE = "input_text.homeiq_note"


def _recorded(peer: HAPeer, entity: str, state: str) -> bool:
    with sqlite3.connect(f"file:{peer.database}?mode=ro", uri=True) as db:
        row = db.execute(
            "SELECT count(*) FROM states s JOIN states_meta m USING (metadata_id) "
            "WHERE m.entity_id = ? AND s.state = ?",
            (entity, state),
        ).fetchone()
    return bool(row[0])


async def test_importing_the_recorder_after_live_streaming_stores_no_test_change_twice(
    ha_peer: HAPeer, tmp_path: Path
) -> None:
    start = datetime.now(UTC)
    async with running_source(ha_peer.url, ha_peer.token, tmp_path) as harness:
        await harness.wait_connected()
        for step in range(5):
            await asyncio.to_thread(
                ha_peer.call_service,
                "input_number",
                "set_value",
                entity_id=LEVEL,
                value=3000 + step,
            )
            await asyncio.to_thread(
                ha_peer.call_service,
                "input_text",
                "set_value",
                entity_id=NOTE,
                value=f"overlap {step}",
            )
        async with asyncio.timeout(20):
            while not _recorded(ha_peer, NOTE, "overlap 4"):
                await asyncio.sleep(0.3)
            while "overlap 4" not in harness.rows([NOTE])["state"].to_list():
                await asyncio.sleep(0.1)
        await harness.wait_stored()
        live = harness.rows([LEVEL, NOTE]).filter(pl.col("time") >= start)
        import_recorder(ha_peer.database, harness.store)
        after = harness.rows([LEVEL, NOTE]).filter(pl.col("time") >= start)
    assert live.height >= 10
    assert (
        after.select("entity_id", "time", "state")
        .sort("entity_id", "time")
        .equals(live.select("entity_id", "time", "state").sort("entity_id", "time"))
    )
