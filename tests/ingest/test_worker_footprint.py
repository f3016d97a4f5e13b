"""The worker's memory: its write path loads neither DuckDB nor Alembic (tens of MB each)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from storage.metadata import MetadataStore

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from storage.embedded import EmbeddedStore
from storage.events import conform
from storage.metadata import MetadataStore

root = Path(sys.argv[1])
MetadataStore(root / "homeiq.sqlite").close()
store = EmbeddedStore(root / "store", small_files=2)
start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
for shift in (-40 * 24 * 60, 0, 30, 15):  # overlapping batches: the dedup reads stored keys
    times = [start + timedelta(minutes=shift + i) for i in range(60)]
    store.write(conform(pl.DataFrame(
        {"time": times, "entity_id": "sensor.a", "state": "1", "source": "ha"}
    )))
assert store.apply_retention(30).raw_rows_deleted == 60  # rolled up, then dropped
print(sorted(
    m for m in ("duckdb", "alembic", "pyarrow") if m in sys.modules
))
"""


def test_writing_and_retention_load_neither_duckdb_nor_alembic(tmp_path: Path) -> None:
    MetadataStore(tmp_path / "homeiq.sqlite").close()  # migrated already, as after a first run
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.split() == ["[]"], done.stdout + done.stderr
