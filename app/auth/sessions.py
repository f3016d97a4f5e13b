"""Signed-in sessions, one-time sign-in tickets and OAuth states, and the failed-sign-in limit.

Kept in this server process's memory on purpose: the ASGI routes (which set the cookie) and the
Streamlit script runs (which read it) share the process, and a restart simply signs everyone
out. The browser holds only a random opaque id; the store keys it by its SHA-256, so nothing in
memory can be replayed as a cookie. No token or password hash is ever stored here.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

Method = Literal["ha", "password"]
TICKET_SECONDS: Final = 60.0
STATE_SECONDS: Final = 600.0


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """A signed-in person: who, whether an admin, and how they signed in. Holds no secret."""

    user_id: str
    name: str
    is_admin: bool
    method: Method

    @property
    def label(self) -> str:
        """Return who this is for the audit log, e.g. ``Paulus (Home Assistant)``."""
        how = "Home Assistant" if self.method == "ha" else "local password"
        return f"{self.name} ({how})"


@dataclass(frozen=True, slots=True)
class _Entry:
    value: object
    expires_at: float


def _key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class SessionStore:
    """Sessions by opaque id, with expiry; one-time tickets and OAuth states. Thread-safe."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, _Entry] = {}
        self._tickets: dict[str, _Entry] = {}
        self._states: dict[str, _Entry] = {}

    def create(self, user: User, *, hours: float) -> str:
        """Return the id of a new session for ``user`` that ends after ``hours``."""
        session_id = secrets.token_urlsafe(32)
        self._put(self._sessions, session_id, user, hours * 3600)
        return session_id

    def user(self, session_id: str | None) -> User | None:
        """Return the user of a live session, or None when unknown, ended or expired."""
        value = self._get(self._sessions, session_id, consume=False)
        return value if isinstance(value, User) else None

    def end(self, session_id: str | None) -> None:
        """End a session (sign-out); unknown ids are ignored."""
        if session_id:
            with self._lock:
                self._sessions.pop(_key(session_id), None)

    def issue_ticket(self, session_id: str) -> str:
        """Return a one-time ticket, valid a minute, that the browser trades for the cookie."""
        ticket = secrets.token_urlsafe(32)
        self._put(self._tickets, ticket, session_id, TICKET_SECONDS)
        return ticket

    def redeem_ticket(self, ticket: str | None) -> str | None:
        """Return the session id a ticket stands for, once; None when unknown or late."""
        value = self._get(self._tickets, ticket, consume=True)
        return value if isinstance(value, str) and self.user(value) else None

    def remember_state(self, state: str, next_path: str) -> None:
        """Remember an OAuth ``state`` we sent to HA and where to go after sign-in."""
        self._put(self._states, state, next_path, STATE_SECONDS)

    def take_state(self, state: str | None) -> str | None:
        """Return the next path of a state we sent (once), or None for a forged or old one."""
        value = self._get(self._states, state, consume=True)
        return value if isinstance(value, str) else None

    def clear(self) -> None:
        """Forget everything (tests; a server restart does the same)."""
        with self._lock:
            self._sessions.clear()
            self._tickets.clear()
            self._states.clear()

    def _put(self, table: dict[str, _Entry], secret: str, value: object, seconds: float) -> None:
        now = self._clock()
        with self._lock:
            for key in [k for k, entry in table.items() if entry.expires_at <= now]:
                del table[key]
            table[_key(secret)] = _Entry(value, now + seconds)

    def _get(self, table: dict[str, _Entry], secret: str | None, *, consume: bool) -> object:
        if not isinstance(secret, str) or not secret:
            return None
        key = _key(secret)
        with self._lock:
            entry = table.pop(key, None) if consume else table.get(key)
            if entry is None:
                return None
            if entry.expires_at <= self._clock():
                table.pop(key, None)
                return None
            return entry.value


class FailureLimiter:
    """Failed sign-ins per client address: after ``limit`` in ``window_s`` the address waits."""

    def __init__(
        self, *, limit: int = 5, window_s: float = 900.0, clock: Callable[[], float] = time.time
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, list[float]] = {}

    def wait_seconds(self, address: str) -> float:
        """Return how long ``address`` must wait before it may try again (0 when it may)."""
        now = self._clock()
        with self._lock:
            recent = [t for t in self._failures.get(address, []) if t > now - self.window_s]
            self._failures[address] = recent
            if len(recent) < self.limit:
                return 0.0
            return recent[-self.limit] + self.window_s - now

    def failed(self, address: str) -> None:
        """Count one failed sign-in from ``address``."""
        with self._lock:
            self._failures.setdefault(address, []).append(self._clock())

    def succeeded(self, address: str) -> None:
        """Forget the failures of ``address`` after a good sign-in."""
        with self._lock:
            self._failures.pop(address, None)

    def clear(self) -> None:
        """Forget every address (tests)."""
        with self._lock:
            self._failures.clear()


# One of each per server process: the routes and every script run must see the same ones.
SESSIONS: Final = SessionStore()
LIMITER: Final = FailureLimiter()
