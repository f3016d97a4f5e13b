"""The analysis service: ``run_analysis`` and what it returns (see service.py)."""

from homeiq.analysis.service import AnalysisOutcome, run_analysis

__all__ = ["AnalysisOutcome", "run_analysis"]
