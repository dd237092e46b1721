"""The code type-checks: mypy, with the settings of pyproject.toml, is clean on every package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_is_clean() -> None:
    beside = Path(sys.executable).parent / "mypy"  # the one the test extras installed
    mypy = str(beside) if beside.exists() else shutil.which("mypy")
    assert mypy, "mypy is installed with the test extras: pip install '.[test]'"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([mypy, "--no-incremental", "--cache-dir", os.devnull, "bot", "handlers", "storage"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
