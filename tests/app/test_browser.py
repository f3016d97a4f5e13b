"""A real browser (Debian's Chromium through Playwright) loads the workbench and the kiosk."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from analytics.place import HomePlace
from app.pages import ADMIN_PAGES, ROOT, PageSpec
from homeiq.analysis import run_analysis
from homeiq.commands.app_cmds import streamlit_command
from homeiq.sim import GROUND_TRUTH_FILE, simulate_home
from storage.factory import open_store
from storage.metadata import MetadataStore
from tests.conftest import require_peer

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# The light theme an admin can pick in the settings menu, forced for one server.
LIGHT_THEME = [
    "--theme.base",
    "light",
    "--theme.backgroundColor",
    "#ffffff",
    "--theme.secondaryBackgroundColor",
    "#f0f2f6",
    "--theme.textColor",
    "#1b2128",
]


def _serve(
    entry: Path, data_dir: Path, extra: tuple[str, ...] = ()
) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOMEIQ_")}
    env.update({"HOMEIQ_DATA_DIR": str(data_dir), "HOMEIQ_TIMEZONE": "Europe/Amsterdam"})
    proc = subprocess.Popen(
        [*streamlit_command(entry, port, "127.0.0.1"), *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"streamlit for {entry.name} did not answer on {url}")


@pytest.fixture(scope="module")
def live_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a data dir holding a small simulated home that ends now.

    The pages default to "last 7 days" of the wall clock, so the browser needs recent data
    (the session fixture ends at a fixed past date for reproducible numbers).
    """
    data_dir = tmp_path_factory.mktemp("live-home")
    store = open_store(backend="embedded", data_dir=data_dir)
    metadata = MetadataStore(data_dir / "homeiq.sqlite")
    try:
        simulate_home(
            store,
            days=30,
            entities=40,
            seed=11,
            ground_truth_path=data_dir / GROUND_TRUTH_FILE,
            metadata=metadata,
        )
        # the Patterns and Suggestions pages need an analysis run with suggestions
        place = HomePlace(time_zone="Europe/Amsterdam", latitude=52.37, longitude=4.90)
        assert run_analysis(store, metadata, place, days=30).suggestions
    finally:
        store.close()
        metadata.close()
    return data_dir


@pytest.fixture(scope="module")
def servers(live_dir: Path) -> Iterator[dict[str, str]]:
    """Run the admin app and the kiosk on free loopback ports over the simulated home."""
    started = [
        _serve(ROOT / "app" / "main.py", live_dir),
        _serve(ROOT / "app" / "kiosk.py", live_dir),
        _serve(ROOT / "app" / "main.py", live_dir, tuple(LIGHT_THEME)),
    ]
    try:
        yield {"admin": started[0][1], "kiosk": started[1][1], "light": started[2][1]}
    finally:
        for proc, _ in started:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


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


def _load(browser: object, url: str, shot: str, ready: str) -> list[str]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(url, wait_until="domcontentloaded")
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.wait_for_selector(ready, timeout=60_000)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / f"failed-{shot}"), full_page=True)
        raise
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    # Plotly draws after the script finishes; wait until every chart holds its SVG.
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                 .every(c => c.querySelector('.main-svg'))""",
        timeout=30_000,
    )
    page.wait_for_timeout(1500)  # tables and buttons draw after their skeletons
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    exceptions = page.locator('[data-testid="stException"]').all_inner_texts()
    if page.get_by_text("Page not found").count():
        exceptions.append(f"{url} is not a page")
    page.close()
    return exceptions + errors


def test_admin_app_renders_in_chromium(servers: dict[str, str], browser: object) -> None:
    problems = _load(browser, servers["admin"], "admin-health.png", '[data-testid="stDataFrame"]')
    assert not problems, problems
    shutil.copyfile(ARTIFACTS / "admin-health.png", ARTIFACTS / "screenshot-readme.png")


@pytest.mark.parametrize("spec", [pytest.param(s, id=s.url_path) for s in ADMIN_PAGES])
def test_every_admin_page_renders_in_chromium(
    spec: PageSpec, servers: dict[str, str], browser: object
) -> None:
    # Every page answers at its own URL, as a bookmark would open it.
    url = f"{servers['admin']}/{spec.url_path}"
    problems = _load(browser, url, f"page-{spec.url_path}.png", '[data-testid="stHeading"]')
    assert not problems, problems


@pytest.mark.parametrize(
    ("path", "ready"),
    [("suggestions", 'button:has-text("Approve")'), ("patterns", '[data-testid="stPlotlyChart"]')],
)
def test_analysis_pages_render_with_suggestions_in_chromium(
    path: str, ready: str, servers: dict[str, str], browser: object
) -> None:
    url = f"{servers['admin']}/{path}"
    problems = _load(browser, url, f"page-{path}-found.png", ready)
    assert not problems, problems


def test_kiosk_renders_in_chromium(servers: dict[str, str], browser: object) -> None:
    problems = _load(browser, servers["kiosk"], "kiosk.png", '[data-testid="stMetric"]')
    assert not problems, problems


def test_energy_page_renders_in_the_light_theme(servers: dict[str, str], browser: object) -> None:
    url = f"{servers['light']}/energy"
    problems = _load(browser, url, "page-energy-light.png", '[data-testid="stHeading"]')
    assert not problems, problems


def test_root_url_opens_the_first_page_at_its_own_url(
    servers: dict[str, str], browser: object
) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    try:
        page.goto(servers["admin"], wait_until="domcontentloaded")
        page.wait_for_url(f"**/{ADMIN_PAGES[0].url_path}", timeout=60_000)
        page.get_by_role("heading", name=ADMIN_PAGES[0].title).first.wait_for(timeout=60_000)
        assert page.get_by_text("Page not found").count() == 0
    finally:
        page.close()


def test_settings_page_cannot_save_without_sign_in_in_chromium(
    servers: dict[str, str], browser: object
) -> None:
    # No sign-in is configured here (HOMEIQ_APP_AUTH=none): choosing a role is a write, so
    # Save is disabled with the sentence saying how to enable it. test_auth_server.py saves one.
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    try:
        page.goto(f"{servers['admin']}/settings", wait_until="domcontentloaded")
        save = page.get_by_role("button", name="Save")
        save.wait_for(timeout=120_000)
        assert save.is_disabled()
        assert page.get_by_text("Writing is off because nobody can sign in").count() == 1
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        page.close()
