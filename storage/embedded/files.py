"""On-disk pieces of the embedded store: the writer lock and crash-safe Parquet files."""

from __future__ import annotations

import fcntl
import logging
import os
import uuid
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from storage.errors import StoreLocked, StoreWriteError
from storage.events import EVENT_SCHEMA

log = logging.getLogger(__name__)

LOCK_NAME = "writer.lock"
TMP_SUFFIX = ".tmp"


class WriterLock:
    """An fcntl lock file held by the one process allowed to write; the kernel drops it on exit."""

    def __init__(self, root: Path) -> None:
        self.path = root / LOCK_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Return whether this process holds the lock."""
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock or raise StoreLocked naming the process that holds it."""
        if self._fd is not None:
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise StoreLocked(
                f"the embedded store {self.path.parent} is being written by process {holder}; "
                "only one writer (the ingest worker or homeiq demo) may run at a time - "
                "stop the other one or point HOMEIQ_DATA_DIR elsewhere"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Drop the lock if held."""
        if self._fd is None:
            return
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None


def fsync_dir(folder: Path) -> None:
    """Flush a directory entry so a rename in it survives power loss."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_parquet_atomic(frame: pl.DataFrame, folder: Path) -> tuple[Path, int]:
    """Write ``frame`` to a new file in ``folder`` (tmp, fsync, rename); return path and bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{uuid.uuid4().hex}.parquet"
    tmp = final.with_name(final.name + TMP_SUFFIX)
    try:
        with open(tmp, "wb") as handle:
            frame.write_parquet(handle, compression="zstd", statistics=True, row_group_size=122_880)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, final)
        fsync_dir(folder)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise StoreWriteError(
            f"cannot write {final} ({err}); check free disk space and folder permissions"
        ) from err
    return final, final.stat().st_size


def remove_quietly(paths: list[Path]) -> None:
    """Delete files that are no longer in the catalog; a reader may still retry past them."""
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError as err:
            log.warning("could not delete retired file %s: %s", path, err)


def scan_events(paths: Sequence[str | Path]) -> pl.LazyFrame:
    """Return a lazy scan of raw event files as EVENT_SCHEMA.

    Files written before a column was added lack it; it reads as null, so old and new
    files scan together.
    """
    return pl.scan_parquet([str(p) for p in paths], schema=EVENT_SCHEMA, missing_columns="insert")
