"""Suggestions: one card per suggested automation, with its evidence and Approve / Reject."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import streamlit as st

from app.deploy_panel import deploy_controls, edit_controls, wording_controls
from app.services import ServiceError, analysis, automations, get_services
from app.services.auth import can_write, current_user, write_disabled_reason
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

# Rolled back is shown by default: a card must not vanish under the admin's Rollback click,
# taking the outcome message with it.
statuses = st.multiselect(
    "Status", ["new", "approved", "rejected", "deployed", "rolled_back", "failed"],
    default=["new", "approved", "deployed", "rolled_back"],
)  # fmt: skip
try:
    found = analysis.suggestions(svc, statuses=tuple(statuses))
except ServiceError as err:
    st.error(str(err))
    st.stop()
if not found:
    st.info("No suggestions with these statuses. The analysis suggests only habits it could check.")
    st.stop()


# Who may write (issue 13): only a signed-in admin; everyone else sees why, once.
reason = write_disabled_reason()
if reason:
    st.caption(reason)
writer = current_user() if reason is None else None
actor = writer.label if writer is not None else None


def _acting_user() -> str | None:
    """Return the signed-in admin's label now: a session can end between render and click."""
    user = current_user()
    return user.label if user is not None and can_write() else None


def _decide(suggestion_id: int, decision: str) -> None:
    now = _acting_user()
    if now is None:
        st.error(write_disabled_reason() or "Sign in as an administrator to make changes.")
        return
    try:
        automations.act(svc, decision, suggestion_id, actor=now)
    except ServiceError as err:
        st.error(str(err))
    else:
        st.rerun()


def _deploy_part(suggestion: Any) -> None:
    # actor=None disables the buttons; the reason is already shown once above the cards.
    deploy_controls(svc, suggestion.id, actor=actor, review=False)
    if suggestion.status in ("new", "approved", "deployed"):
        edit_controls(svc, suggestion.id, actor=actor)
    wording_controls(svc, suggestion.id, actor=actor)


cards = analysis.scorecards(run)
for suggestion in found:
    suggestion_card(
        suggestion,
        on_decide=_decide,
        can_write=actor is not None,
        scorecard=cards.get(str(suggestion.id)),
        extra=_deploy_part,
    )
