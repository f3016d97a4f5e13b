"""darts and scikit-learn load only when a forecast or an anomaly run is computed."""

from __future__ import annotations

import subprocess
import sys

from app.pages import ROOT


def test_cli_kiosk_and_services_import_neither_darts_nor_sklearn() -> None:
    code = (
        "import sys, homeiq.cli, homeiq.forecasting, homeiq.anomaly_scan, app.services.kiosk, "
        "app.services.forecast, app.services.anomalies; "
        "print(sorted(m for m in ('darts', 'sklearn', 'statsmodels', 'torch') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
