"""tests/support package."""
