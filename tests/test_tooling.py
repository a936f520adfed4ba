"""The code stays typed (mypy strict) and lint-clean (ruff)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("tool", [["ruff", "check", "src"], ["mypy", "src/mednec"]])
def test_tool_passes(tool: list[str]) -> None:
    exe = shutil.which(tool[0])
    cmd = [exe, *tool[1:]] if exe else [sys.executable, "-m", *tool]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
