"""Kiosk wall display: big tiles and the last day's power, refreshed on a timer."""

from __future__ import annotations

from datetime import UTC, datetime

import plotly.express as px
import streamlit as st

from app.services import ServiceError, kiosk

try:
    reader = kiosk.get_reader()
except ServiceError as err:
    st.error(str(err))
    st.stop()


@st.fragment(run_every=kiosk.refresh_seconds())
def wall() -> None:
    """Draw the tiles and the power chart; reruns on the kiosk timer."""
    now = datetime.now(UTC)
    st.markdown(f"## {now.astimezone(reader.tz):%A %H:%M}")
    problem = reader.store_problem()
    if problem:
        st.error(f"The store does not answer: {problem}")
    values = kiosk.tile_values(reader, now)
    for row_start in range(0, len(values), 3):
        for column, (spec, value) in zip(
            st.columns(3), values[row_start : row_start + 3], strict=False
        ):
            with column.container(border=True):
                st.metric(spec.label, value.value, help=None)
                st.caption(value.caption)
    try:
        power = reader.power_last_24h(now)
    except ServiceError as err:
        st.caption(f"Power chart unavailable: {err}")
        return
    if power.height:
        fig = px.area(power.to_pandas(), x="time", y="value", labels={"value": "W", "time": ""})
        fig.update_layout(
            height=260, margin={"l": 0, "r": 0, "t": 10, "b": 0}, template="plotly_dark"
        )
        st.plotly_chart(fig, config={"staticPlot": True})
    else:
        st.caption("No power data in the last 24 hours.")


wall()
