"""The layers of the architecture hold: the import-linter contract in pyproject.toml is kept.

storage imports nothing of ours; services import storage and each other only; handlers import
services and storage's model types, never storage's queries nor SQL; features never import each
other; only the composition root imports handlers; nothing imports in a circle.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept() -> None:
    beside = Path(sys.executable).parent / "lint-imports"  # the one the test extras installed
    lint_imports = str(beside) if beside.exists() else shutil.which("lint-imports")
    assert lint_imports, "import-linter is installed with the test extras: pip install '.[test]'"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # the working tree, not an installed copy
    result = subprocess.run([lint_imports, "--no-cache"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
