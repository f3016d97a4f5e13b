"""The sign-in screen, the account box in the sidebar and the "open to anyone" banner.

The sign-in screen shows no number and no entity: a signed-out visitor learns only that this
is a HomeIQ workbench and how to sign in.
"""

from __future__ import annotations

import json
from typing import Final
from urllib.parse import urlencode, urlsplit

import streamlit as st

from app.auth.config import AuthConfig
from app.auth.routes import routes_mounted, safe_next
from app.auth.sessions import SESSIONS, User
from app.services.auth import sign_in_with_password, sign_out

REASONS: Final = {
    "not_admin": "Home Assistant says this user is not an administrator; only administrators "
    "may open the workbench.",
    "state": "That sign-in was not started in this browser, or is too old; sign in again.",
    "rejected": "Home Assistant refused the sign-in; sign in again.",
    "unreachable": "Cannot reach Home Assistant. Is it running, and is HOMEIQ_HA_URL right?",
    "limited": "Too many failed sign-ins from your address; wait a while, then try again.",
    "expired": "That sign-in took too long; sign in again.",
}
OPEN_BANNER: Final = (
    "This workbench has no sign-in (HOMEIQ_APP_AUTH=none) and listens beyond this machine: "
    "anyone who can reach it can read the whole history."
)


def _current_path() -> str:
    try:
        url = st.context.url
    except Exception:
        url = None
    return safe_next(urlsplit(url).path if isinstance(url, str) else "/")


def _go(url: str) -> None:
    """Send the browser to ``url`` (an /auth/* route that sets or clears the cookie)."""
    st.html(
        f"<script>window.location.replace({json.dumps(url)});</script>",
        unsafe_allow_javascript=True,
    )
    st.stop()


def sign_in_screen(config: AuthConfig) -> None:
    """Draw the sign-in screen for ``config.mode`` (ha or password)."""
    st.title("HomeIQ Workbench")
    reason = st.query_params.get("signin")
    if isinstance(reason, str) and reason in REASONS:
        st.error(REASONS[reason])
    if config.mode == "ha":
        st.write("Sign in with a Home Assistant administrator account to open the workbench.")
        if routes_mounted():
            target = "/auth/ha/start?" + urlencode({"next": _current_path()})
            st.html(
                f'<a href="{target}" target="_self" style="display:inline-block;'
                "padding:0.5rem 1rem;border-radius:0.5rem;background:#03a9f4;color:#fff;"
                'text-decoration:none;font-weight:600">Sign in with Home Assistant</a>'
            )
        else:
            st.warning("Sign in with Home Assistant needs the server `homeiq app` starts.")
        return
    st.write("Sign in with the workbench's admin password to open it.")
    with st.form("homeiq_sign_in", clear_on_submit=True):
        password = st.text_input("Admin password", type="password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    result = sign_in_with_password(password)
    if result.session_id is None:
        st.error(result.message)
        return
    if routes_mounted():  # make the sign-in survive a reload: trade a ticket for the cookie
        ticket = SESSIONS.issue_ticket(result.session_id)
        _go("/auth/finish?" + urlencode({"ticket": ticket, "next": _current_path()}))
    st.rerun()


def account_box(user: User) -> None:
    """Draw who is signed in and a sign-out button in the sidebar."""
    st.sidebar.caption(f"Signed in: {user.label}")
    if st.sidebar.button("Sign out", icon=":material/logout:"):
        sign_out()
        if routes_mounted():
            _go("/auth/signout")
        st.rerun()


def open_banner() -> None:
    """Draw the one-line warning that the workbench is open to anyone who reaches it."""
    st.warning(OPEN_BANNER, icon=":material/public:")
