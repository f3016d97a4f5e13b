"""torch must never be installed: darts is used with its torch-free models only."""

from __future__ import annotations

import importlib.util
import subprocess
import sys


def test_torch_is_not_importable() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import torch"], capture_output=True, text=True, check=False
    )
    assert result.returncode != 0, "torch is installed in the project environment; remove it"
    assert importlib.util.find_spec("torch") is None


def test_darts_imports_without_pulling_torch() -> None:
    code = "import sys, darts, darts.models; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
