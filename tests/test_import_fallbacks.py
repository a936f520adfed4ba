"""No import fallbacks for packages that are always installed: an import error inside mednec is a
bug and surfaces as one; only a missing optional extra becomes a message naming the extra."""

from __future__ import annotations

import ast
from pathlib import Path

from mednec.extras import MissingExtraError, missing_extra

SRC = Path(__file__).resolve().parents[1] / "src" / "mednec"


def test_a_missing_extra_is_named() -> None:
    err = missing_extra(ModuleNotFoundError("No module named 'medspacy'", name="medspacy"))
    assert isinstance(err, MissingExtraError) and err.extra == "notes" and "mednec[notes]" in err.message
    assert missing_extra(ModuleNotFoundError("x", name="fhir.resources.R4B")).extra == "fhir"  # type: ignore[union-attr]


def test_any_other_import_failure_is_not_a_missing_extra() -> None:
    assert missing_extra(ModuleNotFoundError("No module named 'mednec.nope'", name="mednec.nope")) is None
    assert missing_extra(ImportError("cannot import name 'answer' from 'mednec.ask'")) is None


def test_no_module_catches_import_error() -> None:
    """``except ImportError`` hid real bugs (one turned any import error inside ask.answer() into
    'not available yet'); catch ModuleNotFoundError and ask extras.missing_extra instead."""
    found = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ExceptHandler) and isinstance(node.type, ast.Name) and node.type.id == "ImportError":
                found.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert found == []
