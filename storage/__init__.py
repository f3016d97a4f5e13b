"""Time-series storage (embedded Parquet read through DuckDB, or InfluxDB 3) and metadata."""
