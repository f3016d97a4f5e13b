"""An InfluxDB 3 STAND-IN for tests (not InfluxDB): see ``server.py`` for what it is and is not."""

from tests.support.influx_standin.server import InfluxStandIn

__all__ = ["InfluxStandIn"]
