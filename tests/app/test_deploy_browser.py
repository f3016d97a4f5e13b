"""Chromium: approve -> deploy -> rollback from the suggestion card, against a real HA."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.pages import ROOT
from homeiq.commands.app_cmds import streamlit_command
from storage.metadata import MetadataStore
from tests.conftest import require_peer
from tests.support.ha_peer import HAPeer, free_port

CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PAGE = ROOT / "tests" / "support" / "deploy_panel_page.py"
CONFIG = {
    "alias": "HomeIQ browser test",
    "triggers": [{"trigger": "state", "entity_id": "input_boolean.homeiq_switch", "to": "on"}],
    "conditions": [],
    "actions": [{"action": "counter.increment", "target": {"entity_id": "counter.homeiq_ticks"}}],
}

pytestmark = [pytest.mark.peer, pytest.mark.slow]


@pytest.fixture
def served(tmp_path: Path, ha_peer: HAPeer) -> Iterator[str]:
    meta = MetadataStore(tmp_path / "homeiq.sqlite")
    meta.add_suggestion(kind="trigger", title="Browser", body="", detail={"automation": CONFIG})
    meta.close()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOMEIQ_")}
    env |= {
        "HOMEIQ_DATA_DIR": str(tmp_path),
        "HOMEIQ_HA_URL": ha_peer.url,
        "HOMEIQ_HA_TOKEN": ha_peer.token,
    }
    proc = subprocess.Popen(
        streamlit_command(PAGE, port, "127.0.0.1"),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def _registered(peer: HAPeer) -> bool:
    return any(
        e.get("platform") == "automation" and e.get("unique_id") == "homeiq_1"
        for e in peer.ws_command("config/entity_registry/list")
    )


def test_approve_deploy_rollback_in_chromium(served: str, ha_peer: HAPeer) -> None:
    require_peer(CHROMIUM.exists(), "chromium (/usr/bin/chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            page = browser.new_page()
            page.goto(served, wait_until="domcontentloaded")
            page.get_by_role("button", name="Approve").click(timeout=60_000)
            page.get_by_text("Suggestion 1 approved.").wait_for(timeout=60_000)
            page.get_by_role("button", name="Deploy").click(timeout=60_000)
            page.get_by_text("Deployed version 1 of suggestion 1").wait_for(timeout=90_000)
            assert _registered(ha_peer)
            page.get_by_role("button", name="Rollback").click(timeout=60_000)
            page.get_by_text("Rolled back version 1").wait_for(timeout=90_000)
            assert not _registered(ha_peer)
            assert page.locator('[data-testid="stException"]').count() == 0
        finally:
            browser.close()
