"""Shared UI pieces: the global time-range picker, number formats, chart styling."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from app.services.timerange import CUSTOM, PRESETS, TimeRange, custom_range, preset_range

RANGE_KEY = "homeiq_range_choice"
CUSTOM_KEY = "homeiq_range_custom"


def time_range_picker(tz: ZoneInfo) -> TimeRange:
    """Draw the sidebar range picker (shared by all pages) and return the chosen range."""
    options = [*PRESETS, CUSTOM]
    if RANGE_KEY not in st.session_state:
        st.session_state[RANGE_KEY] = "Last 7 days"
    choice = st.sidebar.radio("Time range", options, key=RANGE_KEY)
    if choice != CUSTOM:
        return preset_range(choice)
    today = datetime.now(tz).date()
    picked = st.sidebar.date_input(
        "Days (local time)",
        value=st.session_state.get(CUSTOM_KEY, (today - timedelta(days=6), today)),
        max_value=today,
    )
    days = tuple(picked) if isinstance(picked, (tuple, list)) else (picked,)
    first: date = days[0] if days else today
    last: date = days[1] if len(days) > 1 else first
    st.session_state[CUSTOM_KEY] = (first, last)
    return custom_range(first, last, tz)


def style_chart(fig: go.Figure, *, y_title: str, height: int = 360) -> go.Figure:
    """Return ``fig`` with a theme-neutral layout, a unit-labelled y axis and local time."""
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": -0.2},
        yaxis_title=y_title,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    fig.update_xaxes(gridcolor="rgba(128,128,128,0.25)")
    fig.update_yaxes(gridcolor="rgba(128,128,128,0.25)")
    return fig


def fmt_bytes(size: int | None) -> str:
    """Return a human size such as ``12.3 MiB``."""
    if size is None:
        return "unknown"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:,.1f} {unit}" if unit != "B" else f"{int(value)} B"
        value /= 1024
    return f"{value:,.1f} GiB"


def fmt_time(moment: datetime | None, tz: ZoneInfo) -> str:
    """Return ``moment`` in local time, or a dash."""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else "—"


def local_times(frame: pl.DataFrame, tz: ZoneInfo) -> pl.DataFrame:
    """Return ``frame`` with every UTC datetime column shown in the home's time zone."""
    return frame.with_columns(
        pl.col(name).dt.convert_time_zone(str(tz))
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None
    )


def current_range(tz: ZoneInfo) -> TimeRange:
    """Return the range chosen in the sidebar, or the last 7 days when a page runs alone."""
    chosen = st.session_state.get("homeiq_range")
    return chosen if isinstance(chosen, TimeRange) else preset_range("Last 7 days")


def readable_axes(
    fig: go.Figure, times: pl.Series, values: pl.Series, *, width: timedelta
) -> go.Figure:
    """Return ``fig`` with sensible axes when there is one point or the series is flat.

    Plotly stretches a single bar over a few microseconds (ticks read 17:59:59.9996) and a
    flat line over a zero-height range; give both a bucket of room and a range around the value.
    """
    distinct = times.drop_nulls().unique()
    if distinct.len() == 1:
        moment = distinct.item()
        fig.update_xaxes(range=[moment - width, moment + width], tickformat="%d %b %H:%M")
        # A lone bar is as thin; give it most of its bucket (milliseconds on a date axis).
        fig.update_traces(width=width.total_seconds() * 1000 * 0.8, selector={"type": "bar"})
    numbers = values.drop_nulls()
    if numbers.len() and numbers.min() == numbers.max():
        level = float(numbers.max())  # type: ignore[arg-type]
        pad = abs(level) * 0.5 or 1.0
        fig.update_yaxes(range=[min(0.0, level - pad), max(0.0, level + pad)])
    return fig


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def weekday_labels(weekdays: pl.Series) -> list[str]:
    """Return the names of ISO weekday numbers (1=Mon..7), for the rows a range really has."""
    return [WEEKDAYS[int(day) - 1] for day in weekdays]
