"""Chart helpers: one bucket draws a visible bar; weekday rows carry their own names."""

from datetime import UTC, datetime, timedelta

import plotly.express as px
import polars as pl

from app.widgets import readable_axes, weekday_labels


def test_a_lone_hourly_bar_is_most_of_an_hour_wide() -> None:
    frame = pl.DataFrame({"time": [datetime(2026, 12, 1, 21, tzinfo=UTC)], "kwh": [2.2]})
    fig = px.bar(frame.to_pandas(), x="time", y="kwh")
    fig = readable_axes(fig, frame["time"], frame["kwh"], width=timedelta(hours=1))
    assert fig.data[0].width == 0.8 * 3_600_000
    start, end = fig.layout.xaxis.range
    assert end - start == timedelta(hours=2)


def test_bars_of_several_buckets_keep_plotly_widths() -> None:
    hours = [datetime(2026, 12, 1, h, tzinfo=UTC) for h in (20, 21)]
    frame = pl.DataFrame({"time": hours, "kwh": [1.0, 2.2]})
    fig = px.bar(frame.to_pandas(), x="time", y="kwh")
    fig = readable_axes(fig, frame["time"], frame["kwh"], width=timedelta(hours=1))
    assert fig.data[0].width is None


def test_weekday_rows_are_named_by_their_own_numbers() -> None:
    # A last-24-hours range on a Tuesday and Wednesday has rows 2 and 3, not Mon and Tue.
    assert weekday_labels(pl.Series([2, 3])) == ["Tue", "Wed"]
