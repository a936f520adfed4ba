"""What the columnar engine reproduces, fingerprinted: the source of the row-wise functions each
vectorised path was written against.

A vectorised path is used only while the row-wise code it mirrors is unchanged (same SHA-256 of
its source); otherwise the columnar engine takes its exact but slower route -- the case-file
parser for each value or row, a calculator's own ``run`` per patient, or the row-wise engine for
the chunk -- and says so in the run's notes. After changing the row-wise code, run the property
test (``tests/population/test_columnar.py``), update the vectorised path, and record the new
digest here (:func:`current`).
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable
from functools import cache
from typing import Any

__all__ = ["EXPECTED", "current", "matches"]


def _digest(*objs: Any) -> str:
    h = hashlib.sha256()
    for obj in objs:
        h.update(inspect.getsource(obj).encode())
    return h.hexdigest()[:16]


def _values() -> tuple[Any, ...]:
    from mednec.facts.dictionary import FactDef, normalize_unit
    from mednec.intake import values

    return (values.parse_date, values._parse_date, values._check_not_future, values._number, values._check_range,  # noqa: SLF001
            values._parse_number, values._parse_bool, values._parse_category, values._parse_event,  # noqa: SLF001
            values.parse_fact_value, values._parse_typed, FactDef.convert, FactDef.scale, FactDef.category_key,
            normalize_unit)  # noqa: SLF001


def _case() -> tuple[Any, ...]:
    from mednec.intake import case_file, values
    from mednec.population import table

    return (case_file.parse_case, case_file.check_contradictions, case_file._matches,  # noqa: SLF001
            values.parse_text_form, table.row_case, table._events)  # noqa: SLF001


def _derive() -> tuple[Any, ...]:
    from mednec.calculators.registry import Calculator, CalculatorSet

    return (CalculatorSet.derive, Calculator.ready, Calculator.compute)


PARTS: dict[str, Callable[[], tuple[Any, ...]]] = {"values": _values, "case": _case, "derive": _derive}

#: The digests the vectorised paths were written against.
EXPECTED: dict[str, str] = {"values": "f5441368b8af4bb5", "case": "496972cf7ae67441", "derive": "65f7180cdb25abdb"}


@cache
def current(part: str) -> str:
    """The digest of one part's row-wise source as it is now (read once per process: reading the
    source through :mod:`inspect` for every chunk cost more than evaluating it)."""
    return _digest(*PARTS[part]())


def matches(part: str) -> bool:
    """Whether the vectorised path of ``part`` still mirrors the row-wise code."""
    return EXPECTED.get(part) == current(part)
