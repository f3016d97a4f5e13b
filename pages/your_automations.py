"""Your automations: each HA automation with its last run, runs in the range, stale flag."""

from __future__ import annotations

import streamlit as st

from app.services import ServiceError, get_services, your_automations
from app.widgets import current_range

st.title("Your automations")
try:
    svc = get_services()
    rng = current_range(svc.tz)
    found = your_automations.activity(svc, rng)
except ServiceError as err:
    st.error(str(err))
    st.stop()
if not found:
    st.info(
        "No automation entities in the store (it may be empty): connect Home Assistant or run "
        "`homeiq demo`."
    )
    st.stop()
stale = [a for a in found if a.stale]
st.caption(f"{rng.label} (change it in the sidebar) · times in {svc.tz.key}")
if stale:
    st.warning(
        f"{len(stale)} automation(s) never fired in the last 30 days: review or remove them."
    )
frame = your_automations.table(found, svc.tz.key)
st.dataframe(frame, hide_index=True)
