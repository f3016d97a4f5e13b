"""Patterns: the routines and relations the analysis found, each with its evidence drawn."""

from __future__ import annotations

from datetime import UTC, datetime

import plotly.graph_objects as go
import streamlit as st

from app.services import ServiceError, analysis, get_services
from app.widgets import style_chart

st.title("Patterns")
try:
    svc = get_services()
    empty = analysis.store_is_empty(svc)
    run = analysis.last_run(svc)
    views = analysis.patterns(svc) if run is not None else []
except ServiceError as err:
    st.error(str(err))
    st.stop()
if empty:
    st.info("The store is empty: nothing to analyse yet. Run `homeiq demo` or connect HA.")
    st.stop()
st.caption(analysis.ran_ago(run, datetime.now(UTC)))
if not views:
    st.info("No patterns yet: run `homeiq analyze` or use Run analysis now on Suggestions.")
    st.stop()

left, right = st.columns(2)
areas = sorted({v.area for v in views if v.area})
chosen_areas = left.multiselect("Areas", areas, placeholder="All")
kinds = {"time": "Clock routine", "sun": "Sun routine", "trigger": "Follows"}
chosen_kinds = right.multiselect(
    "Kinds", list(kinds), format_func=kinds.__getitem__, placeholder="All"
)
shown = [
    v for v in views
    if (not chosen_areas or v.area in chosen_areas)
    and (not chosen_kinds or v.pattern.kind in chosen_kinds)
]  # fmt: skip
st.write(f"{len(shown)} of {len(views)} patterns.")

for view in shown:
    p = view.pattern
    ev = p.evidence
    mark = " · suggested" if p.suggested else ""
    with st.container(border=True):
        if p.kind == "trigger":
            st.markdown(f"**{view.name} → {p.to_state}** follows **{view.trigger_name}**{mark}")
            delays = ev.get("delays_s") or []
            fig = go.Figure(go.Histogram(x=delays, nbinsx=30, name="delay"))
            fig.update_layout(xaxis_title="seconds after the trigger")
            st.plotly_chart(style_chart(fig, y_title="times", height=240), key=f"p{p.id}")
            st.caption(
                f"rate {ev.get('rate', 0):.0%} vs chance {ev.get('chance_rate', 0):.1%} "
                f"(lift {ev.get('lift', 0):.1f}×); {ev.get('reason', '')}"
            )
            continue
        when = p.params.get("local_time") or (
            f"{p.params.get('event')} {p.params.get('offset_minutes', 0):+.0f} min"
        )
        st.markdown(f"**{view.name} → {p.to_state}** at {when}{mark}")
        marks = analysis.day_marks(p)
        fig = go.Figure(
            go.Scatter(
                x=marks["local_date"].to_list(), y=marks["minute"].to_list(),
                mode="markers", name="entered",
            )
        )  # fmt: skip
        if p.kind == "sun":
            curve = analysis.sun_curve(svc, p, marks["local_date"].to_list())
            fig.add_trace(
                go.Scatter(
                    x=curve["local_date"].to_list(), y=curve["minute"].to_list(),
                    mode="lines", name=f"{p.params.get('event')} + offset",
                )
            )  # fmt: skip
        fig.update_yaxes(range=[0, 1440], tickvals=list(range(0, 1441, 180)),
                         ticktext=[f"{m // 60:02d}:00" for m in range(0, 1441, 180)])  # fmt: skip
        st.plotly_chart(style_chart(fig, y_title="local time", height=240), key=f"p{p.id}")
        st.caption(
            f"seen {ev.get('days_seen', '–')} of {ev.get('days_observed', '–')} days, "
            f"spread {ev.get('spread_minutes', 0):.0f} min; {ev.get('reason', '')}"
        )
