"""The write part of a suggestion's card: safety findings, versions and the review buttons.

The Suggestions page calls ``deploy_controls`` inside each card. Who may write is decided by
the caller (sign-in): ``actor`` is the signed-in person's label, or None with the sentence
saying how to enable writing. Every action goes through app.services.automations.
"""

from __future__ import annotations

import streamlit as st

from app.services import ServiceError, Services
from app.services.automations import act, edit, reword_suggestion, show, wording_request
from automations.edit import Edits

_ICON = {"blocked": "⛔", "critical": "⚠️", "warning": "🟡", "info": "ℹ️"}
_VERDICT = {
    "blocked": "Blocked: this automation will not be deployed.",
    "critical": "Critical: deploying needs a typed confirmation.",
    "warning": "Warnings: read them before deploying.",
    "ok": "No safety findings.",
}


def _buttons(status: str, verdict: str, *, review: bool) -> list[str]:
    """Return the actions a suggestion in ``status`` offers."""
    offered = []
    if review and status in {"new", "rejected", "rolled_back", "failed"}:
        offered.append("approve")
    if review and status in {"new", "approved"}:
        offered.append("reject")
    if status in {"approved", "deployed"} and verdict != "blocked":
        offered.append("deploy")
    if status == "deployed":
        offered.append("rollback")
    return offered


def deploy_controls(
    svc: Services,
    suggestion_id: int,
    *,
    actor: str | None,
    disabled_reason: str | None = None,
    review: bool = True,
) -> None:
    """Draw findings, versions and Approve/Reject/Deploy/Rollback for one suggestion.

    ``review=False`` leaves Approve/Reject out, for a card that draws its own.
    """
    done = st.session_state.pop(f"deploy_done_{suggestion_id}", None)
    if done:
        st.success(done)
    try:
        shown = show(svc, suggestion_id)
    except ServiceError as err:
        st.error(str(err))
        return
    validation = shown["validation"]
    verdict = validation["verdict"]
    (st.error if verdict == "blocked" else st.warning if verdict != "ok" else st.success)(
        _VERDICT[verdict]
    )
    for finding in validation["findings"]:
        st.markdown(
            f"{_ICON[finding['severity']]} **{finding['severity']}** · {finding['reason']} "
            f"`{finding['detail']}`"
        )
    if shown["versions"]:
        st.caption(
            "Versions: "
            + ", ".join(f"v{v['number']} {v['status']}" for v in shown["versions"])
            + f" · HA id `{shown['ha_automation_id']}`"
        )
    if actor is None and disabled_reason:
        st.caption(disabled_reason)
    confirmed = False
    offered = _buttons(shown["status"], verdict, review=review)
    if "deploy" in offered and verdict == "critical":
        word = f"deploy {suggestion_id}"
        typed = st.text_input(
            f"Type '{word}' to deploy despite the critical findings",
            key=f"confirm_{suggestion_id}",
            disabled=actor is None,
        )
        confirmed = typed.strip() == word
    columns = st.columns(max(len(offered), 1))
    for column, action in zip(columns, offered, strict=False):
        needs_confirmation = action == "deploy" and verdict == "critical" and not confirmed
        clicked = column.button(
            action.capitalize(),
            key=f"{action}_{suggestion_id}",
            disabled=actor is None or needs_confirmation,
            type="primary" if action == "deploy" else "secondary",
        )
        if clicked and actor is not None:
            with st.spinner(f"{action.capitalize()} suggestion {suggestion_id}…"):
                try:
                    message = act(svc, action, suggestion_id, actor=actor, confirmed=confirmed)
                except ServiceError as err:
                    st.error(str(err))
                    return
            # Redraw with the new status; the message survives the rerun.
            st.session_state[f"deploy_done_{suggestion_id}"] = message
            st.rerun()


def wording_controls(svc: Services, suggestion_id: int, *, actor: str | None) -> None:
    """Show the exact LLM request for a suggestion and a button that sends it (when on)."""
    try:
        request = wording_request(svc, suggestion_id)
    except ServiceError as err:
        st.error(str(err))
        return
    if request is None:
        return
    done_key = f"reword_done_{suggestion_id}"
    with st.expander("Reword with the language model", expanded=done_key in st.session_state):
        done = st.session_state.pop(done_key, None)
        if done is not None:
            # The title changed or our wording stayed: either way say which, and why.
            (st.success if done.startswith("Reworded") else st.warning)(done)
        st.caption(
            "This exact request is sent and nothing else leaves the house (a server that "
            "rejects response_format gets it once more without that key). Only the title and "
            "description can change; the automation stays ours."
        )
        st.json(request)
        if st.button("Send", key=f"reword_{suggestion_id}", disabled=actor is None) and actor:
            try:
                message = reword_suggestion(svc, suggestion_id, actor=actor)
            except ServiceError as err:
                st.error(str(err))
                return
            st.session_state[done_key] = message
            st.rerun()


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _number(text: str, label: str) -> int | None:
    if not text.strip():
        return None
    try:
        return int(text.strip())
    except ValueError:
        raise ServiceError(f"{label} {text!r} is not a whole number") from None


def edit_controls(svc: Services, suggestion_id: int, *, actor: str | None) -> None:
    """Draw a form to change time, weekdays, offset, delay or target before deploying."""
    with st.expander("Edit before deploying"), st.form(f"edit_{suggestion_id}"):
        st.caption("Leave a field empty to keep it as suggested.")
        time_text = st.text_input("Time (HH:MM)", key=f"edit_time_{suggestion_id}")
        days = st.multiselect("Weekdays", _DAYS, key=f"edit_days_{suggestion_id}")
        offset = st.text_input("Sun offset (minutes)", key=f"edit_offset_{suggestion_id}")
        delay = st.text_input("Delay (seconds)", key=f"edit_delay_{suggestion_id}")
        target = st.text_input("Target entity", key=f"edit_target_{suggestion_id}")
        saved = st.form_submit_button("Save edit", disabled=actor is None)
    if not saved or actor is None:
        return
    try:
        edits = Edits(
            time=time_text.strip() or None,
            weekdays=[_DAYS.index(d) for d in days] or None,
            offset_minutes=_number(offset, "Sun offset"),
            delay_s=_number(delay, "Delay"),
            target=target.strip() or None,
        )
        message = edit(svc, suggestion_id, edits, actor=actor)
    except ServiceError as err:
        st.error(str(err))
        return
    st.session_state[f"deploy_done_{suggestion_id}"] = message
    st.rerun()
