"""What the Weather & sports page shows: heating against outdoor temperature, lagged
correlation between two series, and consumption and TV use during home-team games."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final

import polars as pl

from analytics import correlation, sports, weather
from analytics.errors import InsufficientData
from app.services.cache import cached
from app.services.context import ServiceError, Services
from app.services.roles import role_map
from app.services.timerange import TimeRange
from storage.errors import StoreError

TV_ON: Final[tuple[str, ...]] = ("on", "playing", "paused")
MIN_HOURS_PER_DAY: Final[int] = 20
CLIP: Final[timedelta] = timedelta(hours=2)  # PRE/POST time kept around a game
# With fewer hourly means than this (a home connected today) the outdoor temperature is drawn
# from 5-minute means, so the first hours of data already show as a curve.
FINE_BELOW_HOURS: Final[int] = 48


@dataclass(frozen=True, slots=True, kw_only=True)
class HeatingReport:
    """Daily heating energy against daily mean outdoor temperature, with both fits."""

    daily: pl.DataFrame  # day, kwh, temp_c, hdd
    hdd: weather.Regression  # kWh per heating-degree-day
    line: weather.Regression  # kWh per day against °C
    energy_entity: str
    outdoor_entity: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OutdoorSeries:
    """The outdoor temperature role's readings over a range, as bucket means."""

    entity_id: str
    bucket: str  # "1h", or "5m" while there are few hours of data
    frame: pl.DataFrame  # time, value (°C)


@dataclass(frozen=True, slots=True, kw_only=True)
class GameReport:
    """Home-team game windows and the uplift of consumption and TV use inside them."""

    windows: pl.DataFrame
    power: sports.Uplift | None
    tv: sports.Uplift | None
    notes: tuple[str, ...]


def _daily(frame: pl.DataFrame, tz: str, how: str) -> pl.DataFrame:
    local = pl.col("time").dt.convert_time_zone(tz).dt.date().alias("day")
    agg = pl.col("value").sum() if how == "sum" else pl.col("value").mean()
    return (
        frame.with_columns(local)
        .group_by("day")
        .agg(agg.alias("value"), pl.len().alias("hours"))
        .filter(pl.col("hours") >= MIN_HOURS_PER_DAY)
        .select("day", "value")
        .sort("day")
    )


def outdoor_hourly(
    svc: Services, entity_id: str, rng: TimeRange, every: str = "1h"
) -> pl.DataFrame:
    """Return ``time, value`` hourly (or ``every``) mean outdoor temperature from a sensor or
    a weather entity.

    A ``weather.*`` entity has no numeric state; its ``temperature`` attribute is the reading.
    """
    if not entity_id.startswith("weather."):
        return svc.store.aggregate([entity_id], rng.start, rng.end, every, "mean")
    raw = svc.store.read([entity_id], rng.start, rng.end)
    readings = raw.select(
        "time",
        pl.col("attributes")
        .str.json_path_match("$.temperature")
        .cast(pl.Float64, strict=False)
        .alias("value"),
    ).drop_nulls("value")
    return (
        readings.sort("time")
        .group_by_dynamic("time", every=every)
        .agg(pl.col("value").mean())
        .with_columns(pl.lit(entity_id).alias("entity_id"))
        .select("time", "entity_id", "value")
    )


@cached(ttl=300, show_spinner="Fitting heating against temperature…")
def heating_report(svc: Services, rng: TimeRange) -> HeatingReport | str:
    """Return the heating fits for ``rng``, or a text saying what data is missing."""
    tz = svc.timezone
    roles = role_map(svc)
    outdoor = roles.entity("outdoor_temperature")
    heating = roles.entity("heating_energy")
    if outdoor is None:
        return "No outdoor temperature entity; choose one on the Settings page to see heating fits."
    if heating is None:
        return "No heating energy meter; choose one on the Settings page to see heating fits."
    try:
        temps = outdoor_hourly(svc, outdoor, rng)
        heat = svc.store.aggregate([heating], rng.start, rng.end, "1h", "increase")
    except StoreError as err:
        raise ServiceError(f"Reading temperature and heating data failed: {err}") from err
    temp_daily = _daily(temps, tz, "mean")
    energy_daily = _daily(heat, tz, "sum").rename({"value": "kwh"})
    try:
        hdd_fit = weather.hdd_regression(energy_daily, temp_daily)
        joined = energy_daily.join(temp_daily.rename({"value": "temp_c"}), on="day")
        line = weather.fit_line(joined["temp_c"], joined["kwh"])
    except InsufficientData as err:
        return (
            f"Not enough whole days with both temperature ({outdoor}) and heating "
            f"({heating}) data: {err}"
        )
    hdd = weather.heating_degree_days(temp_daily, base_c=hdd_fit.base_c)
    daily = joined.join(hdd, on="day")
    return HeatingReport(
        daily=daily, hdd=hdd_fit, line=line, energy_entity=heating, outdoor_entity=outdoor
    )


@cached(ttl=300, show_spinner=False)
def outdoor_series(svc: Services, rng: TimeRange) -> OutdoorSeries | None:
    """Return the outdoor temperature over ``rng`` (hourly, or 5-minute means while the
    store holds few hours), or None when no entity plays the role."""
    outdoor = role_map(svc).entity("outdoor_temperature")
    if outdoor is None:
        return None
    try:
        frame = outdoor_hourly(svc, outdoor, rng)
        bucket = "1h"
        if frame.height < FINE_BELOW_HOURS:
            frame, bucket = outdoor_hourly(svc, outdoor, rng, "5m"), "5m"
    except StoreError as err:
        raise ServiceError(f"Reading the outdoor temperature ({outdoor}) failed: {err}") from err
    return OutdoorSeries(entity_id=outdoor, bucket=bucket, frame=frame.select("time", "value"))


@cached(ttl=300, show_spinner="Correlating…")
def lagged(
    svc: Services, rng: TimeRange, a: str, b: str, max_lag: int
) -> correlation.LagCorrelation | str:
    """Return the lagged correlation of hourly means of ``a`` and ``b``, or what is missing."""
    try:
        frame = svc.store.aggregate([a, b], rng.start, rng.end, "1h", "mean")
    except StoreError as err:
        raise ServiceError(f"Reading {a} and {b} failed: {err}") from err
    left = frame.filter(pl.col("entity_id") == a).select("time", "value")
    right = frame.filter(pl.col("entity_id") == b).select("time", "value")
    try:
        return correlation.lagged_correlation(left, right, bucket="1h", max_lag=max_lag)
    except InsufficientData as err:
        return f"Not enough overlapping numeric data for {a} and {b}: {err}"


@cached(ttl=300, show_spinner=False)
def numeric_entities(svc: Services) -> list[str]:
    """Return the ids of entities with numeric values, sorted."""
    try:
        entities = svc.store.entities()
    except StoreError as err:
        raise ServiceError(f"Listing entities failed: {err}") from err
    return sorted(entities.filter(pl.col("unit").is_not_null())["entity_id"].to_list())


def tv_hourly_use(states: pl.DataFrame, rng: TimeRange) -> pl.DataFrame:
    """Return ``time, value``: the fraction of each hour the TV was on (5-minute sampling)."""
    times = pl.datetime_range(
        rng.start, rng.end, interval="5m", closed="left", time_unit="us", eager=True
    )
    grid = pl.DataFrame({"time": times})
    on = states.sort("time").select("time", pl.col("state").is_in(TV_ON).cast(pl.Float64))
    sampled = grid.join_asof(on, on="time", strategy="backward").drop_nulls("state")
    return (
        sampled.group_by(pl.col("time").dt.truncate("1h"))
        .agg(pl.col("state").mean().alias("value"))
        .sort("time")
    )


@cached(ttl=300, show_spinner="Comparing game windows…")
def game_report(svc: Services, rng: TimeRange) -> GameReport | str:
    """Return game windows and uplifts for ``rng``, or a text saying what is missing."""
    tz = svc.timezone
    roles = role_map(svc)
    team, power_entity, tv = (
        roles.entity("sports_team"),
        roles.entity("house_power"),
        roles.entity("media_player"),
    )
    notes: list[str] = []
    lead = timedelta(days=1)  # a game that started before the range still has its PRE state
    if team is None:
        return (
            "No home-team sports sensor (e.g. from TeamTracker); choose one on the Settings "
            "page to compare game windows."
        )
    try:
        team_states = svc.store.read([team], rng.start - lead, rng.end).select("time", "state")
        power = (
            svc.store.aggregate([power_entity], rng.start, rng.end, "1h", "mean")
            if power_entity is not None
            else None
        )
        tv_states = svc.store.read([tv], rng.start - lead, rng.end) if tv is not None else None
    except StoreError as err:
        raise ServiceError(f"Reading the team sensor and consumption failed: {err}") from err
    windows = clip_windows(sports.game_windows(team_states, end=rng.end))
    windows = windows.filter(pl.col("end") > rng.start)
    if windows.filter(pl.col("phase") == "IN").height == 0:
        return f"No home-team game ({team}) in this range; pick a longer range."
    power_uplift = None
    if power is None:
        notes.append("No house power sensor; consumption is not compared.")
    else:
        power_uplift = _uplift(power.select("time", "value"), windows, tz, "consumption", notes)
    tv_uplift = None
    if tv_states is None:
        notes.append("No media player (TV); TV use is not compared.")
    else:
        tv_use = tv_hourly_use(tv_states, rng)
        tv_uplift = _uplift(tv_use, windows, tz, "TV use", [])
        if tv_uplift is None:
            share = in_game_mean(tv_use, windows)
            notes.append(
                "TV use: on for "
                + (f"{share:.0%} of game hours" if share is not None else "no game hour")
                + " and never in the matched hours outside games, so a ratio is undefined."
            )
    return GameReport(windows=windows, power=power_uplift, tv=tv_uplift, notes=tuple(notes))


def clip_windows(windows: pl.DataFrame, around: timedelta = CLIP) -> pl.DataFrame:
    """Return ``windows`` with PRE cut to ``around`` before kickoff and POST to ``around`` after.

    TeamTracker reports PRE from midnight of game day and POST until the next day; left
    whole they would hide every game day from the matched baseline.
    """
    return windows.with_columns(
        pl.when(pl.col("phase") == "PRE")
        .then(pl.max_horizontal("start", pl.col("end") - around))
        .otherwise(pl.col("start"))
        .alias("start"),
        pl.when(pl.col("phase") == "POST")
        .then(pl.min_horizontal("end", pl.col("start") + around))
        .otherwise(pl.col("end"))
        .alias("end"),
    )


def in_game_mean(series: pl.DataFrame, windows: pl.DataFrame) -> float | None:
    """Return the mean of ``series`` (time, value) inside IN windows, or None when none is."""
    inside = pl.lit(False)
    for start, end in windows.filter(pl.col("phase") == "IN").select("start", "end").iter_rows():
        inside = inside | ((pl.col("time") >= start) & (pl.col("time") < end))
    values = series.filter(inside)["value"]
    return float(values.mean()) if values.len() else None  # type: ignore[arg-type]


def _uplift(
    series: pl.DataFrame, windows: pl.DataFrame, tz: str, what: str, notes: list[str]
) -> sports.Uplift | None:
    try:
        return sports.game_uplift(series, windows, bucket="1h", tz=tz)
    except InsufficientData as err:
        notes.append(f"Not enough data to compare {what}: {err}")
        return None
