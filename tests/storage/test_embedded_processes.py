"""The embedded store across processes: one writer, concurrent readers, crashes, a second writer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from storage.embedded import EmbeddedStore
from storage.errors import StoreLocked
from tests.storage.writer_process import START, batch

ROOT = Path(__file__).resolve().parents[2]
BATCH = 200
SPAN = (START, START + timedelta(days=1))


@contextmanager
def writer(store_dir: Path, *args: str) -> Iterator[subprocess.Popen[str]]:
    """Start a writer subprocess, wait for its first write, and kill it on exit."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.storage.writer_process", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def test_reader_sees_whole_batches_while_another_process_writes(tmp_path: Path) -> None:
    reader = EmbeddedStore(tmp_path)
    seen: list[int] = []
    with writer(tmp_path, "loop", str(tmp_path), str(BATCH)):
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            frame = reader.read(None, *SPAN)
            stats = reader.stats()
            # A batch is visible whole or not at all, never twice.
            assert frame.height % BATCH == 0
            assert frame.unique(["entity_id", "time", "source"]).height == frame.height
            assert stats.events >= frame.height
            counts = reader.aggregate(["sensor.e0000"], *SPAN, "1d", "count")
            assert counts["value"].sum() >= frame.height / BATCH
            seen.append(frame.height)
    assert seen == sorted(seen)
    assert seen[-1] > seen[0] > 0
    reader.close()


def test_writer_killed_mid_write_leaves_a_store_that_answers(tmp_path: Path) -> None:
    with writer(tmp_path, "loop", str(tmp_path), "5000") as proc:
        time.sleep(2.5)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    store = EmbeddedStore(tmp_path)
    frame = store.read(None, *SPAN)
    assert frame.height > 0
    assert frame.height % 5000 == 0
    assert store.stats().events == frame.height
    assert store.health().ok
    # The kernel dropped the dead writer's lock: this process can write, and orphans are gone.
    next_index = frame.height // 5000
    assert store.write(batch(next_index, 5000)).written == 5000
    leftovers = [p for p in tmp_path.rglob("*.tmp")]
    assert leftovers == []
    assert store.stats().events == frame.height + 5000
    store.close()


def test_second_writer_gets_store_locked_naming_the_holder(tmp_path: Path) -> None:
    with writer(tmp_path, "hold", str(tmp_path)) as proc:
        store = EmbeddedStore(tmp_path)
        assert store.read(None, *SPAN).height == 1
        with pytest.raises(StoreLocked, match=f"process {proc.pid}"):
            store.write(batch(1, 3))
        store.close()


def test_compaction_keeps_few_files_per_day(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path, small_files=4)
    for index in range(30):
        store.write(batch(index, 10))
    # 300 rows in size tiers of 4: at most 3 files in each of the tiers 10, 40 and 160 rows.
    assert store.live_files() <= 9
    assert store.stats().events == 300
    assert store.read(None, *SPAN).height == 300
    store.close()
