"""Chromium: sign in, then approve -> deploy -> rollback on the real Suggestions page, real HA.

The workbench is served as `homeiq app` serves it (app/server.py with the password sign-in);
the deploy goes to the session's Home Assistant peer and is checked there, not on the page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from app.auth.config import hash_password
from app.pages import ROOT
from homeiq.automation.deployer import ha_automation_id
from storage.events import Event, events_to_frame, now_utc
from storage.factory import open_store
from storage.metadata import MetadataStore
from tests.conftest import require_peer
from tests.support.ha_peer import HAPeer
from tests.support.workbench import serving

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "deploy-from-the-page-1"
ADMIN = "admin (local password)"
TITLE = "Count the HomeIQ switch"
# Entities the peer really has (tests/support/ha_config/configuration.yaml).
CONFIG = {
    "alias": "HomeIQ browser deploy",
    "triggers": [{"trigger": "state", "entity_id": "input_boolean.homeiq_switch", "to": "on"}],
    "conditions": [],
    "actions": [{"action": "counter.increment", "target": {"entity_id": "counter.homeiq_ticks"}}],
}

pytestmark = [pytest.mark.peer, pytest.mark.slow]


@pytest.fixture
def home(tmp_path: Path) -> tuple[Path, int]:
    """Return a data dir with one stored event and one new suggestion, and that suggestion's id."""
    data_dir = tmp_path / "home"
    data_dir.mkdir()
    store = open_store(backend="embedded", data_dir=data_dir)
    try:  # the page asks for `homeiq demo` on an empty store
        event = Event(
            time=now_utc(), entity_id="input_boolean.homeiq_switch", state="off", source="ha"
        )
        store.write(events_to_frame([event]))
    finally:
        store.close()
    meta = MetadataStore(data_dir / "homeiq.sqlite")
    try:
        suggestion = meta.add_suggestion(
            kind="trigger", title=TITLE, body="", detail={"automation": CONFIG}
        )
    finally:
        meta.close()
    return data_dir, suggestion.id


@pytest.fixture
def served(home: tuple[Path, int], ha_peer: HAPeer) -> Iterator[str]:
    """Serve app/server.py with the password sign-in and the real HA peer; yield its URL."""
    env = {
        "HOMEIQ_APP_AUTH": "password",
        "HOMEIQ_ADMIN_PASSWORD_HASH": hash_password(PASSWORD),
        "HOMEIQ_HA_URL": ha_peer.url,
        "HOMEIQ_HA_TOKEN": ha_peer.token,
    }
    with serving(home[0], env) as url:
        yield url


def _ha_config(peer: HAPeer, config_id: str) -> httpx.Response:
    return httpx.get(
        f"{peer.url}/api/config/automation/config/{config_id}",
        headers={"Authorization": f"Bearer {peer.token}"},
        timeout=10,
    )


def _registered(peer: HAPeer, config_id: str) -> bool:
    return any(
        e.get("platform") == "automation" and e.get("unique_id") == config_id
        for e in peer.ws_command("config/entity_registry/list")
    )


def _status_badge(page: Page, status: str) -> Locator:
    """Return the card's status badge (the code after the title) showing exactly ``status``."""
    return page.locator('[data-testid="stMarkdownContainer"] code').filter(
        has_text=re.compile(rf"^{status}$")
    )


def _sign_in(page: Page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector('input[type="password"]', timeout=60_000)
    page.fill('input[type="password"]', PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=60_000)


def _drive(page: Page, url: str, sid: int, peer: HAPeer) -> None:
    config_id = ha_automation_id(sid)
    _sign_in(page, f"{url}/suggestions")
    page.get_by_text(TITLE).first.wait_for(timeout=90_000)
    _status_badge(page, "new").wait_for(timeout=30_000)

    page.locator(f".st-key-approve-{sid} button").click(timeout=60_000)
    _status_badge(page, "approved").wait_for(timeout=60_000)

    deploy = page.locator(f".st-key-deploy_{sid} button")
    deploy.wait_for(timeout=60_000)
    confirm = page.locator(f".st-key-confirm_{sid} input")
    if confirm.count():  # a critical finding asks for the typed confirmation first
        confirm.fill(f"deploy {sid}")
        confirm.press("Enter")
    deploy.click(timeout=60_000)
    page.get_by_text(f"Deployed version 1 of suggestion {sid}").wait_for(timeout=120_000)
    _status_badge(page, "deployed").wait_for(timeout=30_000)
    in_ha = _ha_config(peer, config_id)
    assert in_ha.status_code == 200
    assert in_ha.json()["alias"] == CONFIG["alias"]
    assert in_ha.json()["actions"] == CONFIG["actions"]
    assert _registered(peer, config_id)

    page.locator(f".st-key-rollback_{sid} button").click(timeout=60_000)
    page.get_by_text("Rolled back version 1").wait_for(timeout=120_000)
    _status_badge(page, "rolled_back").wait_for(timeout=30_000)
    assert _ha_config(peer, config_id).status_code == 404
    assert not _registered(peer, config_id)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_approve_deploy_rollback_on_the_suggestions_page_in_chromium(
    served: str, home: tuple[Path, int], ha_peer: HAPeer
) -> None:
    require_peer(CHROMIUM.exists(), "chromium (/usr/bin/chromium)")
    from playwright.sync_api import sync_playwright

    data_dir, sid = home
    assert _ha_config(ha_peer, ha_automation_id(sid)).status_code == 404  # nothing left over
    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1400})
            try:
                _drive(page, served, sid, ha_peer)
            except Exception:
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "failed-deploy-browser.png"), full_page=True)
                raise
        finally:
            browser.close()
    meta = MetadataStore(data_dir / "homeiq.sqlite")
    try:
        entries = list(reversed(meta.list_audit(100)))
    finally:
        meta.close()
    assert [(e.actor, e.action, e.detail["suggestion_id"]) for e in entries] == [
        (ADMIN, "approve", sid),
        (ADMIN, "deploy", sid),
        (ADMIN, "rollback", sid),
    ]
    assert entries[1].detail["after"] == CONFIG
    assert ha_peer.token not in json.dumps([e.detail for e in entries], default=str)
