"""Benchmark of ``homeiq analyze`` on the simulated home; prints measured numbers.

Run: ``.venv/bin/python bench/analyze.py [--entities 1000] [--days 30] [--data-dir DIR]``.

Fills a fresh data dir with ``homeiq demo`` (``--days`` + 2 days, so the analysed window is
whole), unless ``--data-dir`` already holds one, then runs ``homeiq analyze --json`` in a
child process with no event cap and prints its wall time, peak RSS, events read, patterns
and suggestions. Target (issue 12): <= 60 s and <= 1 GB for 1,000 entities x 30 days.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The child runs the real CLI and reports its own peak RSS (KiB on Linux) when it exits.
CHILD = (
    "import atexit, resource, sys\n"
    "atexit.register(lambda: print('PEAK_RSS_KB', resource.getrusage(resource.RUSAGE_SELF)"
    ".ru_maxrss, file=sys.stderr))\n"
    "from homeiq.cli import app\n"
    "sys.argv = ['homeiq', 'analyze', '--json', '--days', sys.argv[1]]\n"
    "app()\n"
)


def _env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "HOMEIQ_DATA_DIR": str(data_dir),
            "HOMEIQ_STORE": "embedded",
            "PYTHONPATH": str(ROOT),
            "HOMEIQ_LOG_LEVEL": "WARNING",
        }
    )
    return env


def _place_env(data_dir: Path) -> dict[str, str]:
    # The simulated home's own place, from its ground truth when it records one.
    truth_path = data_dir / "sim_ground_truth.json"
    truth = json.loads(truth_path.read_text(encoding="utf-8")) if truth_path.exists() else {}
    location = truth.get("location") or {}
    if "latitude" not in location:
        sys.path.insert(0, str(ROOT))
        from homeiq.sim import world

        location = {"latitude": world.LATITUDE, "longitude": world.LONGITUDE}
    return {
        "HOMEIQ_TIMEZONE": str(truth.get("timezone") or "UTC"),
        "HOMEIQ_LATITUDE": str(location["latitude"]),
        "HOMEIQ_LONGITUDE": str(location["longitude"]),
    }


def main() -> None:
    """Print wall time and peak RSS of one ``homeiq analyze`` run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entities", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="homeiq-bench-analyze-"))
    env = _env(data_dir)
    if not (data_dir / "store").exists():
        began = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "homeiq.cli", "demo", "--days", str(args.days + 2),
             "--entities", str(args.entities)],
            env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        print(f"demo {args.entities} entities x {args.days + 2} days: "
              f"{time.perf_counter() - began:.1f} s")  # fmt: skip
    env |= _place_env(data_dir)
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(args.days)],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    wall = time.perf_counter() - began
    peak_kb = next(
        int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("PEAK_RSS_KB")
    )
    payload = json.loads(done.stdout)
    run = payload["run"]
    print(f"analyze: wall {wall:.1f} s (run {run['seconds']:.1f} s), "
          f"peak RSS {peak_kb / 1024:.0f} MiB, events read {run['events_read']:,}, "
          f"suggestions {len(payload['suggestions'])}")  # fmt: skip
    for s in payload["suggestions"]:
        print(f"  {s['automation']['alias']}  (confidence {s['confidence']:.2f})")
    print(f"data dir: {data_dir}")


if __name__ == "__main__":
    main()
