"""The code stays within the project's lint rules (ruff: E, W, F, I, B, UP)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_is_clean() -> None:
    beside = Path(sys.executable).parent / "ruff"  # the one the test extras installed
    ruff = str(beside) if beside.exists() else shutil.which("ruff")
    assert ruff, "ruff is installed with the test extras: pip install '.[test]'"
    result = subprocess.run([ruff, "check", "bot", "handlers", "storage", "tests", "bench"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
