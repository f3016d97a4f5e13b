"""Home Assistant's REST API: JSON requests whose failures become ha_client errors.

``HARest`` (blocking, for the app and CLI) and ``AsyncHARest`` (for the worker) send the
token as a bearer header and share one answer check, so every caller gets the same errors:
a connection failure names HOMEIQ_HA_URL; 401 tells a rejected token (``HAAuthFailed``) from
a valid token whose user is not an administrator (``HAPermissionDenied``, found by asking
``/api/`` with the same token, because HA answers 401 to both); 403 is ``HAPermissionDenied``;
400 keeps HA's answer text verbatim (``HABadRequest.text``), since it says what HA disliked.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Final, Self

import httpx

from ha_client.errors import (
    HAAuthFailed,
    HABadRequest,
    HAError,
    HANotFound,
    HAPermissionDenied,
    HARequestFailed,
    HAUnavailable,
)
from ha_client.urls import http_url_of

DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=10.0)
_PROBE_PATH: Final = "/api/"
_TOKEN_HINT: Final = "check HOMEIQ_HA_TOKEN / HOMEIQ_HA_TOKEN_FILE"


def unreachable(base_url: str, what: str, err: httpx.HTTPError) -> HAUnavailable:
    """Return the error for a request that got no answer (refused, DNS, timeout)."""
    if isinstance(err, httpx.TimeoutException):
        return HAUnavailable(
            f"Home Assistant at {base_url} did not answer {what} in time ({err!r}). Is HA "
            "running and is HOMEIQ_HA_URL right?"
        )
    return HAUnavailable(
        f"Cannot reach Home Assistant at {base_url} for {what} ({err!r}). Is HA running and "
        "is HOMEIQ_HA_URL right?"
    )


def answer_error(
    response: httpx.Response, base_url: str, what: str, *, token_valid: bool = False
) -> HAError | None:
    """Return the error an answer stands for, or None for a 2xx answer.

    ``token_valid`` says the same token was accepted on ``/api/``, which turns a 401 into
    "not an administrator".
    """
    status = response.status_code
    if 200 <= status < 300:
        return None
    text = response.text
    if status == 401 and token_valid:
        return HAPermissionDenied(
            f"Home Assistant at {base_url} accepted the token but refused {what} (401): its "
            "user is not an administrator. Create the long-lived token as an admin user "
            f"({_TOKEN_HINT})."
        )
    if status == 401:
        return HAAuthFailed(
            f"Home Assistant at {base_url} rejected the access token for {what} (401); "
            f"create a new long-lived token and {_TOKEN_HINT}."
        )
    if status == 403:
        return HAPermissionDenied(
            f"Home Assistant at {base_url} forbids {what} (403): {text[:300]}. The token's "
            "user lacks the rights, or HA banned this address after failed logins "
            "(see ip_bans.yaml)."
        )
    if status == 400:
        return HABadRequest(
            f"Home Assistant refused {what} (400): {text}", status=status, text=text
        )
    if status == 404:
        return HANotFound(
            f"Home Assistant at {base_url} has no {what} (404): {text[:300]}",
            status=status,
            text=text,
        )
    return HARequestFailed(
        f"Home Assistant at {base_url} answered {what} with {status}: {text[:300]}",
        status=status,
        text=text,
    )


def body_of(response: httpx.Response) -> Any:
    """Return a 2xx answer's JSON body, its text when it is not JSON, None when empty."""
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


class HARest:
    """Blocking REST client: ``get``/``post``/``delete`` return HA's JSON answer."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = http_url_of(url)
        self._client = httpx.Client(
            base_url=self.base_url, headers=_headers(token), timeout=timeout, transport=transport
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the underlying HTTP connections."""
        self._client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        """Return the JSON answer of one request; raise an ha_client error on failure."""
        what = f"{method} {path}"
        try:
            response = self._client.request(method, path, json=json, params=params)
            valid = response.status_code == 401 and path != _PROBE_PATH and self._token_valid()
        except httpx.HTTPError as err:
            raise unreachable(self.base_url, what, err) from err
        error = answer_error(response, self.base_url, what, token_valid=valid)
        if error is not None:
            raise error
        return body_of(response)

    def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        """Return the JSON answer of GET ``path``."""
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any = None) -> Any:
        """Return the JSON answer of POST ``path`` with ``body`` as JSON."""
        return self.request("POST", path, json=body)

    def delete(self, path: str) -> Any:
        """Return the JSON answer of DELETE ``path``."""
        return self.request("DELETE", path)

    def _token_valid(self) -> bool:
        return self._client.get(_PROBE_PATH).status_code == 200


class AsyncHARest:
    """Asynchronous REST client with the same answers and errors as ``HARest``."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = http_url_of(url)
        self._client = httpx.AsyncClient(
            base_url=self.base_url, headers=_headers(token), timeout=timeout, transport=transport
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the underlying HTTP connections."""
        await self._client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        """Return the JSON answer of one request; raise an ha_client error on failure."""
        what = f"{method} {path}"
        try:
            response = await self._client.request(method, path, json=json, params=params)
            valid = False
            if response.status_code == 401 and path != _PROBE_PATH:
                valid = (await self._client.get(_PROBE_PATH)).status_code == 200
        except httpx.HTTPError as err:
            raise unreachable(self.base_url, what, err) from err
        error = answer_error(response, self.base_url, what, token_valid=valid)
        if error is not None:
            raise error
        return body_of(response)

    async def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        """Return the JSON answer of GET ``path``."""
        return await self.request("GET", path, params=params)
