"""The errors the Home Assistant client raises; each says what failed and what to check.

Callers decide by type: ``HAUnavailable`` is worth retrying later, ``HAAuthFailed`` never
is (retried bad tokens get an address banned by HA), ``HAPermissionDenied`` means the token
works but its user may not do this (HA's config APIs need an administrator),
``HACommandFailed`` and ``HARequestFailed`` carry HA's own answer for a refused command or
request. Tokens never appear in a message.
"""

from __future__ import annotations


class HAError(Exception):
    """Base of every error raised by ha_client."""


class HAUnavailable(HAError):
    """Home Assistant cannot be reached now (refused, timed out, connection lost)."""


class HAAuthFailed(HAError):
    """Home Assistant rejected the access token; retrying would only get the address banned."""


class HAPermissionDenied(HAAuthFailed):
    """The token is valid, but its user lacks the rights (usually admin) the call needs."""


class HACommandFailed(HAError):
    """Home Assistant answered a WebSocket command with an error."""

    def __init__(self, command: str, code: str, message: str) -> None:
        self.command = command
        self.code = code
        self.message = message
        super().__init__(f"Home Assistant refused {command}: {code}: {message}")


class HARequestFailed(HAError):
    """Home Assistant answered a REST request with an error status; ``text`` is its body."""

    def __init__(self, message: str, *, status: int, text: str) -> None:
        self.status = status
        self.text = text
        super().__init__(message)


class HABadRequest(HARequestFailed):
    """HA refused the request as invalid (400); ``text`` is HA's answer, verbatim."""


class HANotFound(HARequestFailed):
    """The path or object does not exist in Home Assistant (404)."""
