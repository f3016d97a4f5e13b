"""Energy: consumption per hour and day, cost, top consumers, weekly pattern, baseload."""

from __future__ import annotations

from datetime import timedelta

import plotly.express as px
import polars as pl
import streamlit as st

from app.services import ServiceError, energy, forecast, get_services
from app.services import roles as role_service
from app.services.money import currency_label, money
from app.widgets import current_range, readable_axes, style_chart, weekday_labels

st.title("Energy")
try:
    svc = get_services()
    rng = current_range(svc.tz)
    report = energy.energy_report(svc, rng)
    names = role_service.friendly_names(svc)
except ServiceError as err:
    st.error(str(err))
    st.stop()
if report is None:
    st.info(
        "No energy data in this range: the store is empty, or no entity plays the main "
        "energy meter (kWh) or the house power (W) role, or it has no data here. Pick a "
        "longer range, or choose the entities on the Settings page."
    )
    st.stop()
kind = "cumulative meter" if report.source_kind == "meter" else "power sensor"
if len(report.sources) > 1:
    kind = "grid import meters of HA's energy dashboard, summed"
source = " + ".join(role_service.label(eid, names) for eid in report.sources)
st.caption(f"{rng.label} · times in {svc.timezone} · from {source} ({kind})")
for note in report.notes:
    st.info(note)

cols = st.columns(4)
delta = f"{report.change:+.0%} vs previous period" if report.change is not None else None
cols[0].metric("Consumption", f"{report.total_kwh:,.1f} kWh", delta, delta_color="inverse")
per_kwh = f"{currency_label(svc.currency) or 'currency unknown'} per kWh"
cols[1].metric(
    "Cost",
    money(report.total_cost, svc.currency) if report.total_cost is not None else "—",
    help=f"fixed price {report.fixed_price:g} {per_kwh}" if report.fixed_price else None,
)
cols[2].metric("Baseload", f"{report.baseload_w:,.0f} W" if report.baseload_w else "—")
days = max(report.daily.height, 1)
cols[3].metric("Per day", f"{report.total_kwh / days:,.1f} kWh", help="mean over the days shown")
try:
    expected = forecast.expected_today(svc)
except ServiceError as err:
    expected = None
    st.caption(f"Today's forecast is unavailable: {err}")
if expected == forecast.PENDING:
    st.caption("Today's expected use is being forecast; it shows on the next visit.")
elif isinstance(expected, forecast.ExpectedToday):
    st.metric(
        "Expected today",
        f"{expected.total:,.1f} kWh",
        help=f"{expected.so_far:,.1f} kWh measured so far plus {expected.rest:,.1f} kWh "
        f"forecast for the rest of the day by {expected.model_name} (see the Forecast page)",
    )

if report.solar_kwh is not None or report.export_kwh is not None:
    more = st.columns(4)
    if report.solar_kwh is not None:
        more[0].metric("Solar produced", f"{report.solar_kwh:,.1f} kWh")
    if report.export_kwh is not None:
        more[1].metric("Returned to the grid", f"{report.export_kwh:,.1f} kWh")

local = pl.col("time").dt.convert_time_zone(svc.timezone)
hourly = report.hourly.with_columns(local.alias("local_time"))
by_hour, by_day = st.tabs(["Per hour", "Per day"])
with by_hour:
    fig = px.bar(hourly.to_pandas(), x="local_time", y="kwh", labels={"local_time": "local time"})
    fig = readable_axes(fig, hourly["local_time"], hourly["kwh"], width=timedelta(hours=1))
    st.plotly_chart(style_chart(fig, y_title="kWh per hour"))
with by_day:
    daily = report.daily
    fig = px.bar(daily.to_pandas(), x="day", y="kwh", labels={"day": "day (local)"})
    st.plotly_chart(style_chart(fig, y_title="kWh per day"))
    if "cost" in daily.columns and svc.currency:
        daily = daily.rename({"cost": f"cost ({svc.currency})"})
    st.dataframe(daily, hide_index=True)

left, right = st.columns(2)
with left:
    st.subheader("Hour x weekday")
    matrix = report.heatmap.pivot(on="hour", index="weekday", values="kwh").sort("weekday")
    hours = [c for c in matrix.columns if c != "weekday"]
    fig = px.imshow(
        matrix.select(hours).to_numpy(),
        x=[int(h) for h in hours],
        y=weekday_labels(matrix["weekday"]),
        labels={"x": "hour (local)", "y": "", "color": "kWh"},
        aspect="auto",
        color_continuous_scale="Viridis",
    )
    st.plotly_chart(style_chart(fig, y_title=""))
with right:
    st.subheader("Devices (HA energy dashboard)" if report.top_from_prefs else "Top consumers")
    if report.top.height:
        top = report.top.with_columns(
            pl.col("entity_id")
            .map_elements(lambda eid: role_service.label(eid, names), return_dtype=pl.String)
            .alias("device")
        )
        fig = px.bar(top.to_pandas(), x="kwh", y="device", orientation="h")
        fig.update_yaxes(autorange="reversed")
        st.plotly_chart(style_chart(fig, y_title=""))
    else:
        st.info("No per-device meters or power sensors besides the house total.")
