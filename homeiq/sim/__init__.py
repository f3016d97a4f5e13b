"""The simulated home: a seeded, realistic Home Assistant history with planted routines."""

from homeiq.sim.catalog import MIN_ENTITIES, build_catalog
from homeiq.sim.home import SimResult, simulate_home
from homeiq.sim.truth import GROUND_TRUTH_FILE

__all__ = ["GROUND_TRUTH_FILE", "MIN_ENTITIES", "SimResult", "build_catalog", "simulate_home"]
