"""Anomalies: unusual days and hours and silent entities, each with its evidence."""

from __future__ import annotations

import plotly.express as px
import plotly.graph_objects as go
import polars as pl
import streamlit as st

from app.services import ServiceError, anomalies, get_services
from app.widgets import fmt_time, style_chart

st.title("Anomalies")
try:
    svc = get_services()
    stats_entities = anomalies.entity_count(svc)
except ServiceError as err:
    st.error(str(err))
    st.stop()
if stats_entities == 0:
    st.info("The store is empty: no entities to analyse yet. Run `homeiq demo` or connect HA.")
    st.stop()

left, right = st.columns([1, 3])
days = left.selectbox("Last days", anomalies.DAY_CHOICES, index=2)
refresh = st.session_state.get("anomaly_refresh", 0)
if right.button("Analyse now", help="Run the analysis again and store the run"):
    refresh += 1
    st.session_state["anomaly_refresh"] = refresh
try:
    view = anomalies.anomaly_view(svc, days, refresh)
except ServiceError as err:
    st.error(str(err))
    st.stop()
when = fmt_time(view.created_at, svc.tz) if view.created_at else "now (not stored)"
st.caption(
    f"Run of {when} over {fmt_time(view.window_start, svc.tz)} – "
    f"{fmt_time(view.window_end, svc.tz)} · times in {svc.timezone}"
)
findings = view.findings
areas = sorted(findings["area"].unique().to_list())
domains = sorted(findings["domain"].unique().to_list())
a, b = st.columns(2)
chosen_areas = a.multiselect("Areas", areas, placeholder="All areas")
chosen_domains = b.multiselect("Domains", domains, placeholder="All domains")
if chosen_areas:
    findings = findings.filter(pl.col("area").is_in(chosen_areas))
if chosen_domains:
    findings = findings.filter(pl.col("domain").is_in(chosen_domains))

counts = {kind: findings.filter(pl.col("kind") == kind).height for kind in anomalies.KINDS}
cols = st.columns(3)
for column, (kind, label) in zip(cols, anomalies.KINDS.items(), strict=True):
    column.metric(f"{label}s", counts[kind])
with st.expander("How findings are decided"):
    for note in view.notes:
        st.caption(note)

local = pl.col("start").dt.convert_time_zone(svc.timezone)
tab_days, tab_hours, tab_silent = st.tabs(["Unusual days", "Unusual hours", "Silent entities"])
with tab_days:
    days_found = findings.filter(pl.col("kind") == "day")
    if days_found.height == 0:
        st.info("No unusual days in this window.")
    else:
        st.dataframe(
            days_found.select(
                local.dt.date().alias("day"), "entity_id", "area", "score", "summary"
            ),
            hide_index=True,
        )
        labels = [
            f"{r['entity_id']} · {r['summary'][:10]}" for r in days_found.iter_rows(named=True)
        ]
        pick = st.selectbox("Evidence of", range(len(labels)), format_func=lambda i: labels[i])
        evidence = view.evidence[days_found["row"][pick]]
        fig = go.Figure()
        hours = evidence["hour"]
        fig.add_scatter(x=hours + hours[::-1], y=evidence["high"] + evidence["low"][::-1],
                        fill="toself", line={"width": 0}, fillcolor="rgba(128,128,128,0.25)",
                        name="usual (10th-90th percentile)", hoverinfo="skip")  # fmt: skip
        fig.add_scatter(x=hours, y=evidence["usual"], name="usual (median)", line={"dash": "dot"})
        fig.add_scatter(x=hours, y=evidence["value"], name="that day", line={"color": "#ef553b"})
        fig.update_xaxes(title="hour (local)")
        st.plotly_chart(style_chart(fig, y_title="hourly value"))
with tab_hours:
    hours_found = findings.filter(pl.col("kind") == "hour")
    if hours_found.height == 0:
        st.info("No unusual hours in this window.")
    else:
        shown = hours_found.with_columns(local.dt.replace_time_zone(None).alias("hour"))
        fig = px.scatter(shown.to_pandas(), x="hour", y="score", color="entity_id",
                         hover_data=["summary"])  # fmt: skip
        st.plotly_chart(style_chart(fig, y_title="robust z-score"))
        st.dataframe(shown.select("hour", "entity_id", "area", "score", "summary"), hide_index=True)
with tab_silent:
    silent = findings.filter(pl.col("kind") == "silent")
    if silent.height == 0:
        st.info("No entity has gone silent.")
    else:
        silent_for = pl.Series(
            [view.evidence[r]["silent_s"] / 3600 for r in silent["row"]], dtype=pl.Float64
        )
        shown = silent.with_columns(silent_for.alias("silent hours"))
        fig = px.bar(shown.to_pandas(), x="silent hours", y="entity_id", orientation="h")
        st.plotly_chart(style_chart(fig, y_title=""))
        st.dataframe(shown.select("entity_id", "area", "silent hours", "summary"), hide_index=True)
