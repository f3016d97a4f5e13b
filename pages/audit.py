"""Audit: who approved, edited, deployed or rolled back what, when, and what HA answered."""

from __future__ import annotations

import streamlit as st

from app.services import ServiceError, get_services
from app.services.automations import audit_rows

st.title("Audit")
try:
    svc = get_services()
    rows = audit_rows(svc)
except ServiceError as err:
    st.error(str(err))
    st.stop()

if not rows:
    st.info("The audit log is empty: approvals, edits, deploys and rollbacks appear here.")
    st.stop()

actions = sorted({row.action for row in rows})
chosen = st.multiselect("Actions", actions, default=actions)
shown = [row for row in rows if row.action in chosen]
st.dataframe(
    [
        {
            "when": row.when,
            "who": row.who,
            "action": row.action,
            "suggestion": row.suggestion_id,
            "what": row.what,
        }
        for row in shown
    ],
    hide_index=True,
    use_container_width=True,
)
for row in shown[:50]:
    if row.before is None and row.after is None and row.answer is None:
        continue
    with st.expander(f"{row.when} · {row.action} · {row.what[:80]}"):
        cols = st.columns(3)
        cols[0].caption("Config before")
        cols[0].json(row.before or {})
        cols[1].caption("Config after")
        cols[1].json(row.after or {})
        cols[2].caption("Home Assistant's answer")
        cols[2].json(row.answer or {})
