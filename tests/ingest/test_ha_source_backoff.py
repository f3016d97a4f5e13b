"""Reconnect backoff: retries keep going, capped, and the failure is logged once, not per retry."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from ingest_worker.base import SourceState
from tests.ingest.ha_fixtures import DroppingProxy, running_source
from tests.support.mosquitto import free_port


async def test_unreachable_ha_is_retried_and_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    proxy = await DroppingProxy(free_port()).start()  # accepts, but nothing behind it
    caplog.set_level(logging.INFO, logger="ingest_worker.ha")
    try:
        async with running_source(
            proxy.url, "sekrit-token-xyz", tmp_path, backoff_base=0.05, backoff_cap=0.2
        ) as harness:
            await asyncio.sleep(2.0)
            state, error = harness.status.state, harness.status.last_error
            running = not harness.task.done()
    finally:
        await proxy.close()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert running and state == SourceState.RECONNECTING
    assert proxy.accepted >= 8  # capped at 0.2 s: many attempts in 2 s, no give-up
    assert len(warnings) == 1
    assert "cannot reach Home Assistant" in warnings[0].getMessage()
    assert error is not None and "sekrit" not in caplog.text
