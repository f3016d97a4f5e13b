"""Ingest worker tests."""
