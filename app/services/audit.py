"""Audit entries the admin pages write besides suggestions': role changes and exports.

Admin pages only (the kiosk never imports this). ``actor`` is the signed-in person's label
from app.services.auth, never a token or a hash.
"""

from __future__ import annotations

from typing import Final

from app.services.context import ServiceError, Services
from homeiq.automation.audit_log import AuditLog
from storage.errors import StoreError

# Exports are reads and stay allowed with HOMEIQ_APP_AUTH=none (loopback only); the audit
# log still says nobody was signed in rather than naming a person.
NOBODY: Final = "nobody signed in (HOMEIQ_APP_AUTH=none)"


def _log(svc: Services) -> AuditLog:
    if svc.metadata is None:
        raise ServiceError(
            f"There is no metadata database at {svc.settings.metadata_path} for the audit log; "
            "run `homeiq demo` or the ingest worker once to create it."
        )
    return AuditLog(svc.metadata)


def record_role_change(
    svc: Services, *, actor: str, role: str, before: str | None, after: str | None, what: str
) -> None:
    """Record that ``actor`` changed ``role`` from ``before`` to ``after``."""
    try:
        _log(svc).record(actor=actor, action="role_change", what=what, before=before, after=after)
    except StoreError as err:
        raise ServiceError(
            f"Writing the role change of {role} to the audit log failed: {err}"
        ) from err


def record_export(
    svc: Services, *, actor: str | None, rows: int, scope: str, fmt: str, path: str
) -> None:
    """Record an export written by the app, as the CLI does for `homeiq export`."""
    try:
        _log(svc).record_export(actor=actor or NOBODY, rows=rows, scope=scope, fmt=fmt, path=path)
    except StoreError as err:
        raise ServiceError(f"The export was written but not to the audit log: {err}") from err
