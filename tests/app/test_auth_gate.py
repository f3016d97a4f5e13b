"""The sign-in gate in app/main.py (AppTest): what signed-out, signed-in and open sessions see."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from app.auth.config import ENABLE_WRITES, hash_password
from app.auth.sessions import LIMITER, SESSIONS, User
from app.pages import ADMIN_PAGES, ROOT, PageSpec
from app.services.auth import SESSION_KEY
from app.signin import OPEN_BANNER
from storage.factory import open_store

MAIN = ROOT / "app" / "main.py"
KIOSK = ROOT / "app" / "kiosk.py"
PASSWORD = "correct-horse-1"
PAGES = [pytest.param(spec, id=spec.url_path) for spec in ADMIN_PAGES]
HA_ADMIN = User(user_id="abc123", name="Ada", is_admin=True, method="ha")


@pytest.fixture(scope="module")
def password_hash() -> str:
    """Return one argon2 hash for the module (hashing is slow on purpose)."""
    return hash_password(PASSWORD)


@pytest.fixture(autouse=True)
def _fresh_sessions() -> Iterator[None]:
    SESSIONS.clear()
    LIMITER.clear()
    yield
    SESSIONS.clear()
    LIMITER.clear()


@pytest.fixture
def password_env(app_env: Path, monkeypatch: pytest.MonkeyPatch, password_hash: str) -> Path:
    """The simulated home behind HOMEIQ_APP_AUTH=password."""
    monkeypatch.setenv("HOMEIQ_ADMIN_PASSWORD_HASH", password_hash)
    st.cache_resource.clear()
    return app_env


@pytest.fixture
def ha_env(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The simulated home with HA configured (so HOMEIQ_APP_AUTH defaults to ha)."""
    monkeypatch.setenv("HOMEIQ_HA_URL", "http://127.0.0.1:9")
    st.cache_resource.clear()
    return app_env


@pytest.fixture
def listening_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Set Streamlit's server.address as `homeiq app --host` would, restored afterwards."""
    before = st_config.get_option("server.address")

    def set_address(address: str | None) -> None:
        st_config.set_option("server.address", address)

    yield set_address
    st_config.set_option("server.address", before)


def _open(spec: PageSpec | None = None, **state: object) -> AppTest:
    at = AppTest.from_file(str(MAIN), default_timeout=60)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    if spec is not None and spec != ADMIN_PAGES[0]:
        at.switch_page(str(Path("..") / "pages" / spec.script)).run()
    return at


def _visible_text(at: AppTest) -> str:
    parts: list[str] = []
    for kind in ("title", "markdown", "caption", "text", "error", "warning", "info", "metric"):
        for element in getattr(at, kind):
            parts.append(str(getattr(element, "value", "")))
            parts.append(str(getattr(element, "label", "")))
    return "\n".join(parts)


def _entity_ids(data_dir: Path) -> list[str]:
    store = open_store(backend="embedded", data_dir=data_dir)
    try:
        return list(store.latest()["entity_id"])
    finally:
        store.close()


@pytest.mark.parametrize("spec", PAGES)
def test_signed_out_visitor_sees_only_the_password_screen(spec: PageSpec, password_env) -> None:
    at = _open(spec)
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["HomeIQ Workbench"]
    assert len(at.text_input) == 1 and at.text_input[0].label == "Admin password"
    assert not at.metric and not at.dataframe and not at.sidebar.radio
    text = _visible_text(at)
    assert not re.search(r"\d", text), text
    assert not any(entity in text for entity in _entity_ids(password_env))


@pytest.mark.parametrize("spec", PAGES)
def test_signed_out_visitor_sees_only_the_ha_screen(spec: PageSpec, ha_env) -> None:
    at = _open(spec)
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["HomeIQ Workbench"]
    assert not at.text_input and not at.metric and not at.dataframe
    assert "Home Assistant administrator" in _visible_text(at)
    assert not re.search(r"\d", _visible_text(at))


def test_right_password_opens_the_workbench(password_env) -> None:
    at = _open()
    at.text_input[0].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Health"
    labels = {metric.label: metric.value for metric in at.metric}
    assert int(labels["Entities"].replace(",", "")) == 40
    assert "Signed in: admin (local password)" in [c.value for c in at.sidebar.caption]


def test_wrong_password_is_refused(password_env) -> None:
    at = _open()
    at.text_input[0].input("correct-horse-2")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["That password is not right."]
    assert not at.metric


def test_sixth_try_is_refused_even_with_the_right_password(password_env) -> None:
    at = _open()
    for _ in range(LIMITER.limit):
        at.text_input[0].input("wrong-password-x")
        at.button[0].click().run()
    at.text_input[0].input(PASSWORD)
    at.button[0].click().run()
    assert "Too many failed sign-ins" in at.error[0].value
    assert not at.metric


@pytest.mark.parametrize("spec", PAGES)
def test_ha_admin_session_renders_every_page(spec: PageSpec, ha_env) -> None:
    session_id = SESSIONS.create(HA_ADMIN, hours=12)
    at = _open(spec, **{SESSION_KEY: session_id})
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == spec.title
    assert "Signed in: Ada (Home Assistant)" in [c.value for c in at.sidebar.caption]


def test_expired_session_is_back_at_the_sign_in_screen(ha_env, monkeypatch) -> None:
    session_id = SESSIONS.create(HA_ADMIN, hours=12)
    at = _open(**{SESSION_KEY: session_id})
    assert at.title[0].value == "Health"
    real_clock = SESSIONS._clock
    monkeypatch.setattr(SESSIONS, "_clock", lambda: real_clock() + 12 * 3600 + 1)
    at.run()
    assert [t.value for t in at.title] == ["HomeIQ Workbench"]
    assert not at.metric


def test_sign_out_ends_the_session(password_env) -> None:
    at = _open()
    at.text_input[0].input(PASSWORD)
    at.button[0].click().run()
    session_id = at.session_state[SESSION_KEY]
    at.sidebar.button[0].click().run()
    assert SESSIONS.user(session_id) is None
    assert [t.value for t in at.title] == ["HomeIQ Workbench"]


def test_no_auth_on_loopback_opens_pages_without_banner(app_env, listening_on) -> None:
    listening_on("127.0.0.1")
    at = _open()
    assert at.title[0].value == "Health"
    assert OPEN_BANNER not in [w.value for w in at.warning]


def test_no_auth_beyond_loopback_shows_the_banner_on_every_page(app_env, listening_on) -> None:
    listening_on("0.0.0.0")
    for spec in ADMIN_PAGES:
        at = _open(spec)
        assert at.title[0].value == spec.title
        assert OPEN_BANNER in [w.value for w in at.warning], spec.url_path


def test_no_auth_disables_writes_with_the_fix(app_env) -> None:
    script = """
import streamlit as st
from app.services.auth import can_write, current_user, write_disabled_reason
st.write(repr((can_write(), current_user(), write_disabled_reason())))
"""
    at = AppTest.from_string(script, default_timeout=30).run()
    assert at.markdown[0].value == repr((False, None, ENABLE_WRITES))


def test_signed_in_admin_may_write(password_env) -> None:
    session_id = SESSIONS.create(HA_ADMIN, hours=12)
    script = """
import streamlit as st
from app.services.auth import can_write, current_user, write_disabled_reason
st.write(repr((can_write(), current_user().label, write_disabled_reason())))
"""
    at = AppTest.from_string(script, default_timeout=30)
    at.session_state[SESSION_KEY] = session_id
    assert at.run().markdown[0].value == repr((True, "Ada (Home Assistant)", None))


def test_kiosk_renders_without_sign_in(password_env) -> None:
    at = AppTest.from_file(str(KIOSK), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.metric) >= 4
    assert not at.text_input


def test_password_mode_without_a_hash_shows_only_the_settings_error(app_env, monkeypatch) -> None:
    monkeypatch.setenv("HOMEIQ_APP_AUTH", "password")
    st.cache_resource.clear()
    at = _open()
    assert not at.exception, [e.value for e in at.exception]
    assert "HOMEIQ_ADMIN_PASSWORD_HASH" in at.error[0].value
    assert not at.metric and not at.text_input and not at.title
