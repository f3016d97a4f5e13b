"""Sign in with Home Assistant against the real HA peer: through HA's own login page in Chromium,
and through the HTTP calls HA's login page makes (login_flow, then the redirect with a code)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.auth.config import SESSION_COOKIE
from ha_client import oauth
from homeiq.sim import MIN_ENTITIES, simulate_home
from storage.factory import open_store
from tests.conftest import require_peer
from tests.support.ha_peer import OWNER, HAPeer, free_port
from tests.support.workbench import serving

CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# HAPeer.user_token names each user after its username.
VIEWER = {"username": "auth-viewer", "password": "viewer-password-1"}
HELPER = {"username": "auth-helper", "password": "helper-password-1"}


@pytest.fixture(scope="module")
def ha(ha_peer: HAPeer) -> HAPeer:
    """Return the shared real Home Assistant with a non-admin user and a non-owner admin."""
    ha_peer.user_token(VIEWER["username"], VIEWER["password"], admin=False)
    ha_peer.user_token(HELPER["username"], HELPER["password"], admin=True)
    return ha_peer


@pytest.fixture(scope="module")
def workbench(ha: HAPeer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve the workbench with HOMEIQ_HA_URL set, so HOMEIQ_APP_AUTH defaults to ha."""
    data_dir = tmp_path_factory.mktemp("ha-auth-home")
    store = open_store(backend="embedded", data_dir=data_dir)
    try:
        simulate_home(store, days=2, entities=MIN_ENTITIES, seed=3)
    finally:
        store.close()
    with serving(data_dir, {"HOMEIQ_HA_URL": ha.url}) as url:
        yield url


def _start(client: httpx.Client, workbench: str, next_path: str = "/energy") -> dict[str, str]:
    """Open /auth/ha/start like the sign-in button; return the authorize query it sends to HA."""
    reply = client.get(f"{workbench}/auth/ha/start", params={"next": next_path})
    assert reply.status_code == 303
    target = urlsplit(reply.headers["location"])
    return {key: values[0] for key, values in parse_qs(target.query).items()}


def _login_code(ha: HAPeer, query: dict[str, str], username: str, password: str) -> str:
    """Log in on HA the way its login page does; return the authorization code it issues."""
    with httpx.Client(base_url=ha.url, timeout=30) as http:
        flow = http.post(
            "/auth/login_flow",
            json={
                "client_id": query["client_id"],
                "handler": ["homeassistant", None],
                "redirect_uri": query["redirect_uri"],
            },
        ).raise_for_status()
        step = http.post(
            f"/auth/login_flow/{flow.json()['flow_id']}",
            json={"client_id": query["client_id"], "username": username, "password": password},
        ).raise_for_status()
    body = step.json()
    assert body["type"] == "create_entry", body
    return str(body["result"])


def _callback(client: httpx.Client, query: dict[str, str], code: str) -> httpx.Response:
    return client.get(query["redirect_uri"], params={"code": code, "state": query["state"]})


def test_start_sends_the_workbench_url_as_client_id(workbench: str) -> None:
    with httpx.Client() as client:
        query = _start(client, workbench)
    assert query["response_type"] == "code"
    assert query["client_id"] == f"{workbench}/"
    assert query["redirect_uri"] == f"{workbench}/auth/ha/callback"
    assert len(query["state"]) >= 32


def test_ha_admin_gets_a_session_and_the_workbench_keeps_no_token(
    ha: HAPeer, workbench: str
) -> None:
    with httpx.Client() as client:
        query = _start(client, workbench)
        code = _login_code(ha, query, OWNER["username"], OWNER["password"])
        reply = _callback(client, query, code)
        assert reply.status_code == 303
        assert reply.headers["location"] == "/energy"
        session = client.cookies.get(SESSION_COOKIE)
    assert session
    guarded = httpx.get(f"{workbench}/_stcore/metrics", cookies={SESSION_COOKIE: session})
    assert guarded.status_code == 200
    tokens = ha.ws_command("auth/refresh_tokens")
    assert not [t for t in tokens if t.get("client_id") == query["client_id"]]  # revoked


def test_ha_admin_who_is_not_the_owner_gets_in(ha: HAPeer, workbench: str) -> None:
    with httpx.Client() as client:
        query = _start(client, workbench, next_path="/")
        code = _login_code(ha, query, HELPER["username"], HELPER["password"])
        reply = _callback(client, query, code)
        assert reply.headers["location"] == "/"
        assert client.cookies.get(SESSION_COOKIE)


def test_ha_user_who_is_not_an_admin_is_refused(ha: HAPeer, workbench: str) -> None:
    with httpx.Client() as client:
        query = _start(client, workbench)
        code = _login_code(ha, query, VIEWER["username"], VIEWER["password"])
        reply = _callback(client, query, code)
        assert reply.status_code == 303
        assert reply.headers["location"] == "/energy?signin=not_admin"
        assert client.cookies.get(SESSION_COOKIE) is None


def test_callback_in_another_browser_is_refused(ha: HAPeer, workbench: str) -> None:
    with httpx.Client() as victim, httpx.Client() as other:
        query = _start(victim, workbench)
        code = _login_code(ha, query, OWNER["username"], OWNER["password"])
        reply = _callback(other, query, code)  # no state cookie: not the browser that started
        assert reply.headers["location"] == "/?signin=state"
        assert other.cookies.get(SESSION_COOKIE) is None


def test_replayed_callback_is_refused(ha: HAPeer, workbench: str) -> None:
    with httpx.Client() as client:
        query = _start(client, workbench)
        code = _login_code(ha, query, OWNER["username"], OWNER["password"])
        assert _callback(client, query, code).headers["location"] == "/energy"
        client.cookies.delete(SESSION_COOKIE)
        client.cookies.set("homeiq_oauth_state", query["state"], path="/auth/ha")
        again = _callback(client, query, code)
        assert again.headers["location"] == "/?signin=state"


def test_ha_admin_signs_in_through_has_login_page_in_chromium(ha: HAPeer, workbench: str) -> None:
    require_peer(CHROMIUM.exists(), "chromium (/usr/bin/chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as play:
        chromium = play.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            page = chromium.new_page()
            page.goto(f"{workbench}/energy", wait_until="domcontentloaded")
            page.get_by_text("Sign in with Home Assistant").click(timeout=60_000)
            page.wait_for_selector('input[name="username"]', timeout=60_000)  # HA's own page
            assert page.url.startswith(f"{ha.url}/auth/authorize?")
            page.fill('input[name="username"]', OWNER["username"])
            page.fill('input[name="password"]', OWNER["password"])
            page.keyboard.press("Enter")
            page.wait_for_url(f"{workbench}/energy", timeout=60_000)
            page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=60_000)
            sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
            assert f"Signed in: {OWNER['name']} (Home Assistant)" in sidebar
            heading = page.locator('[data-testid="stMain"] h1').first
            assert heading.inner_text(timeout=60_000) == "Energy"
        finally:
            chromium.close()


def test_made_up_code_is_rejected_by_ha(ha: HAPeer) -> None:
    with pytest.raises(oauth.OAuthError) as caught:
        asyncio.run(oauth.exchange_code(ha.url, code="made-up", client_id="http://127.0.0.1/"))
    assert caught.value.reason == "rejected"


def test_unreachable_ha_names_the_url_and_the_setting() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(oauth.OAuthError) as caught:
        asyncio.run(oauth.exchange_code(url, code="x", client_id="http://127.0.0.1/", timeout=3))
    assert caught.value.reason == "unreachable"
    assert url in str(caught.value) and "HOMEIQ_HA_URL" in str(caught.value)
