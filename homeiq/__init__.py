"""HomeIQ Workbench: command line, settings and the simulated home."""
