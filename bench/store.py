"""Benchmark of the embedded store on the simulated home; prints measured numbers.

Run: ``.venv/bin/python bench/store.py [--entities 1000] [--days 90]``.

Prints the demo generation time (simulator only), the demo written into a fresh embedded
store (and the store's write throughput: events over the time spent beyond generation),
the time of a 1-entity raw read over the whole span and of an all-entities 1h mean over
the last 30 days, plus disk use and peak RSS. ``run_benchmarks`` is shared with
bench/influx.py.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402

from storage.protocol import TimeSeriesStore  # noqa: E402

BATCH = 5000


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = action()
    return time.perf_counter() - began, result


def run_benchmarks(store: TimeSeriesStore, frame: pl.DataFrame) -> dict[str, str]:
    """Return write/read/aggregate timings of ``frame`` on ``store`` as printable values."""
    start = frame.get_column("time").min()
    end = frame.get_column("time").max()
    assert isinstance(start, datetime) and isinstance(end, datetime)
    end += timedelta(seconds=1)
    out: dict[str, str] = {}
    seconds, _ = _timed(
        lambda: [store.write(frame.slice(i, BATCH)) for i in range(0, frame.height, BATCH)]
    )
    out["write (events/s)"] = f"{frame.height / seconds:,.0f}"
    again = frame.head(50_000)
    seconds, _ = _timed(
        lambda: [store.write(again.slice(i, BATCH)) for i in range(0, again.height, BATCH)]
    )
    out[f"re-write {again.height:,} dups (s)"] = f"{seconds:.2f}"
    seconds, rows = _timed(lambda: store.read(None, start, end))
    out["read all (s)"] = f"{seconds:.2f} ({rows.height:,} rows)"
    one = frame.get_column("entity_id")[0]
    seconds, rows = _timed(lambda: store.read([one], start, end))
    out["read 1 entity (s)"] = f"{seconds:.3f} ({rows.height:,} rows)"
    seconds, rows = _timed(lambda: store.aggregate(None, start, end, "1h", "mean"))
    out["aggregate 1h mean (s)"] = f"{seconds:.3f}"
    seconds, rows = _timed(lambda: store.aggregate(None, start, end, "1h", "increase"))
    out["aggregate 1h increase (s)"] = f"{seconds:.3f}"
    seconds, rows = _timed(lambda: store.latest())
    out["latest (s)"] = f"{seconds:.3f}"
    return out


def generation_only(entities: int, days: int, end: datetime) -> tuple[float, int]:
    """Return seconds and events the simulator takes to generate the home, storing nothing."""
    from homeiq.sim.catalog import build_catalog
    from homeiq.sim.home import home_frames

    began = time.perf_counter()
    events = 0
    specs = build_catalog(entities)
    for _, frame in home_frames(specs, seed=42, start=end - timedelta(days=days), end=end):
        events += frame.height
    return time.perf_counter() - began, events


def timed_store(folder: Path) -> Any:
    """Return an EmbeddedStore that adds the seconds spent in ``write`` to ``write_seconds``."""
    from storage.embedded import EmbeddedStore
    from storage.protocol import WriteResult

    class TimedStore(EmbeddedStore):
        write_seconds = 0.0

        def write(self, events: pl.DataFrame) -> WriteResult:
            began = time.perf_counter()
            try:
                return super().write(events)
            finally:
                self.write_seconds += time.perf_counter() - began

    return TimedStore(folder)


LIVE_WRITES = 300
LIVE_BATCH = 50


def live_writes(store: TimeSeriesStore, count: int) -> None:
    """Write ``count`` small batches of fresh events, as the ingest worker does."""
    base = datetime.now(UTC)
    for index in range(count):
        moment = base + timedelta(seconds=index)
        store.write(
            pl.DataFrame(
                {
                    "time": [moment] * LIVE_BATCH,
                    "entity_id": [f"sensor.live_{n}" for n in range(LIVE_BATCH)],
                    "state": [str(index)] * LIVE_BATCH,
                    "source": ["ha"] * LIVE_BATCH,
                }
            )
        )


def main() -> None:
    """Print the benchmark numbers."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--entities", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--dir", type=Path, default=None, help="keep the store here")
    args = parser.parse_args()

    from homeiq.sim import simulate_home

    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    print(f"simulated home: {args.entities} entities x {args.days} days, ending {end.date()}")
    gen_s, generated = generation_only(args.entities, args.days, end)
    print(f"demo generation (simulator only): {gen_s:.1f} s, {generated:,} events")

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.dir or Path(tmp) / "store"
        store = timed_store(folder)
        try:
            demo_s, result = _timed(
                lambda: simulate_home(store, days=args.days, entities=args.entities, end=end)
            )
            store_s = store.write_seconds
            print(f"demo into embedded store: {demo_s:.1f} s, {result.written:,} events written")
            print(
                f"write throughput: {result.written / store_s:,.0f} events/s "
                f"({store_s:.1f} s inside store.write)"
            )
            rerun_s, again = _timed(
                lambda: simulate_home(store, days=args.days, entities=args.entities, end=end)
            )
            print(f"demo rerun (all duplicates): {rerun_s:.1f} s, {again.written} new events")
            start = end - timedelta(days=args.days)
            for _ in range(2):  # the second run is what a warm app sees
                read_s, rows = _timed(lambda: store.read(["sensor.house_power"], start, end))
            print(f"1-entity {args.days}-day raw read: {read_s:.3f} s ({rows.height:,} rows)")
            month = end - timedelta(days=min(30, args.days))
            agg_s, agg = _timed(lambda: store.aggregate(None, month, end, "1h", "mean"))
            print(f"all-entities 1h mean over 30 days: {agg_s:.2f} s ({agg.height:,} rows)")
            inc_s, _ = _timed(
                lambda: store.aggregate(["sensor.house_energy"], start, end, "1d", "increase")
            )
            print(f"1-entity {args.days}-day daily increase: {inc_s:.3f} s")
            stream_s, streamed = _timed(
                lambda: sum(f.height for f in store.iter_read(None, start, end))
            )
            print(f"iter_read of everything: {stream_s:.1f} s ({streamed:,} rows)")
            live_s, _ = _timed(lambda: live_writes(store, LIVE_WRITES))
            print(
                f"live writes ({LIVE_WRITES} batches of {LIVE_BATCH} new events): "
                f"{live_s / LIVE_WRITES * 1000:.1f} ms per write"
            )
            stats_s, stats = _timed(store.stats)
            size = (stats.bytes_on_disk or 0) / 1e6
            print(f"stats: {stats_s * 1000:.1f} ms; {stats.events:,} events, {size:,.0f} MB")
            print(f"raw files in catalog: {store.live_files()}")
        finally:
            store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
