"""The Audit page lists entries with who, what and HA's answer, and never a token."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from app.pages import ROOT
from homeiq.automation.audit_log import AuditLog
from storage.metadata import MetadataStore


def test_audit_page_shows_entries_without_secrets(empty_env: Path) -> None:
    meta = MetadataStore(empty_env / "homeiq.sqlite")
    log = AuditLog(meta)
    log.record(actor="ann", action="approve", suggestion_id=4, what="status new -> approved")
    log.record(
        actor="ann",
        action="deploy_failed",
        suggestion_id=4,
        what="HA said no; header was Bearer abc.def.ghi",
        answer={"status": 400, "body": {"message": "Message malformed: bad trigger"}},
    )
    meta.close()
    at = AppTest.from_file(str(ROOT / "pages" / "audit.py"), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    assert list(table["action"]) == ["deploy_failed", "approve"]
    assert list(table["who"]) == ["ann", "ann"]
    assert "abc.def.ghi" not in " ".join(table["what"])
    assert "[secret removed]" in table["what"][0]
