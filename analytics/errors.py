"""Errors analytics functions raise when the data cannot answer the question."""


class InsufficientData(ValueError):
    """Too few usable points; the message says what was missing and what to do."""
