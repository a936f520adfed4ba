"""Small presentation helpers shared by the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from mednec.facts.dictionary import FactDef

__all__ = ["value_text"]


def _num(x: float) -> str:
    return f"{x:g}"


def _transfusions(value: list[Any] | tuple[Any, ...]) -> str:
    units = sum(float(e.get("units", 0) or 0) for e in value if isinstance(e, dict))
    return f"{len(value)} transfusion{'s' if len(value) != 1 else ''} ({_num(units)} units)" if value else "none"


def _esa_history(value: list[Any] | tuple[Any, ...]) -> str:
    if not value:
        return "none (ESA-naive)"
    return "; ".join(f"{e.get('drug', 'ESA')} from {e.get('start', '?')}"
                     f"{' to ' + str(e['end']) if e.get('end') else ''}, response: {e.get('response', '?')}"
                     for e in value if isinstance(e, dict))


def _medication_history(value: list[Any] | tuple[Any, ...]) -> str:
    if not value:
        return "none"
    return "; ".join(f"{e.get('drug', '?')}: documented as never given" if e.get("response") == "not_given"
                     else f"{e.get('drug', '?')}, response: {e.get('response', '?')}"
                     for e in value if isinstance(e, dict))


#: events facts worded in full; any other list reads "N recorded"
_EVENT_TEXT = {"rbc_transfusions": _transfusions, "esa_history": _esa_history, "medication_history": _medication_history}


def value_text(value: Any, unit: str | None, fd: FactDef | None) -> str:
    """A fact value as a person reads it: '8.1 g/dL', 'yes', 'very low', '6 transfusions (6 units)'."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, int | float):
        return f"{_num(value)} {unit}".strip() if unit else _num(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        words = _EVENT_TEXT.get(fd.id) if fd is not None else None
        if words is not None:
            return words(value)
        return f"{len(value)} recorded" if value else "none"
    if isinstance(value, str) and fd is not None and value in fd.values:
        label = fd.values[value].label
        return f"{label} ({value})" if fd.id == "diagnosis" else label
    return "" if value is None else str(value)
