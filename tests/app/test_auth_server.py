"""The real workbench server with sign-in: what a signed-out browser gets from every URL and from
Streamlit's own endpoints, a password sign-in in Chromium, the kiosk, and where `homeiq app`
listens without sign-in (read from /proc/net/tcp; tests connect only to loopback)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from analytics.roles import ROLES
from app.auth.config import SESSION_COOKIE, hash_password
from app.pages import ADMIN_PAGES, ROOT, PageSpec
from homeiq.sim import GROUND_TRUTH_FILE, MIN_ENTITIES, simulate_home
from storage.factory import open_store
from storage.metadata import MetadataStore
from tests.conftest import require_peer
from tests.support.workbench import free_port, serving, wait_for_health

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "correct-horse-1"
SIGNED_OUT_OPEN = {"/_stcore/health": 200, "/_stcore/host-config": 200, "/": 200, "/energy": 200}
SIGNED_OUT_REFUSED = (
    "/media/0123456789abcdef.png",
    "/_stcore/upload_file/session/file",
    "/_stcore/metrics",
    "/_stcore/agent/openapi.json",
    "/_stcore/bidi-components/x/index.js",
    "/component/x/index.html",
    "/app/static/x.txt",
    "/_stcore/script-health-check",
)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a data dir with a small simulated home that ends now."""
    data_dir = tmp_path_factory.mktemp("auth-home")
    store = open_store(backend="embedded", data_dir=data_dir)
    metadata = MetadataStore(data_dir / "homeiq.sqlite")
    try:
        simulate_home(
            store,
            days=3,
            entities=MIN_ENTITIES,
            seed=5,
            ground_truth_path=data_dir / GROUND_TRUTH_FILE,
            metadata=metadata,
        )
    finally:
        store.close()
        metadata.close()
    return data_dir


@pytest.fixture(scope="module")
def entity_ids(home: Path) -> list[str]:
    """Return every entity id of the simulated home."""
    store = open_store(backend="embedded", data_dir=home)
    try:
        return list(store.latest()["entity_id"])
    finally:
        store.close()


@pytest.fixture(scope="module")
def password_server(home: Path) -> Iterator[str]:
    """Serve the workbench with HOMEIQ_APP_AUTH=password (by default, from the hash)."""
    with serving(home, {"HOMEIQ_ADMIN_PASSWORD_HASH": hash_password(PASSWORD)}) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    require_peer(CHROMIUM.exists(), "chromium (/usr/bin/chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as play:
        chromium = play.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _settled(page: object) -> None:
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    page.wait_for_timeout(800)  # type: ignore[attr-defined]


def _page_url(base: str, spec: PageSpec) -> str:
    return f"{base}/" if spec == ADMIN_PAGES[0] else f"{base}/{spec.url_path}"


@pytest.mark.parametrize(("path", "status"), sorted(SIGNED_OUT_OPEN.items()))
def test_signed_out_gets_only_shell_health_and_config(password_server, path, status) -> None:
    reply = httpx.get(password_server + path, timeout=10)
    assert reply.status_code == status
    assert not re.search(r"sensor\.|light\.|binary_sensor\.", reply.text)


@pytest.mark.parametrize("path", SIGNED_OUT_REFUSED)
def test_signed_out_is_refused_streamlits_data_endpoints(password_server, path) -> None:
    reply = httpx.get(password_server + path, timeout=10)
    assert reply.status_code == 403, (path, reply.status_code)


def test_forged_session_cookie_is_refused(password_server) -> None:
    cookies = {SESSION_COOKIE: "forged-session-id"}
    reply = httpx.get(password_server + "/_stcore/metrics", cookies=cookies, timeout=10)
    assert reply.status_code == 403


@pytest.mark.parametrize("spec", [pytest.param(s, id=s.url_path) for s in ADMIN_PAGES])
def test_every_admin_url_shows_only_the_sign_in_screen_in_chromium(
    spec: PageSpec, password_server: str, browser: object, entity_ids: list[str]
) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    try:
        page.goto(_page_url(password_server, spec), wait_until="domcontentloaded")
        page.wait_for_selector('input[type="password"]', timeout=60_000)
        _settled(page)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"signed-out-{spec.url_path}.png"))
        html = page.content()
        text = page.locator('[data-testid="stMain"]').inner_text()
        assert "Sign in" in text
        assert not re.search(r"\d", text), text
        assert not [entity for entity in entity_ids if entity in html]
        assert page.locator('[data-testid="stMetric"]').count() == 0
        assert page.locator('[data-testid="stSidebarNav"]').count() == 0
    finally:
        page.close()


def test_password_sign_in_opens_every_page_survives_reload_and_signs_out(
    password_server: str, browser: object
) -> None:
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        page.goto(f"{password_server}/energy", wait_until="domcontentloaded")
        page.wait_for_selector('input[type="password"]', timeout=60_000)
        page.fill('input[type="password"]', PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=60_000)
        assert page.url == f"{password_server}/energy"  # back where the visitor was going
        cookie = next(c for c in context.cookies() if c["name"] == SESSION_COOKIE)
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        for spec in ADMIN_PAGES:
            page.goto(_page_url(password_server, spec), wait_until="domcontentloaded")
            page.wait_for_selector('[data-testid="stHeading"]', timeout=60_000)
            _settled(page)
            assert page.locator('[data-testid="stMain"] h1').first.inner_text() == spec.title
            assert not page.locator('[data-testid="stException"]').count(), spec.url_path
        # The cookie now opens what a signed-out browser was refused.
        metrics = httpx.get(
            f"{password_server}/_stcore/metrics", cookies={SESSION_COOKIE: cookie["value"]}
        )
        assert metrics.status_code == 200
        page.reload(wait_until="domcontentloaded")
        page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=60_000)
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_selector('input[type="password"]', timeout=60_000)
        assert SESSION_COOKIE not in {c["name"] for c in context.cookies()}
        after = httpx.get(
            f"{password_server}/_stcore/metrics", cookies={SESSION_COOKIE: cookie["value"]}
        )
        assert after.status_code == 403  # the old cookie died with the session
    finally:
        context.close()


def _sign_in(context: object, base: str, path: str) -> object:
    page = context.new_page()  # type: ignore[attr-defined]
    page.goto(f"{base}{path}", wait_until="domcontentloaded")
    page.wait_for_selector('input[type="password"]', timeout=60_000)
    page.fill('input[type="password"]', PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=60_000)
    return page


def test_export_download_is_served_only_with_a_session(
    password_server: str, browser: object
) -> None:
    context = browser.new_context(accept_downloads=True)  # type: ignore[attr-defined]
    try:
        page = _sign_in(context, password_server, "/export")
        _settled(page)
        media: list[str] = []
        # Streamlit fetches the file from /media itself, then hands the browser a blob.
        page.on(
            "request",
            lambda request: media.append(request.url) if "/media/" in request.url else None,
        )
        page.get_by_role("button", name="Prepare export").click(timeout=60_000)
        download_button = page.locator('[data-testid="stDownloadButton"] button')
        download_button.wait_for(timeout=120_000)
        download_button.click()
        page.wait_for_timeout(3000)
        assert media, "the download never asked /media for the file"
        url = media[-1]
        cookie = next(c for c in context.cookies() if c["name"] == SESSION_COOKIE)
        signed_in = httpx.get(url, cookies={SESSION_COOKIE: cookie["value"]}, timeout=30)
        assert signed_in.status_code == 200 and b"entity_id" in signed_in.content[:200]
        assert httpx.get(url, timeout=30).status_code == 403
    finally:
        context.close()


def test_signed_in_admin_saves_a_role_in_chromium_and_it_is_audited(
    password_server: str, home: Path, browser: object
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    try:
        page = _sign_in(context, password_server, "/settings")
        index = [spec.name for spec in ROLES].index("media_player")  # one box per role, in order
        box = page.locator('[data-testid="stSelectbox"]').nth(index)
        box.wait_for(timeout=120_000)
        box.click()
        page.keyboard.type("(none)")
        page.keyboard.press("Enter")
        page.get_by_role("button", name="Save").click()
        page.get_by_text("Saved: media_player").wait_for(timeout=60_000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "page-settings-saved.png"), full_page=True)
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        context.close()
    meta = MetadataStore(home / "homeiq.sqlite")
    try:
        changes = [e for e in meta.list_audit(100) if e.action == "role_change"]
    finally:
        meta.close()
    assert [(e.actor, e.detail["after"]) for e in changes][:1] == [
        ("admin (local password)", "(none)")
    ]


def test_kiosk_needs_no_sign_in(home: Path, browser: object) -> None:
    env = {"HOMEIQ_ADMIN_PASSWORD_HASH": hash_password(PASSWORD)}
    with serving(home, env, entry=ROOT / "app" / "kiosk.py") as url:
        page = browser.new_page()  # type: ignore[attr-defined]
        try:
            page.goto(url, wait_until="domcontentloaded")
            page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
            assert page.locator('input[type="password"]').count() == 0
        finally:
            page.close()


def _listening(port: int) -> list[str]:
    """Return the local addresses (hex, as the kernel prints them) listening on ``port``."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table, encoding="ascii") as handle:
            for line in handle.readlines()[1:]:
                fields = line.split()
                address, port_hex = fields[1].rsplit(":", 1)
                if int(port_hex, 16) == port and fields[3] == "0A":  # 0A = LISTEN
                    found.append(address)
    return found


def test_homeiq_app_without_sign_in_listens_on_loopback_only(home: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOMEIQ_")}
    env.update({"HOMEIQ_DATA_DIR": str(home), "HOMEIQ_APP_PORT": str(port)})
    proc = subprocess.Popen(
        [sys.executable, "-m", "homeiq.cli", "app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_health(f"http://127.0.0.1:{port}", proc)
        deadline = time.monotonic() + 10
        while not _listening(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _listening(port) == ["0100007F"]  # 127.0.0.1, and nothing else (no ::, no 0.0.0.0)
    finally:
        proc.terminate()
        proc.wait(timeout=15)
