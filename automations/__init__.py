"""Pure automation logic: suggestion candidates, HA config rendering, replay, coverage."""
