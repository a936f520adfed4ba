"""No function is graded E or F by radon (cyclomatic complexity 31 or more).

Twelve functions were graded E or F when this test was written; all have been broken up. A new E
or F function fails (break it up: ``radon cc -s -n E src``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

radon = pytest.importorskip("radon.complexity", reason="radon is a test extra")

SRC = Path(__file__).resolve().parents[1] / "src"

#: Functions graded E or F that are yet to be broken up (none left).
KNOWN: set[str] = set()


def graded_e_or_f() -> set[str]:
    out = set()
    for path in sorted((SRC / "mednec").rglob("*.py")):
        for block in radon.cc_visit(path.read_text(encoding="utf-8")):
            if radon.cc_rank(block.complexity) in ("E", "F"):
                out.add(f"{path.relative_to(SRC).as_posix()}:{block.fullname}")
    return out


def test_no_function_is_graded_e_or_f_beyond_the_known_ones() -> None:
    found = graded_e_or_f()
    assert sorted(found - KNOWN) == [], "break the new function up (radon cc -s -n E src)"
    assert sorted(KNOWN - found) == [], "no longer E or F: remove it from KNOWN"
