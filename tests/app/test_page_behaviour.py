"""Pages report what the data says: energy totals, the planted heating slope, exports."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from streamlit.testing.v1 import AppTest

from app.pages import ADMIN_PAGES
from app.services.timerange import preset_range
from storage.factory import open_store
from tests.app.conftest import SIM_END

PAGES = {spec.url_path: spec.path for spec in ADMIN_PAGES}
RANGE = preset_range("Last 30 days", SIM_END)


def _run(page: str) -> AppTest:
    at = AppTest.from_file(str(PAGES[page]), default_timeout=120)
    at.session_state["homeiq_range"] = RANGE
    return at.run()


def test_energy_daily_totals_equal_store_meter_increases(app_env: Path) -> None:
    at = _run("energy")
    assert not at.exception, [e.value for e in at.exception]
    shown = pl.from_pandas(at.dataframe[0].value).select(pl.col("day").cast(pl.Date), "kwh")
    store = open_store(backend="embedded", data_dir=app_env)
    try:
        hourly = store.aggregate(["sensor.house_energy"], RANGE.start, RANGE.end, "1h", "increase")
    finally:
        store.close()
    expected = (
        hourly.with_columns(
            pl.col("time").dt.convert_time_zone("Europe/Amsterdam").dt.date().alias("day")
        )
        .group_by("day")
        .agg(pl.col("value").sum().alias("expected"))
    )
    joined = shown.join(expected, on="day", how="full", coalesce=True)
    assert joined.height >= 20
    assert joined.filter(pl.col("kwh").is_null() | pl.col("expected").is_null()).height == 0
    assert (joined["kwh"] - joined["expected"]).abs().max() < 1e-6


def test_weather_page_reports_planted_heating_slope(
    app_env: Path, ground_truth: dict[str, object]
) -> None:
    at = _run("weather-sports")
    assert not at.exception, [e.value for e in at.exception]
    metrics = {metric.label: metric.value for metric in at.metric}
    slope = float(metrics["Slope"].split()[0])
    planted = float(ground_truth["heating"]["kwh_per_hdd"])  # type: ignore[index]
    assert abs(slope - planted) / planted < 0.10, (slope, planted)
    assert int(metrics["Days (n)"]) >= 15


def test_export_round_trips_through_polars(app_env: Path) -> None:
    at = _run("export")
    at.multiselect[2].set_value(["sensor.outdoor_temperature", "light.bedroom"])
    at.radio[1].set_value("parquet")
    at.run()
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success, "no export summary shown"
    files = sorted((app_env / "exports").glob("*.parquet"), key=lambda p: p.stat().st_mtime)
    exported = pl.read_parquet(files[-1])
    store = open_store(backend="embedded", data_dir=app_env)
    try:
        expected = store.read(
            ["sensor.outdoor_temperature", "light.bedroom"], RANGE.start, RANGE.end
        )
    finally:
        store.close()
    assert exported.height == expected.height > 0
    assert set(exported["entity_id"]) == {"sensor.outdoor_temperature", "light.bedroom"}
    assert f"{expected.height:,} rows" in at.success[0].value
