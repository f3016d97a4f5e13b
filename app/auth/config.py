"""How the admin workbench signs people in, read once from settings; password hashing."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Final, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from homeiq.settings import Settings

AuthMode = Literal["ha", "password", "none"]
SESSION_COOKIE: Final = "homeiq_session"
STATE_COOKIE: Final = "homeiq_oauth_state"
ENABLE_WRITES: Final = (
    "Writing is off because nobody can sign in: set HOMEIQ_ADMIN_PASSWORD_HASH (print one "
    "with `homeiq hash-password`) or HOMEIQ_HA_URL, restart the workbench and sign in."
)
_HASHER: Final = PasswordHasher()


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthConfig:
    """The sign-in mode and what it needs; ``password_hash`` stays out of every repr."""

    mode: AuthMode
    ha_url: str | None
    app_url: str | None
    session_hours: float
    password_hash: str | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> AuthConfig:
        """Return the sign-in configuration HOMEIQ_APP_AUTH and friends describe."""
        secret = settings.admin_password_hash
        return cls(
            mode=settings.resolved_app_auth(),
            ha_url=settings.ha_url,
            app_url=settings.app_url,
            session_hours=settings.session_hours,
            password_hash=secret.get_secret_value().strip() if secret is not None else None,
        )

    @property
    def required(self) -> bool:
        """Return True when every admin page needs a signed-in admin."""
        return self.mode != "none"


def hash_password(password: str) -> str:
    """Return an argon2id hash of ``password`` for HOMEIQ_ADMIN_PASSWORD_HASH."""
    return _HASHER.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Return True when ``password`` matches the argon2 hash (False for a malformed hash)."""
    if not password_hash or not password:
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def is_loopback(address: str | None) -> bool:
    """Return True when a server bound to ``address`` is reachable only from this machine."""
    if not address:
        return False  # Streamlit's default binds every interface
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: assume it resolves beyond this machine
