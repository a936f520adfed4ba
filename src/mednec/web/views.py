"""Small presentation helpers shared by the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from mednec.facts.dictionary import FactDef

__all__ = ["value_text"]


def _num(x: float) -> str:
    return f"{x:g}"


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
        if fd is not None and fd.id == "rbc_transfusions":
            units = sum(float(e.get("units", 0) or 0) for e in value if isinstance(e, dict))
            return f"{len(value)} transfusion{'s' if len(value) != 1 else ''} ({_num(units)} units)" if value \
                else "none"
        if fd is not None and fd.id == "esa_history":
            if not value:
                return "none (ESA-naive)"
            return "; ".join(f"{e.get('drug', 'ESA')} from {e.get('start', '?')}"
                             f"{' to ' + str(e['end']) if e.get('end') else ''}, response: {e.get('response', '?')}"
                             for e in value if isinstance(e, dict))
        if fd is not None and fd.id == "medication_history" and value:
            return "; ".join(f"{e.get('drug', '?')}: documented as never given" if e.get("response") == "not_given"
                             else f"{e.get('drug', '?')}, response: {e.get('response', '?')}"
                             for e in value if isinstance(e, dict))
        return f"{len(value)} recorded" if value else "none"
    if isinstance(value, str) and fd is not None and value in fd.values:
        label = fd.values[value].label
        return f"{label} ({value})" if fd.id == "diagnosis" else label
    return "" if value is None else str(value)
