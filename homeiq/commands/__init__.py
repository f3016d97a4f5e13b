"""Command groups of the homeiq CLI; each module has register(app)."""
