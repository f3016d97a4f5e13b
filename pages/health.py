"""Health: is data flowing, how big is the store, which entities need attention."""

from __future__ import annotations

from datetime import UTC, datetime

import plotly.express as px
import polars as pl
import streamlit as st

from app.services import ServiceError, get_services, health
from app.widgets import fmt_bytes, fmt_time, local_times, style_chart

st.title("Health")
try:
    svc = get_services()
    summary = health.store_summary(svc)
except ServiceError as err:
    st.error(str(err))
    st.stop()
tz = svc.tz
for problem in svc.problems:
    st.warning(problem)

st.subheader("Store")
cols = st.columns(4)
cols[0].metric("Events", f"{summary.events:,}")
cols[1].metric("Entities", f"{summary.entities:,}")
cols[2].metric("On disk", fmt_bytes(summary.bytes_on_disk))
cols[3].metric("Backend", summary.backend)
st.caption(
    f"Oldest {fmt_time(summary.oldest, tz)} · newest {fmt_time(summary.newest, tz)} "
    f"({svc.timezone})"
)
if not summary.ok:
    st.error(f"The store does not answer: {summary.detail}")
if summary.events == 0:
    st.info(
        "The store is empty. Fill it with a simulated home (`homeiq demo`) or connect your home "
        "(set HOMEIQ_HA_URL and a token, then run `homeiq ingest`)."
    )
    st.stop()

st.subheader("Ingest worker")
now = datetime.now(UTC)
worker = health.worker_summary(svc, now)
(st.success if worker.running else st.info)(worker.message)
if worker.away_text:
    st.caption(worker.away_text)
report = worker.report
if report is not None and report.sources:
    rows = [
        {
            "source": name,
            "state": source.state,
            "last event": health.last_event_age(source.last_event, now),
            "events/s (1 min)": source.events_per_s_1m,
            "events/s (15 min)": source.events_per_s_15m,
            "counters": health.counters_text(source.counters),
            "last error": source.last_error,
        }
        for name, source in sorted(report.sources.items())
    ]
    st.dataframe(rows, hide_index=True)
if report is not None:
    st.caption(
        f"Spool: {report.spool.depth:,} events waiting, "
        f"{fmt_bytes(report.spool.bytes)} of {fmt_bytes(report.spool.budget_bytes)}"
    )
try:
    rate = health.event_rate(svc, now.replace(second=0, microsecond=0))
except ServiceError as err:
    st.warning(str(err))
else:
    if rate.height:
        local = rate.with_columns(pl.col("time").dt.convert_time_zone(svc.timezone))
        fig = px.area(local.to_pandas(), x="time", y="events_per_s", labels={"time": ""})
        st.caption("Numeric samples stored per second, last 3 h (all sources, 5-min buckets)")
        st.plotly_chart(style_chart(fig, y_title="events/s", height=160))
    else:
        st.caption("No events stored in the last 3 hours.")

try:
    entities = health.entity_table(svc)
except ServiceError as err:
    st.error(str(err))
    st.stop()

left, right = st.columns(2)
with left:
    st.subheader("Entities by domain")
    st.dataframe(health.by_domain(entities), hide_index=True)
with right:
    unavailable = health.unavailable_now(entities)
    st.subheader(f"Unavailable now ({unavailable.height})")
    if unavailable.height:
        st.dataframe(local_times(unavailable, tz), hide_index=True)
    else:
        st.success("Every entity reports a state.")

hours = svc.settings.stale_after_hours
stale = health.stale_entities(entities, hours=hours, now=datetime.now(UTC))
st.subheader(f"Stale: no update for {hours:g} h ({stale.height})")
if stale.height:
    st.dataframe(local_times(stale, tz), hide_index=True)
else:
    st.success("Every entity updated recently.")

try:
    counts, recent = health.quarantine(svc)
except ServiceError as err:
    st.error(str(err))
else:
    st.subheader(f"Quarantined inputs ({sum(counts.values()):,})")
    if counts:
        st.dataframe(
            [{"reason": reason, "count": n} for reason, n in sorted(counts.items())],
            hide_index=True,
        )
        st.dataframe(local_times(recent, tz), hide_index=True)
    else:
        st.caption("No input has been quarantined.")
