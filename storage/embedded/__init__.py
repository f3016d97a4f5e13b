"""Embedded default time-series store: Parquet by UTC day, a SQLite catalog, DuckDB reads."""

from storage.embedded.store import EmbeddedStore

__all__ = ["EmbeddedStore"]
