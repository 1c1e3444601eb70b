"""The package type-checks under mypy --strict (it ships `py.typed`, so its hints are a promise to users).

`.ci/run` runs the same check as its own step (`python -m mypy`, configured in pyproject.toml),
so the default test run leaves this test out (marker `typecheck`); `python -m pytest -m typecheck`
runs it. It keeps mypy's cache in `.mypy_cache/`, so a second run only re-checks what changed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.typecheck
def test_mypy_is_clean() -> None:
    pytest.importorskip("mypy")
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
