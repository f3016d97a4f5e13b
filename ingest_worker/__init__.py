"""ingest_worker package."""
