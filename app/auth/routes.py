"""The HTTP side of sign-in, mounted next to Streamlit by app/server.py (``st.App``).

Streamlit scripts can read cookies but not set them, so the few steps that must set or clear the
session cookie are plain routes: ``/auth/ha/start`` (to HA's login page, with a state bound to
this browser by a short-lived cookie), ``/auth/ha/callback`` (code -> tokens -> is_admin ->
session), ``/auth/finish`` (a one-time ticket from a password sign-in -> cookie) and
``/auth/signout``. ``SignedOutGuard`` refuses Streamlit's own endpoints that could carry data
(media and downloads, uploads, metrics, components, the agent API) to a browser without a live
session; the page shell, static assets, health and the WebSocket stay open, and the script's
gate (app/main.py) shows a signed-out WebSocket session only the sign-in screen.
"""

from __future__ import annotations

import logging
import secrets
from typing import Final
from urllib.parse import urlencode

from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth.config import SESSION_COOKIE, STATE_COOKIE, AuthConfig
from app.auth.sessions import LIMITER, SESSIONS, User
from ha_client import oauth

_log = logging.getLogger(__name__)

# Streamlit paths a signed-out browser may use: the page shell and its assets live outside
# these prefixes; under them only health, host config and the WebSocket are open.
GUARDED_PREFIXES: Final = ("/_stcore/", "/media/", "/component/", "/app/static/")
OPEN_PATHS: Final = frozenset({"/_stcore/health", "/_stcore/host-config", "/_stcore/stream"})
_MOUNTED: list[bool] = []


def routes_mounted() -> bool:
    """Return True when this process serves the /auth/* routes (started through app/server.py)."""
    return bool(_MOUNTED)


def safe_next(path: str | None) -> str:
    """Return ``path`` when it is a local absolute path, else ``/`` (no open redirect)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def client_address(conn: HTTPConnection) -> str:
    """Return the address failed sign-ins are counted against."""
    return conn.client.host if conn.client else "unknown"


def _app_url(config: AuthConfig, request: Request) -> str:
    return config.app_url or str(request.base_url)


def _secure(config: AuthConfig, request: Request) -> bool:
    return _app_url(config, request).startswith("https://")


def _back(reason: str, next_path: str = "/") -> RedirectResponse:
    query = urlencode({"signin": reason})
    return RedirectResponse(f"{safe_next(next_path)}?{query}", status_code=303)


def _signed_in(config: AuthConfig, request: Request, session_id: str, next_path: str) -> Response:
    response = RedirectResponse(safe_next(next_path), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int(config.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=_secure(config, request),
        path="/",
    )
    return response


def auth_routes(config: AuthConfig) -> list[Route]:
    """Return the /auth/* routes for ``config`` (none of them does anything with auth none)."""

    async def ha_start(request: Request) -> Response:
        if config.mode != "ha" or not config.ha_url:
            return PlainTextResponse("Sign in with Home Assistant is not configured.", 404)
        next_path = safe_next(request.query_params.get("next"))
        if LIMITER.wait_seconds(client_address(request)) > 0:
            return _back("limited", next_path)
        app_url = _app_url(config, request)
        state = secrets.token_urlsafe(24)
        SESSIONS.remember_state(state, next_path)
        target = oauth.authorize_url(
            config.ha_url,
            client_id=oauth.client_id_for(app_url),
            redirect_uri=oauth.redirect_uri_for(app_url),
            state=state,
        )
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            STATE_COOKIE,
            state,
            max_age=600,
            httponly=True,
            samesite="lax",
            secure=_secure(config, request),
            path="/auth/ha",
        )
        return response

    async def ha_callback(request: Request) -> Response:
        if config.mode != "ha" or not config.ha_url:
            return PlainTextResponse("Sign in with Home Assistant is not configured.", 404)
        address = client_address(request)
        if LIMITER.wait_seconds(address) > 0:
            return _back("limited")
        state = request.query_params.get("state", "")
        code = request.query_params.get("code", "")
        # The state must be one we sent, and sent to this very browser (its cookie).
        bound = secrets.compare_digest(state, request.cookies.get(STATE_COOKIE, ""))
        next_path = SESSIONS.take_state(state) if state and bound else None
        if next_path is None or not code:
            LIMITER.failed(address)
            _log.warning("sign-in callback from %s with an unknown or foreign state", address)
            return _back("state")
        try:
            identity = await oauth.sign_in(
                config.ha_url, code=code, client_id=oauth.client_id_for(_app_url(config, request))
            )
        except oauth.OAuthError as err:
            if err.reason == "rejected":
                LIMITER.failed(address)
            _log.warning("Sign in with Home Assistant failed: %s", err)
            return _back("unreachable" if err.reason == "unreachable" else "rejected", next_path)
        if not identity.is_admin:
            LIMITER.failed(address)
            _log.warning("refused sign-in of HA user %s: not an administrator", identity.id)
            return _back("not_admin", next_path)
        LIMITER.succeeded(address)
        name = identity.name or "Home Assistant admin"
        user = User(user_id=identity.id, name=name, is_admin=True, method="ha")
        session_id = SESSIONS.create(user, hours=config.session_hours)
        _log.info("%s signed in from %s", user.label, address)
        response = _signed_in(config, request, session_id, next_path)
        response.delete_cookie(STATE_COOKIE, path="/auth/ha")
        return response

    async def finish(request: Request) -> Response:
        session_id = SESSIONS.redeem_ticket(request.query_params.get("ticket"))
        next_path = safe_next(request.query_params.get("next"))
        if session_id is None:
            return _back("expired", next_path)
        return _signed_in(config, request, session_id, next_path)

    async def signout(request: Request) -> Response:
        SESSIONS.end(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    _MOUNTED.append(True)
    return [
        Route("/auth/ha/start", ha_start, methods=["GET"]),
        Route(oauth.CALLBACK_PATH, ha_callback, methods=["GET"]),
        Route("/auth/finish", finish, methods=["GET"]),
        Route("/auth/signout", signout, methods=["GET"]),
    ]


class SignedOutGuard:
    """ASGI middleware: Streamlit's data-bearing endpoints answer 403 without a live session."""

    def __init__(self, app: ASGIApp, *, config: AuthConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, unless it is guarded and carries no live session."""
        if self.config.required and scope["type"] in ("http", "websocket"):
            path: str = scope.get("path", "")
            guarded = path.startswith(GUARDED_PREFIXES) and path not in OPEN_PATHS
            if guarded and SESSIONS.user(HTTPConnection(scope).cookies.get(SESSION_COOKIE)) is None:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                refused = PlainTextResponse("Sign in to the HomeIQ workbench first.", 403)
                await refused(scope, receive, send)
                return
        await self.app(scope, receive, send)
