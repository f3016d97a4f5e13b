"""Sign-in building blocks: sessions and their expiry, tickets, OAuth states, the failure limit,
passwords, the mode and host defaults, and the app URL rules HA applies to client ids."""

from __future__ import annotations

import subprocess
import sys

import pytest

from app.auth.config import AuthConfig, hash_password, is_loopback, password_matches
from app.auth.routes import safe_next
from app.auth.sessions import FailureLimiter, SessionStore, User
from app.pages import ROOT
from ha_client.oauth import authorize_url, client_id_for, redirect_uri_for
from homeiq.settings import SettingsError, load_settings

ADMIN = User(user_id="u1", name="Ada", is_admin=True, method="ha")


@pytest.fixture(autouse=True)
def _no_homeiq_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("HOMEIQ_"):
            monkeypatch.delenv(name)


class Clock:
    """A hand-moved clock in seconds."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_session_lives_until_its_hours_are_up() -> None:
    clock = Clock()
    store = SessionStore(clock=clock)
    session_id = store.create(ADMIN, hours=12)
    clock.now += 12 * 3600 - 1
    assert store.user(session_id) == ADMIN
    clock.now += 2
    assert store.user(session_id) is None


def test_signed_out_session_is_gone() -> None:
    store = SessionStore()
    session_id = store.create(ADMIN, hours=12)
    store.end(session_id)
    assert store.user(session_id) is None


def test_unknown_session_id_is_nobody() -> None:
    store = SessionStore()
    store.create(ADMIN, hours=12)
    assert store.user("made-up") is None
    assert store.user(None) is None


def test_store_keeps_no_session_id_in_memory() -> None:
    store = SessionStore()
    session_id = store.create(ADMIN, hours=12)
    assert session_id not in store._sessions  # only its SHA-256 is kept


def test_ticket_works_once_and_only_for_a_minute() -> None:
    clock = Clock()
    store = SessionStore(clock=clock)
    session_id = store.create(ADMIN, hours=12)
    ticket = store.issue_ticket(session_id)
    assert store.redeem_ticket(ticket) == session_id
    assert store.redeem_ticket(ticket) is None
    late = store.issue_ticket(session_id)
    clock.now += 61
    assert store.redeem_ticket(late) is None


def test_oauth_state_is_taken_once() -> None:
    store = SessionStore()
    store.remember_state("s1", "/energy")
    assert store.take_state("s1") == "/energy"
    assert store.take_state("s1") is None
    assert store.take_state("forged") is None


def test_limiter_blocks_an_address_after_five_failures_for_the_window() -> None:
    clock = Clock()
    limiter = FailureLimiter(limit=5, window_s=900, clock=clock)
    for _ in range(4):
        limiter.failed("10.0.0.7")
    assert limiter.wait_seconds("10.0.0.7") == 0
    limiter.failed("10.0.0.7")
    assert limiter.wait_seconds("10.0.0.7") == pytest.approx(900)
    assert limiter.wait_seconds("10.0.0.8") == 0  # per address
    clock.now += 901
    assert limiter.wait_seconds("10.0.0.7") == 0


def test_limiter_forgets_an_address_after_a_good_sign_in() -> None:
    limiter = FailureLimiter(limit=2)
    limiter.failed("a")
    limiter.succeeded("a")
    limiter.failed("a")
    assert limiter.wait_seconds("a") == 0


def test_password_hash_round_trip() -> None:
    stored = hash_password("correct-horse-1")
    assert stored.startswith("$argon2id$")
    assert password_matches(stored, "correct-horse-1")
    assert not password_matches(stored, "correct-horse-2")
    assert not password_matches("not-a-hash", "correct-horse-1")
    assert not password_matches(None, "correct-horse-1")
    assert not password_matches(stored, "")


def test_hash_stays_out_of_the_config_repr() -> None:
    config = AuthConfig(
        mode="password", ha_url=None, app_url=None, session_hours=12, password_hash="$argon2id$x"
    )
    assert "argon2" not in repr(config)


@pytest.mark.parametrize(
    ("env", "mode", "host"),
    [
        ({}, "none", "127.0.0.1"),
        ({"ha_url": "http://ha.local:8123"}, "ha", "0.0.0.0"),
        ({"admin_password_hash": "$argon2id$x"}, "password", "0.0.0.0"),
        ({"ha_url": "http://ha:8123", "app_auth": "none"}, "none", "127.0.0.1"),
        ({"app_host": "0.0.0.0"}, "none", "0.0.0.0"),
        ({"ha_url": "http://ha:8123", "app_host": "127.0.0.1"}, "ha", "127.0.0.1"),
    ],
)
def test_auth_mode_and_host_defaults(env: dict[str, str], mode: str, host: str) -> None:
    settings = load_settings(**env)
    assert settings.resolved_app_auth() == mode
    assert settings.resolved_app_host() == host


def test_password_mode_without_hash_is_refused_with_the_fix(monkeypatch) -> None:
    monkeypatch.delenv("HOMEIQ_ADMIN_PASSWORD_HASH", raising=False)
    with pytest.raises(SettingsError, match="homeiq hash-password"):
        load_settings(app_auth="password")


@pytest.mark.parametrize("bad", ["nuc.local:8501", "ftp://nuc/", "http://me:pw@nuc/"])
def test_app_url_must_be_a_browser_url(bad: str) -> None:
    with pytest.raises(SettingsError, match="HOMEIQ_APP_URL"):
        load_settings(app_url=bad)


def test_settings_error_never_shows_the_hash() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(admin_password_hash="$argon2id$secret-part", session_hours=-1)
    assert "secret-part" not in str(caught.value)


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("", False),
        (None, False),
        ("192.168.1.5", False),
        ("nuc.local", False),
    ],
)
def test_is_loopback(address: str | None, loopback: bool) -> None:
    assert is_loopback(address) is loopback


@pytest.mark.parametrize(
    ("path", "safe"),
    [
        ("/energy", "/energy"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        (None, "/"),
    ],
)
def test_next_path_never_leaves_the_app(path: str | None, safe: str) -> None:
    assert safe_next(path) == safe


def test_client_id_and_redirect_uri_share_scheme_and_host() -> None:
    assert client_id_for("http://NUC.local:8501") == "http://nuc.local:8501/"
    assert redirect_uri_for("http://nuc.local:8501/") == "http://nuc.local:8501/auth/ha/callback"
    assert redirect_uri_for("https://x.example/homeiq/") == (
        "https://x.example/homeiq/auth/ha/callback"
    )
    url = authorize_url(
        "http://ha:8123/", client_id="http://a/", redirect_uri="http://a/cb", state="s t"
    )
    assert url == (
        "http://ha:8123/auth/authorize?response_type=code&client_id=http%3A%2F%2Fa%2F"
        "&redirect_uri=http%3A%2F%2Fa%2Fcb&state=s+t"
    )


@pytest.mark.parametrize("bad", ["nuc.local:8501", "ftp://x/", "http://user:pw@x/"])
def test_client_id_refuses_what_ha_refuses(bad: str) -> None:
    with pytest.raises(ValueError):
        client_id_for(bad)


def test_hash_password_command_prints_a_verifiable_hash() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "homeiq.cli", "hash-password"],
        input="correct-horse-1\ncorrect-horse-1\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    printed = result.stdout.strip()
    assert password_matches(printed, "correct-horse-1")
    assert "correct-horse-1" not in result.stdout


def test_hash_password_command_refuses_a_short_password() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "homeiq.cli", "hash-password"],
        input="short\nshort\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
