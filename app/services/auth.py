"""Who is signed in, for pages and services: ``current_user()``, ``can_write()`` and friends.

A browser session is signed in when its ``homeiq_session`` cookie (set by the /auth/* routes)
or the session id kept in ``st.session_state`` (a password sign-in in this tab) names a live
session in app.auth.sessions.SESSIONS. Both are checked on every call, so a sign-out or an
expired session takes effect at the next rerun. Nothing here holds a token or a hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import streamlit as st

from app.auth.config import ENABLE_WRITES, SESSION_COOKIE, AuthConfig, password_matches
from app.auth.sessions import LIMITER, SESSIONS, User
from app.services.context import ServiceError
from homeiq.settings import SettingsError, load_settings

__all__ = [
    "User",
    "auth_config",
    "can_write",
    "client_address",
    "current_user",
    "sign_in_with_password",
    "sign_out",
    "write_disabled_reason",
]

SESSION_KEY: Final = "homeiq_session_id"
LOCAL_ADMIN_ID: Final = "local-admin"


@st.cache_resource(show_spinner=False)
def auth_config() -> AuthConfig:
    """Return this server's sign-in configuration; raise ServiceError for invalid settings."""
    try:
        return AuthConfig.from_settings(load_settings())
    except SettingsError as err:
        raise ServiceError(str(err)) from None


def _session_id() -> str | None:
    held = st.session_state.get(SESSION_KEY)
    if isinstance(held, str) and SESSIONS.user(held) is not None:
        return held
    try:
        cookie = st.context.cookies.get(SESSION_COOKIE)
    except Exception:  # no browser behind this run (bare mode)
        cookie = None
    return cookie if isinstance(cookie, str) and SESSIONS.user(cookie) is not None else None


def current_user() -> User | None:
    """Return the signed-in admin of this browser session, or None."""
    return SESSIONS.user(_session_id())


def can_write() -> bool:
    """Return True when this session may approve, deploy, roll back or change settings."""
    user = current_user()
    return user is not None and user.is_admin


def write_disabled_reason() -> str | None:
    """Return None when writes are allowed, else one sentence saying how to enable them."""
    if can_write():
        return None
    if not auth_config().required:
        return ENABLE_WRITES
    return "Sign in as an administrator to make changes."


def client_address() -> str:
    """Return the browser's address, which failed sign-ins are counted against."""
    try:
        address = st.context.ip_address
    except Exception:  # no browser behind this run (bare mode)
        address = None
    return address if isinstance(address, str) and address else "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class SignInResult:
    """The outcome of a password sign-in: the session id, or a message and the wait."""

    session_id: str | None
    message: str = ""
    wait_seconds: float = 0.0


def sign_in_with_password(password: str) -> SignInResult:
    """Check ``password`` against HOMEIQ_ADMIN_PASSWORD_HASH, counting failures per address."""
    config = auth_config()
    address = client_address()
    wait = LIMITER.wait_seconds(address)
    if wait > 0:
        minutes = max(1, round(wait / 60))
        return SignInResult(
            session_id=None,
            message=f"Too many failed sign-ins from your address; try again in {minutes} min.",
            wait_seconds=wait,
        )
    if config.mode != "password" or not password_matches(config.password_hash, password):
        LIMITER.failed(address)
        return SignInResult(session_id=None, message="That password is not right.")
    LIMITER.succeeded(address)
    user = User(user_id=LOCAL_ADMIN_ID, name="admin", is_admin=True, method="password")
    session_id = SESSIONS.create(user, hours=config.session_hours)
    st.session_state[SESSION_KEY] = session_id
    return SignInResult(session_id=session_id)


def sign_out() -> None:
    """End this browser's session (cookie and tab); the next rerun shows the sign-in screen."""
    SESSIONS.end(_session_id())
    SESSIONS.end(st.session_state.pop(SESSION_KEY, None))
