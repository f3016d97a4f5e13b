"""Benchmark of forecasts and anomalies; prints times, MASE and memory.

Run: ``.venv/bin/python bench/forecast.py [--days 90] [--entities 1000] [--data-dir DIR]
[--anomaly-spiked 0]``.

1. Forecast: the simulated home's hourly house energy over ``--days`` days (with outdoor
   temperature), every model with the 14-day rolling backtest. darts, statsmodels and
   scikit-learn are imported first and timed apart: the target (issue 14) is <= 5 s on
   2 cores after darts is imported.
2. Anomalies: ``--entities`` entities x 30 days of hourly profiles (planted rhythms and
   noise) through unusual days, unusual hours and silent entities: target <= 30 s and
   <= 1 GB peak RSS; it prints how many entities' forests were fitted (only entities with an
   hour far beyond their usual get one). ``--anomaly-spiked 1`` gives every entity such an
   hour: the worst case. With ``--data-dir`` the store's own anomaly run is timed too.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FORECAST_TARGET_S = 5.0
ANOMALY_TARGET_S = 30.0
ANOMALY_TARGET_MB = 1024.0
END = datetime(2026, 1, 31, tzinfo=UTC)


def peak_rss_mb() -> float:
    """Return this process's peak resident set size in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def house_series(days: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return hourly house kWh and outdoor °C of the simulated home for ``days`` days."""
    from homeiq.sim.signals import house_power
    from homeiq.sim.world import day_of, outdoor_temperature

    first = day_of(END) - days
    kwh, temp = [], []
    for day in range(first, first + days):
        kwh.append(house_power(seed, day).reshape(24, 60).mean(axis=1) / 1000)
        temp.append(outdoor_temperature(seed, day).reshape(24, 60).mean(axis=1))
    times = [END - timedelta(days=days) + timedelta(hours=i) for i in range(days * 24)]

    def frame(values: list[np.ndarray]) -> pl.DataFrame:
        return pl.DataFrame({"time": times, "value": np.concatenate(values)}).with_columns(
            pl.col("time").cast(pl.Datetime("us", "UTC"))
        )

    return frame(kwh), frame(temp)


def bench_forecast(days: int, seed: int) -> None:
    """Print import time, backtest time and every model's MASE."""
    from analytics.forecast_models import load_libraries

    began = time.perf_counter()
    load_libraries()
    print(f"import darts + statsmodels + sklearn: {time.perf_counter() - began:.1f} s")
    from analytics.forecast import forecast
    from analytics.series import prepare

    energy, temperature = house_series(days, seed)
    prepared = prepare(energy, step=timedelta(hours=1), kind="increase")
    # one small run first: the libraries' own lazy imports and caches are not the point
    forecast(
        prepare(energy.head(24 * 10), step=timedelta(hours=1), kind="increase"),
        horizon=24,
        tz="UTC",
    )
    wall, cpu = time.perf_counter(), time.process_time()
    result = forecast(prepared, horizon=24, tz="Europe/Amsterdam", temperature=temperature)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    verdict = "OK" if wall <= FORECAST_TARGET_S else "OVER"
    print(
        f"forecast {days} days hourly, all models, 14-day backtest: {wall:.2f} s wall, "
        f"{cpu:.2f} s CPU (target <= {FORECAST_TARGET_S:.0f} s: {verdict})"
    )
    for score in result.scores:
        mase = f"{score.mase:.3f}" if score.mase is not None else "-"
        print(f"  {score.key:11} MASE {mase}  {score.seconds:.2f} s  {score.error or ''}")
    print(f"  drawn: {result.model} (beats naive: {result.beats_baseline})")


def synthetic_hourly(entities: int, days: int, spiked: float = 0.0) -> pl.DataFrame:
    """Return ``time, entity_id, value`` hourly rows with daily rhythms and noise.

    A ``spiked`` share of the entities has one hour at three times its value: each of those
    needs its own forest (the worst case for the unusual-days run is ``spiked=1``).
    """
    rng = np.random.default_rng(0)
    hours = np.arange(days * 24)
    start = END - timedelta(days=days)
    times = pl.datetime_range(
        start, END - timedelta(hours=1), "1h", eager=True, time_zone="UTC", time_unit="us"
    )
    level = rng.uniform(1, 500, entities)[:, None]
    phase = rng.uniform(0, 24, entities)[:, None]
    values = level * (1 + 0.4 * np.cos(2 * np.pi * (hours % 24 - phase) / 24))
    values = values + rng.normal(0, 1, values.shape) * level * 0.08
    spikes = np.flatnonzero(rng.random(entities) < spiked)
    values[spikes, rng.integers(0, hours.size, spikes.size)] *= 3
    return pl.DataFrame(
        {
            "time": pl.concat([times] * entities),
            "entity_id": np.repeat([f"sensor.e{i:04d}" for i in range(entities)], hours.size),
            "value": values.ravel(),
        }
    )


def bench_anomalies(entities: int, days: int, spiked: float = 0.0) -> None:
    """Print the time and peak memory of the anomaly analysis over synthetic profiles."""
    from analytics.unusual import (
        Floats,
        forest_score_z,
        silent_entities,
        unusual_days,
        unusual_hours,
    )

    hourly = synthetic_hourly(entities, days, spiked)
    forests = 0

    def counted(days: Floats, *, seed: int) -> Floats:
        nonlocal forests
        forests += 1
        return forest_score_z(days, seed=seed)

    activity = hourly.select(
        "time", "entity_id", pl.lit(12.0).alias("reports"), pl.lit(END).alias("last_seen")
    )
    wall, cpu = time.perf_counter(), time.process_time()
    found_days = unusual_days(hourly, tz="Europe/Amsterdam", scorer=counted)
    days_s = time.perf_counter() - wall
    found_hours = unusual_hours(hourly, tz="Europe/Amsterdam", skip_days=found_days)
    silent = silent_entities(activity, now=END, window=timedelta(days=days))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rss = peak_rss_mb()
    ok = wall <= ANOMALY_TARGET_S and rss <= ANOMALY_TARGET_MB
    print(
        f"anomalies {entities} entities x {days} days: {wall:.1f} s wall, {cpu:.1f} s CPU, "
        f"peak RSS {rss:.0f} MB (targets <= {ANOMALY_TARGET_S:.0f} s, "
        f"<= {ANOMALY_TARGET_MB:.0f} MB: {'OK' if ok else 'OVER'}); found {len(found_days)} "
        f"days, {len(found_hours)} hours, {len(silent)} silent; unusual days took "
        f"{days_s:.1f} s wall with {forests} of {entities} entities' forests fitted"
    )


def bench_store(data_dir: Path, days: int) -> None:
    """Print the time of the full anomaly run (store reads included) on ``data_dir``."""
    from homeiq.anomaly_scan import scan_anomalies
    from storage.factory import open_store

    store = open_store(backend="embedded", data_dir=data_dir)
    try:
        wall = time.perf_counter()
        report = scan_anomalies(store, days=7, tz="Europe/Amsterdam")
        wall = time.perf_counter() - wall
    finally:
        store.close()
    print(
        f"store anomaly run over {report.entities} entities ({days} days of context): "
        f"{wall:.1f} s, {len(report.findings)} findings, peak RSS {peak_rss_mb():.0f} MB"
    )


def main() -> None:
    """Parse arguments and run both benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--entities", type=int, default=1000)
    parser.add_argument("--anomaly-days", type=int, default=30)
    parser.add_argument(
        "--anomaly-spiked",
        type=float,
        default=0.0,
        help="share of entities given one hour at 3x (1 = every entity needs a forest)",
    )
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    bench_forecast(args.days, args.seed)
    bench_anomalies(args.entities, args.anomaly_days, args.anomaly_spiked)
    if args.data_dir is not None:
        bench_store(args.data_dir, args.anomaly_days)


if __name__ == "__main__":
    main()
