"""Write and read benchmarks of the InfluxDB 3 backend against the STAND-IN, beside embedded.

Run: ``.venv/bin/python bench/influx.py [--events N] [--entities E]``.

The InfluxDB column measures our backend (line-protocol encoding, HTTP writes, Flight SQL
reads, polars conversion) against ``tests/support/influx_standin``: a pure-Python line-protocol
parser and DataFusion over in-memory Arrow. THOSE NUMBERS ARE NOT InfluxDB's: a real InfluxDB
3 parses line protocol in Rust and would write much faster; its reads also touch disk.
Both columns run the same steps: ``run_benchmarks`` of ``bench/store.py``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402

from storage.events import conform  # noqa: E402

START = datetime(2026, 1, 1, tzinfo=UTC)
BATCH = 5000


def synthetic(events: int, entities: int) -> pl.DataFrame:
    """Return ``events`` numeric events spread over ``entities`` sensors, 10 s apart each."""
    index = pl.int_range(0, events, eager=True)
    frame = pl.DataFrame(
        {
            "time": pl.datetime_range(
                START, START + timedelta(seconds=events - 1), "1s", eager=True, time_zone="UTC"
            ),
            "entity_id": ("sensor.bench_" + (index % entities).cast(pl.String)),
            "state": ((index % 997) * 1.5).cast(pl.String),
            "source": ["sim"] * events,
            "unit": ["W"] * events,
            "attributes": ['{"state_class": "measurement"}'] * events,
        }
    )
    return conform(frame)


def main() -> None:
    """Print the benchmark table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--entities", type=int, default=150)
    args = parser.parse_args()

    from storage.influx3 import InfluxStore
    from tests.support.influx_standin import InfluxStandIn

    frame = synthetic(args.events, args.entities)
    from bench.store import run_benchmarks as bench

    columns: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        from storage.factory import open_store

        embedded = open_store(backend="embedded", data_dir=Path(tmp) / "embedded")
        try:
            columns["embedded"] = bench(embedded, frame)
        finally:
            embedded.close()
        with InfluxStandIn() as standin:
            influx = InfluxStore(
                host=standin.url, token=standin.token, database="bench", raw_retention_days=None
            )
            try:
                columns["influxdb3 (STAND-IN)"] = bench(influx, frame)
            finally:
                influx.close()
    names = list(columns)
    rows = list(next(iter(columns.values())))
    width = max(len(row) for row in rows) + 2
    print(f"{args.events:,} events, {args.entities} entities, batches of {BATCH}")
    print("".ljust(width) + "".join(name.ljust(28) for name in names))
    for row in rows:
        print(row.ljust(width) + "".join(columns[n].get(row, "-").ljust(28) for n in names))
    print(
        "\nThe stand-in column is NOT InfluxDB performance: the stand-in parses line protocol in\n"
        "pure Python and keeps tables in memory. It measures our client-side path only."
    )


if __name__ == "__main__":
    main()
