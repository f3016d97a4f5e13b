"""Exceptions the storage layer raises; callers catch these, never a driver's own."""

from __future__ import annotations


class StoreError(Exception):
    """Base class for every storage failure; the message says what to check."""


class StoreUnavailable(StoreError):
    """The store cannot be reached or opened right now (retry later)."""


class StoreWriteError(StoreError):
    """A batch could not be written; nothing of it is confirmed as stored."""


class StoreLocked(StoreError):
    """Another process holds the single-writer lock of the embedded store."""


class InvalidQuery(StoreError, ValueError):
    """The caller asked for something malformed (bad bucket, bad range, bad agg)."""
