"""Forecast: one series, every model backtested against the seasonal naive, the best drawn."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from app.services import ServiceError, forecast, get_services
from app.widgets import style_chart

st.title("Forecast")
try:
    svc = get_services()
    choices = forecast.forecastable_entities(svc)
    default = forecast.default_entity(svc) if choices.height else None
except ServiceError as err:
    st.error(str(err))
    st.stop()
if choices.height == 0:
    st.info(
        "Nothing to forecast: the store is empty or has no numeric entity. Run "
        "`homeiq demo` or connect Home Assistant, then come back."
    )
    st.stop()

ids = choices["entity_id"].to_list()
units = dict(zip(ids, choices["unit"].to_list(), strict=True))
left, middle, right = st.columns([3, 1, 1])
entity = left.selectbox("Series", ids, index=ids.index(default) if default in ids else 0)
bucket = middle.selectbox("Bucket", forecast.BUCKETS, index=1)
horizon = right.selectbox("Horizon", forecast.HORIZONS, index=0)
try:
    found = forecast.entity_forecast(svc, entity, bucket, horizon)
except forecast.ForecastProblem as err:
    st.warning(str(err))
    st.stop()
except ServiceError as err:
    st.error(str(err))
    st.stop()

result = found.result
unit = units.get(entity) or ""
per = f"{unit} per {bucket}" if found.kind == "increase" else unit
best = next(s for s in result.scores if s.key == result.model)
if result.beats_baseline:
    st.success(
        f"Drawn: **{result.model_name}**, MASE {best.mase:.2f} on the last "
        f"{best.origins} days' backtest: better than repeating the previous day."
    )
else:
    st.warning(
        "No model beat the seasonal naive forecast (the previous day repeated) on the "
        "backtest, so the naive forecast is drawn."
    )
for note in (*found.notes, *result.notes):
    st.caption(note)

tz = svc.timezone


def local(frame: pl.DataFrame) -> pl.DataFrame:
    """Return ``frame`` with ``time`` in the home's time zone (naive, for plotly)."""
    return frame.with_columns(pl.col("time").dt.convert_time_zone(tz).dt.replace_time_zone(None))


history, ahead, backtest = local(result.history), local(result.forecast), local(result.backtest)
fig = go.Figure()
fig.add_scatter(
    x=ahead["time"].to_list() + ahead["time"].to_list()[::-1],
    y=ahead["high"].to_list() + ahead["low"].to_list()[::-1],
    fill="toself",
    line={"width": 0},
    fillcolor="rgba(99,110,250,0.2)",
    name="80 % band",
    hoverinfo="skip",
)
fig.add_scatter(x=history["time"], y=history["value"], name="actual", line={"color": "#888"})
if backtest.height:
    fig.add_scatter(x=backtest["time"], y=backtest["value"], name="backtest", line={"dash": "dot"})
fig.add_scatter(x=ahead["time"], y=ahead["value"], name="forecast", line={"color": "#636efa"})
st.plotly_chart(style_chart(fig, y_title=per, height=420))
if found.kind == "increase":
    st.metric(f"Forecast total, next {horizon}", f"{result.forecast['value'].sum():,.1f} {unit}")

st.subheader("Models on the backtest")
st.caption(
    "Rolling origins one day apart over the last 14 days; MASE is MAE divided by the "
    "seasonal naive forecast's MAE on the same windows (below 1 beats it). Coverage: share "
    "of actuals inside the 80 % band built from earlier errors only."
)
table = pl.DataFrame(
    {
        "model": [s.name for s in result.scores],
        "MAE": [s.mae for s in result.scores],
        "MASE": [s.mase for s in result.scores],
        "in 80 % band": [s.coverage for s in result.scores],
        "seconds": [round(s.seconds, 2) for s in result.scores],
        "note": [s.error or ("drawn" if s.key == result.model else "") for s in result.scores],
    }
)
st.dataframe(table, hide_index=True)

if result.drivers:
    st.subheader("What drives the regression model")
    if found.temperature_entity is None:
        st.caption("No outdoor temperature sensor found, so the regression has no weather input.")
    drivers = pl.DataFrame(
        {
            "input": [d.name for d in result.drivers],
            f"effect ({unit or 'value'})": [round(d.effect, 4) for d in result.drivers],
            "meaning": [d.per for d in result.drivers],
        }
    )
    st.dataframe(drivers, hide_index=True)
