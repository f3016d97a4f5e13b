"""Explore: any entities over the chosen range, downsampled in the store."""

from __future__ import annotations

import plotly.express as px
import polars as pl
import streamlit as st

from app.services import ServiceError, explore, get_services
from app.services import roles as role_service
from app.services.timerange import bucket_width
from app.widgets import current_range, readable_axes, style_chart

st.title("Explore")
try:
    svc = get_services()
    rng = current_range(svc.tz)
    choices = explore.entity_choices(svc)
    found = role_service.role_map(svc)
    names = role_service.friendly_names(svc)
except ServiceError as err:
    st.error(str(err))
    st.stop()
if choices.height == 0:
    st.info("The store is empty: nothing to explore yet. Run `homeiq demo` or connect HA.")
    st.stop()

areas = sorted(choices["area"].unique().to_list())
domains = sorted(choices["domain"].unique().to_list())
left, right = st.columns(2)
area_pick = left.multiselect("Areas", areas, placeholder="All areas")
domain_pick = right.multiselect("Domains", domains, placeholder="All domains")
shown = choices
if area_pick:
    shown = shown.filter(pl.col("area").is_in(area_pick))
if domain_pick:
    shown = shown.filter(pl.col("domain").is_in(domain_pick))
labels = dict(zip(shown["entity_id"], shown["label"], strict=True))
wanted = (found.entity("house_power"), found.entity("outdoor_temperature"))
default = [eid for eid in wanted if eid is not None and eid in labels]
picked = st.multiselect(
    "Entities (type to search)",
    list(labels),
    default=default or list(labels)[:1],
    format_func=lambda eid: labels.get(eid, eid),
)
if not picked:
    st.info("Choose one or more entities.")
    st.stop()
try:
    data = explore.series(svc, rng, tuple(picked))
except ServiceError as err:
    st.error(str(err))
    st.stop()
tz = svc.timezone
st.caption(f"{rng.label} · numeric series as {data.bucket} means · times in {tz}")
if data.lines.height:
    units = dict(zip(choices["entity_id"], choices["unit"], strict=True))
    lines = data.lines.with_columns(
        pl.col("time").dt.convert_time_zone(tz),
        pl.col("entity_id")
        .map_elements(lambda eid: role_service.label(eid, names), return_dtype=pl.String)
        .alias("entity"),
    )
    for unit, group in lines.with_columns(
        pl.col("entity_id").replace_strict(units, default="").alias("unit")
    ).group_by("unit", maintain_order=True):
        fig = px.line(group.to_pandas(), x="time", y="value", color="entity", markers=True)
        fig = readable_axes(fig, group["time"], group["value"], width=bucket_width(data.bucket))
        st.plotly_chart(style_chart(fig, y_title=str(unit[0] or "")))
if data.runs.height:
    runs = data.runs.with_columns(
        pl.col("start").dt.convert_time_zone(tz),
        pl.col("end").dt.convert_time_zone(tz),
        pl.col("entity_id")
        .map_elements(lambda eid: role_service.label(eid, names), return_dtype=pl.String)
        .alias("entity"),
    )
    fig = px.timeline(runs.to_pandas(), x_start="start", x_end="end", y="entity", color="state")
    st.plotly_chart(
        style_chart(fig, y_title="", height=120 + 40 * len(set(runs["entity_id"]))),
    )
if data.truncated:
    st.warning("Only the first 20,000 state changes are drawn; pick a shorter range.")
if not data.lines.height and not data.runs.height:
    st.info("No events for these entities in this range.")
