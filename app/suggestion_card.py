"""One suggestion as a card: plain words, evidence numbers, the automation as YAML, decisions.

A small function so the deploy work can add its buttons to the same card: pass ``extra``,
called inside the card after Approve / Reject with the suggestion.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
import yaml

from storage.metadata import Suggestion

STATUS_ICON = {
    "new": ":material/fiber_new:", "approved": ":material/thumb_up:",
    "rejected": ":material/thumb_down:", "deployed": ":material/rocket_launch:",
    "rolled_back": ":material/undo:", "failed": ":material/error:",
}  # fmt: skip


def _pct(value: Any) -> str:
    return f"{float(value):.0%}" if isinstance(value, int | float) else "–"


def evidence_lines(evidence: dict[str, Any]) -> list[tuple[str, str]]:
    """Return (label, value) pairs of the evidence numbers a person checks."""
    e = evidence
    lines = [
        ("Days seen", f"{evidence.get('days_seen', '–')} of {evidence.get('days_observed', '–')}"),
        ("Replay precision", f"{_pct(evidence.get('replay_precision'))} "
         f"({e.get('replay_matched', '–')} of {e.get('replay_fired', '–')} runs)"),
        ("Replay recall", f"{_pct(e.get('replay_recall'))} "
         f"({e.get('replay_covered', '–')} of {e.get('replay_actions', '–')} actions)"),
    ]  # fmt: skip
    lift = evidence.get("lift")
    lines.append(
        ("Lift over chance", f"{float(lift):.1f}×" if isinstance(lift, int | float) else "–")
    )
    return lines


def scorecard_lines(card: dict[str, Any]) -> list[tuple[str, str]]:
    """Return the after-deploy scorecard (evidence["scorecard"]) as (label, value) pairs."""

    def per_day(value: Any) -> str:
        return f"{float(value):.1f}/day" if isinstance(value, int | float) else "–"

    c = card
    return [
        ("Fired since deploy", str(card.get("fired", "–"))),
        ("Overrides (undone within 2 min)",
         f"{c.get('overrides', '–')} of {c.get('acted', '–')} ({_pct(c.get('override_share'))})"),
        ("Manual changes before → after",
         f"{per_day(c.get('manual_per_day_before'))} → {per_day(c.get('manual_per_day_after'))}"),
    ]  # fmt: skip


def suggestion_card(
    suggestion: Suggestion,
    *,
    on_decide: Callable[[int, str], None],
    can_write: bool = True,
    scorecard: dict[str, Any] | None = None,
    extra: Callable[[Suggestion], None] | None = None,
) -> None:
    """Draw one suggestion card; Approve/Reject call ``on_decide(id, "approve"|"reject")``.

    ``scorecard`` is the after-deploy scorecard the latest analysis run computed for it.
    """
    with st.container(border=True):
        icon = STATUS_ICON.get(suggestion.status, "")
        st.markdown(f"**{suggestion.title}**  {icon} `{suggestion.status}`")
        description = suggestion.automation.get("description")
        if description:
            st.write(description)
        cols = st.columns(4)
        for col, (label, value) in zip(cols, evidence_lines(suggestion.evidence), strict=True):
            col.metric(label, value)
        card = scorecard
        if card:
            if card.get("consider_rollback"):
                st.warning("People undo this automation often: consider rolling it back.")
            for label, value in scorecard_lines(card):
                st.caption(f"{label}: {value}")
        with st.expander("Automation (YAML)"):
            st.code(yaml.safe_dump(suggestion.automation, sort_keys=False), language="yaml")
        left, right, rest = st.columns([1, 1, 4])
        undecided = suggestion.status == "new"
        if left.button("Approve", key=f"approve-{suggestion.id}",
                       disabled=not (can_write and undecided)):  # fmt: skip
            on_decide(suggestion.id, "approve")
        if right.button("Reject", key=f"reject-{suggestion.id}",
                        disabled=not (can_write and undecided)):  # fmt: skip
            on_decide(suggestion.id, "reject")
        if extra is not None:
            with rest:
                extra(suggestion)
