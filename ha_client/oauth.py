"""Sign in with Home Assistant: HA's OAuth2 code flow (IndieAuth clients), as a web app does it.

HA has no client registration: the client id is the web app's own URL, and HA accepts a
``redirect_uri`` with the same scheme and host:port (components/auth/indieauth.py). The browser
goes to ``<ha>/auth/authorize``; after HA's login page it comes back to the redirect URI with
``code`` and ``state``; the app trades the code at ``POST <ha>/auth/token`` and asks WS
``auth/current_user`` who signed in. The tokens are only needed for that question, so
``sign_in`` revokes the refresh token (and with it the access token) before it returns.
Imports nothing of ours. Tokens and codes never appear in a message or a log line.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Final, Literal
from urllib.parse import urlencode, urlsplit

import httpx

from ha_client.client import HAClient
from ha_client.commands import HAUser, current_user
from ha_client.errors import HAAuthFailed, HAError, HAUnavailable
from ha_client.urls import http_url_of

_log = logging.getLogger(__name__)

CALLBACK_PATH: Final = "/auth/ha/callback"
TIMEOUT_S: Final = 10.0
Reason = Literal["unreachable", "rejected", "protocol"]


class OAuthError(HAError):
    """Signing in through HA failed; ``reason`` says which way, the message what to check."""

    def __init__(self, message: str, *, reason: Reason) -> None:
        super().__init__(message)
        self.reason: Reason = reason


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenGrant:
    """HA's answer to the code exchange; repr hides the tokens."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_in: int


def client_id_for(app_url: str) -> str:
    """Return the IndieAuth client id for the app at ``app_url``: scheme, host:port and path /."""
    parts = urlsplit(app_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"the app URL {app_url!r} must look like http(s)://host:port/")
    if parts.username or parts.password:
        raise ValueError("the app URL must not carry a user name or password")
    path = parts.path.rstrip("/") + "/"
    return f"{parts.scheme}://{parts.netloc.lower()}{path}"


def redirect_uri_for(app_url: str) -> str:
    """Return the callback URL under the client id (same scheme and host, so HA accepts it)."""
    return client_id_for(app_url).rstrip("/") + CALLBACK_PATH


def authorize_url(ha_url: str, *, client_id: str, redirect_uri: str, state: str) -> str:
    """Return the URL of HA's login page that comes back to ``redirect_uri`` with a code."""
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": state,
        }
    )
    return f"{_base(ha_url)}/auth/authorize?{query}"


async def exchange_code(
    ha_url: str, *, code: str, client_id: str, timeout: float = TIMEOUT_S
) -> TokenGrant:
    """Return the tokens HA grants for an authorization ``code`` issued to ``client_id``."""
    form = {"grant_type": "authorization_code", "code": code, "client_id": client_id}
    try:
        async with httpx.AsyncClient(timeout=timeout) as http:
            reply = await http.post(f"{_base(ha_url)}/auth/token", data=form)
    except httpx.HTTPError as err:
        raise _unreachable(ha_url, err) from None
    if reply.status_code != 200:
        detail = _error_text(reply)
        raise OAuthError(
            f"Home Assistant at {_base(ha_url)} refused the sign-in code "
            f"({reply.status_code} {detail}); start the sign-in again.",
            reason="rejected",
        )
    body = _json_object(reply)
    access = body.get("access_token")
    if not isinstance(access, str) or not access:
        raise OAuthError(
            f"Home Assistant at {_base(ha_url)} answered the token request without a token.",
            reason="protocol",
        )
    refresh = body.get("refresh_token")
    expires = body.get("expires_in")
    return TokenGrant(
        access_token=access,
        refresh_token=refresh if isinstance(refresh, str) else None,
        expires_in=int(expires) if isinstance(expires, int | float) else 0,
    )


async def fetch_identity(ha_url: str, access_token: str) -> HAUser:
    """Return the user behind ``access_token`` (WS ``auth/current_user``)."""
    try:
        async with HAClient(ha_url, access_token) as ha:
            return await current_user(ha)
    except HAAuthFailed:
        raise OAuthError(
            f"Home Assistant at {_base(ha_url)} did not accept the token it just issued.",
            reason="rejected",
        ) from None
    except HAUnavailable as err:
        raise OAuthError(str(err), reason="unreachable") from None


async def revoke(ha_url: str, refresh_token: str, *, timeout: float = TIMEOUT_S) -> None:
    """Revoke a refresh token (and its access tokens); a failure is logged, not raised."""
    try:
        async with httpx.AsyncClient(timeout=timeout) as http:
            reply = await http.post(f"{_base(ha_url)}/auth/revoke", data={"token": refresh_token})
        if reply.status_code != 200:
            _log.warning("Home Assistant answered %s to a token revocation", reply.status_code)
    except httpx.HTTPError as err:
        _log.warning("could not revoke the sign-in token at %s: %s", _base(ha_url), type(err))


async def sign_in(ha_url: str, *, code: str, client_id: str, timeout: float = TIMEOUT_S) -> HAUser:
    """Trade ``code`` for tokens, return who signed in, and revoke the tokens again."""
    grant = await exchange_code(ha_url, code=code, client_id=client_id, timeout=timeout)
    try:
        return await fetch_identity(ha_url, grant.access_token)
    finally:
        if grant.refresh_token:
            await revoke(ha_url, grant.refresh_token, timeout=timeout)


def _base(url: str) -> str:
    return http_url_of(url)


def _unreachable(ha_url: str, err: BaseException) -> OAuthError:
    return OAuthError(
        f"Cannot reach Home Assistant at {_base(ha_url)} ({type(err).__name__}). "
        "Is HA running and is HOMEIQ_HA_URL right?",
        reason="unreachable",
    )


def _json_object(reply: httpx.Response) -> dict[str, Any]:
    try:
        body = reply.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _error_text(reply: httpx.Response) -> str:
    body = _json_object(reply)
    text = body.get("error_description") or body.get("error") or reply.reason_phrase
    return str(text)[:200]
