"""Weather & sports: heating against outdoor temperature, lagged correlation, game uplift."""

from __future__ import annotations

from datetime import timedelta

import plotly.express as px
import plotly.graph_objects as go
import polars as pl
import streamlit as st

from app.services import ServiceError, get_services
from app.services import roles as role_service
from app.services import weather_sports as ws
from app.widgets import current_range, readable_axes, style_chart

st.title("Weather & sports")
try:
    svc = get_services()
    rng = current_range(svc.tz)
    heating = ws.heating_report(svc, rng)
    outdoor_series = ws.outdoor_series(svc, rng)
    numeric = ws.numeric_entities(svc)
    found = role_service.role_map(svc)
    names = role_service.friendly_names(svc)
except ServiceError as err:
    st.error(str(err))
    st.stop()
if not numeric:
    st.info("The store is empty: nothing to correlate yet. Run `homeiq demo` or connect HA.")
    st.stop()
st.caption(f"{rng.label} · whole local days ({svc.timezone})")

st.subheader("Heating against outdoor temperature")
if isinstance(heating, str):
    st.info(heating)
    if outdoor_series is not None:
        # The fit's input so far: a home connected today shows its temperature already.
        fine = outdoor_series.bucket == "5m"
        every = "5-minute" if fine else "hourly"
        st.caption(
            f"Outdoor: {role_service.label(outdoor_series.entity_id, names)} · {every} means"
        )
        if outdoor_series.frame.height:
            temps_local = outdoor_series.frame.with_columns(
                pl.col("time").dt.convert_time_zone(svc.timezone)
            )
            fig = px.line(
                temps_local.to_pandas(),
                x="time",
                y="value",
                markers=True,
                labels={"time": "local time", "value": "°C"},
            )
            width = timedelta(minutes=5) if fine else timedelta(hours=1)
            fig = readable_axes(fig, temps_local["time"], temps_local["value"], width=width)
            st.plotly_chart(style_chart(fig, y_title="outdoor °C", height=260))
else:
    fit = heating.hdd
    st.caption(
        f"Outdoor: {role_service.label(heating.outdoor_entity, names)} · heating: "
        f"{role_service.label(heating.energy_entity, names)}"
    )
    cols = st.columns(4)
    cols[0].metric("Slope", f"{fit.slope:.2f} kWh/HDD", help=f"base {fit.base_c:g} °C")
    cols[1].metric("R²", f"{fit.r2:.2f}")
    cols[2].metric("Days (n)", f"{fit.n}")
    cols[3].metric("Per °C colder", f"{-heating.line.slope:.2f} kWh/day")
    daily = heating.daily
    fig = px.scatter(
        daily.to_pandas(),
        x="temp_c",
        y="kwh",
        hover_data=["day", "hdd"],
        labels={"temp_c": "mean outdoor temperature (°C)", "kwh": "heating (kWh/day)"},
    )
    temps: list[float] = daily["temp_c"].cast(pl.Float64).to_list()
    xs = [min(temps), max(temps)]
    ys = [heating.line.intercept + heating.line.slope * x for x in xs]
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=f"fit, R² {heating.line.r2:.2f}"))
    st.plotly_chart(style_chart(fig, y_title="kWh per day"))

st.subheader("Lagged correlation")
pick_a, pick_b, pick_lag = st.columns([2, 2, 1])
outdoor = found.entity("outdoor_temperature")
heating_power = found.entity("heating_power") or found.entity("house_power")
default_a = numeric.index(outdoor) if outdoor in numeric else 0
default_b = numeric.index(heating_power) if heating_power in numeric else 0
a = pick_a.selectbox(
    "Series A", numeric, index=default_a, format_func=lambda eid: role_service.label(eid, names)
)
b = pick_b.selectbox(
    "Series B", numeric, index=default_b, format_func=lambda eid: role_service.label(eid, names)
)
max_lag = pick_lag.number_input("Max lag (h)", min_value=1, max_value=72, value=24)
try:
    result = ws.lagged(svc, rng, a, b, int(max_lag))
except ServiceError as err:
    st.error(str(err))
else:
    if isinstance(result, str):
        st.info(result)
    else:
        lag_cols = st.columns(3)
        lag_cols[0].metric("Best lag", f"{result.best_lag:+d} h", help="positive: B follows A")
        lag_cols[1].metric("r at best lag", f"{result.best_r:+.2f}")
        lag_cols[2].metric("n (hours)", f"{result.n}")
        fig = px.bar(result.by_lag.to_pandas(), x="lag", y="r", labels={"lag": "lag (h)"})
        st.plotly_chart(style_chart(fig, y_title="Pearson r", height=260))

st.subheader("Home-team games")
try:
    games = ws.game_report(svc, rng)
except ServiceError as err:
    st.error(str(err))
else:
    if isinstance(games, str):
        st.info(games)
    else:
        for note in games.notes:
            st.info(note)
        rows = []
        for name, up, unit in (("Consumption", games.power, "W"), ("TV on", games.tv, "share")):
            if up is None:
                continue
            rows.append(
                {
                    "measure": name,
                    "in games": round(up.mean_game, 3),
                    "matched baseline": round(up.mean_baseline, 3),
                    "uplift": f"{up.uplift:+.0%}",
                    "95% CI": f"{up.ci_low:+.0%} … {up.ci_high:+.0%}",
                    "n game hours": up.n_game,
                    "n baseline hours": up.n_baseline,
                    "unit": unit,
                }
            )
        if rows:
            st.dataframe(rows, hide_index=True)
        local = games.windows.with_columns(
            pl.col("start").dt.convert_time_zone(svc.timezone),
            pl.col("end").dt.convert_time_zone(svc.timezone),
        )
        st.caption("Game windows (local time); the baseline is the same weekday and hour.")
        st.dataframe(local, hide_index=True)
