"""Suggestions: one card per suggested automation, with its evidence and Approve / Reject."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from app.services import ServiceError, analysis, get_services
from app.suggestion_card import suggestion_card

st.title("Suggestions")
try:
    svc = get_services()
    empty = analysis.store_is_empty(svc)
    run = analysis.last_run(svc)
except ServiceError as err:
    st.error(str(err))
    st.stop()
if empty:
    st.info("The store is empty: nothing to analyse yet. Run `homeiq demo` or connect HA.")
    st.stop()
st.caption(analysis.ran_ago(run, datetime.now(UTC)))
if svc.metadata is not None and st.button("Run analysis now"):
    bar = st.progress(0.0, text="starting")
    try:

        def _show(fraction: float, text: str) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text)

        summary = analysis.run_now(svc, _show)
    except ServiceError as err:
        st.error(str(err))
    else:
        st.success(summary)

statuses = st.multiselect(
    "Status", ["new", "approved", "rejected", "deployed", "rolled_back", "failed"],
    default=["new", "approved", "deployed"],
)  # fmt: skip
try:
    found = analysis.suggestions(svc, statuses=tuple(statuses))
except ServiceError as err:
    st.error(str(err))
    st.stop()
if not found:
    st.info("No suggestions with these statuses. The analysis suggests only habits it could check.")
    st.stop()


def _decide(suggestion_id: int, decision: str) -> None:
    try:
        analysis.decide(svc, suggestion_id, decision)
    except ServiceError as err:
        st.error(str(err))
    else:
        st.rerun()


cards = analysis.scorecards(run)
for suggestion in found:
    suggestion_card(suggestion, on_decide=_decide, scorecard=cards.get(str(suggestion.id)))
