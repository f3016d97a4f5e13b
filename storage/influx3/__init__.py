"""InfluxDB 3 backend of the time-series store (``HOMEIQ_STORE=influxdb3``)."""

from storage.influx3.store import InfluxStore

__all__ = ["InfluxStore"]
