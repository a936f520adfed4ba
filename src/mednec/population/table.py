"""The fact table: one row per patient, one column per fact, named from the fact dictionary.

================  ==========================================================================
column            holds
================  ==========================================================================
``patient_id``    the patient's identifier (required; numbers are read as text)
``as_of``         the row's evaluation date (optional; ``--as-of`` overrides it)
``<fact>``        the fact's value as a case file writes it: a number in the canonical unit
                  (or with ``<fact>_unit``), text such as ``"81 g/L"``, a boolean, a category
                  key, label or synonym, a date; empty = not documented (unknown)
``<fact>_unit``   the unit of a number fact's value, row by row (``g/L``, ``K/uL``)
``<fact>_date``   the date the value was observed
``<events>``      an events fact (``rbc_transfusions``, ``esa_history``, ...): a list of
                  structs in Parquet, or its JSON text (``[{"date": "2026-09-01", "units": 2}]``)
================  ==========================================================================

Each row becomes exactly the case mapping a case file would give (:func:`row_case`), so a
row is checked and evaluated like a case file, with the same error messages.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mednec.errors import CaseFormatError, InputError
from mednec.facts.dictionary import FactDictionary

__all__ = ["PATIENT_COLUMN", "TableLayout", "row_case", "table_layout"]

PATIENT_COLUMN = "patient_id"
AS_OF_COLUMN = "as_of"
_PATIENT_FACTS = ("birth_date", "sex", "age")


@dataclass(frozen=True)
class FactColumns:
    """The columns one fact uses in a table."""

    fact: str
    value: str
    unit: str | None
    date: str | None
    events: bool


@dataclass(frozen=True)
class TableLayout:
    """Which columns of a table hold which fact."""

    facts: tuple[FactColumns, ...]
    has_as_of: bool

    @property
    def fact_ids(self) -> tuple[str, ...]:
        return tuple(f.fact for f in self.facts)


def table_layout(columns: Iterable[str], dictionary: FactDictionary) -> TableLayout:
    """Check a table's column names against the fact dictionary and say which fact each holds.

    An unknown column, or one for a fact mednec only calculates, is refused with the nearest
    names (a misspelt column would otherwise silently make a fact unknown for every patient).
    """
    names = list(columns)
    if PATIENT_COLUMN not in names:
        raise InputError(f"the table has no {PATIENT_COLUMN!r} column (columns: {', '.join(names[:12])})",
                         field=PATIENT_COLUMN)
    seen = set(names)
    if len(seen) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})[0]
        raise InputError("a column name is used twice", field=dup)
    facts: list[FactColumns] = []
    used = {PATIENT_COLUMN, AS_OF_COLUMN}
    allowed: list[str] = [PATIENT_COLUMN, AS_OF_COLUMN]
    for fd in dictionary.facts.values():
        allowed.append(fd.id)
        if fd.type == "number":
            allowed.append(f"{fd.id}_unit")
        if fd.type != "events":
            allowed.append(f"{fd.id}_date")
        if fd.id not in seen:
            continue
        if not fd.may_give:
            raise InputError(f"{fd.id} is calculated by mednec ({fd.derived_by}); give its inputs instead",
                             field=fd.id)
        unit = f"{fd.id}_unit" if fd.type == "number" and f"{fd.id}_unit" in seen else None
        date = f"{fd.id}_date" if fd.type != "events" and f"{fd.id}_date" in seen else None
        facts.append(FactColumns(fd.id, fd.id, unit, date, fd.type == "events"))
        used |= {fd.id, *(c for c in (unit, date) if c)}
    for name in names:
        if name in used:
            continue
        near = difflib.get_close_matches(name, allowed, n=2, cutoff=0.6)
        hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
        base = name.removesuffix("_unit").removesuffix("_date")
        why = f"it qualifies {base!r}, which is not a column" if base != name and base in dictionary.facts \
            else "not a fact of the fact dictionary"
        raise InputError(f"unknown column {name!r} ({why}){hint} (see `mednec facts`)", field=name)
    return TableLayout(tuple(facts), AS_OF_COLUMN in seen)


def _date_text(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _events(raw: Any, field: str) -> Any:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise CaseFormatError(f"expected a JSON list of events, got malformed JSON ({exc.msg})",
                                  field=field) from None
    if isinstance(raw, list):
        # Parquet structs carry every field; an absent optional field is null there.
        return [{k: _date_text(v) for k, v in e.items() if v is not None} if isinstance(e, Mapping) else e
                for e in raw]
    return raw


def row_case(row: Mapping[str, Any], layout: TableLayout) -> dict[str, Any]:
    """One table row as a case mapping (``patient``, ``facts``, ``as_of``)."""
    patient: dict[str, Any] = {}
    facts: dict[str, Any] = {}
    for fc in layout.facts:
        raw = row.get(fc.value)
        if raw is None:
            continue
        if isinstance(raw, float) and raw != raw:  # NaN in a CSV number column: not documented
            continue
        value: Any
        if fc.events:
            value = _events(raw, f"facts.{fc.fact}")
        else:
            unit = row.get(fc.unit) if fc.unit else None
            date = row.get(fc.date) if fc.date else None
            if unit is None and date is None:
                value = _date_text(raw)
            else:
                value = {"value": _date_text(raw)}
                if unit is not None:
                    value["unit"] = unit
                if date is not None:
                    value["date"] = _date_text(date)
        if fc.fact in _PATIENT_FACTS:
            patient[fc.fact] = value
        else:
            facts[fc.fact] = value
    case: dict[str, Any] = {"patient": patient, "facts": facts}
    if layout.has_as_of and row.get(AS_OF_COLUMN) is not None:
        case["as_of"] = _date_text(row[AS_OF_COLUMN])
    return case
