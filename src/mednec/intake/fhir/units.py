"""UCUM units on FHIR Quantities -> the unit keys of the fact dictionary.

A Quantity carries a machine unit (``code`` in ``system`` http://unitsofmeasure.org) and a
human one (``unit``). The UCUM code is tried first, through :data:`UCUM_TO_DICTIONARY`; then
the human unit as written (``g/dL``, ``K/uL``), which the dictionary's spelling-insensitive
matching accepts. UCUM annotations in braces (``{cells}/uL``) are dropped first.

Failing both, the spelling is looked up in the table of lab spellings (``lab_units.yaml``:
``x10E3/uL``, ``K/mcL``, ``10^3/mcL``, ``thou/cmm``, ``gm/dL``, ``cells/mcL``, ...), matched
ignoring case and spaces, with µ/μ/mc read as micro; each entry names the dictionary unit it is
and its meaning as a quantity, which the tests check with the pint unit library.

Conversion itself is the dictionary's job (``FactDef.convert``): this module only names the
unit, so a unit the dictionary does not accept fails with the fact's list of accepted units.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from importlib import resources
from typing import Any

import yaml

from mednec.errors import UnitError
from mednec.facts.dictionary import FactDef
from mednec.intake.fhir.codes import UCUM
from mednec.intake.memo import Bounded

__all__ = ["UCUM_TO_DICTIONARY", "lab_spellings", "quantity_unit", "spelling_key"]

#: UCUM code -> dictionary unit key (every key is declared in dictionary.yaml ``units``).
UCUM_TO_DICTIONARY: Mapping[str, str] = {
    # hemoglobin
    "g/dL": "g/dL",
    "g/L": "g/L",
    "mmol/L": "mmol/L",
    # platelets, ANC
    "10*9/L": "10^9/L",
    "10*3/uL": "10^3/uL",
    "10*3/mm3": "10^3/uL",
    "/uL": "/uL",
    "/mm3": "/mm3",
    # serum erythropoietin (UCUM writes the international unit [IU]; [iU] is its synonym)
    "m[IU]/mL": "m[IU]/mL",
    "m[iU]/mL": "m[IU]/mL",
    "[IU]/L": "[IU]/L",
    "[iU]/L": "[IU]/L",
    "mU/mL": "mU/mL",
    "U/L": "U/L",
    # body weight and height in US units (the FHIR R4 vital signs profile's bodyweight and bodyheight
    # bindings: kg, g, [lb_av]; cm, [in_i]), and the metric codes spelled out
    "[lb_av]": "lb",
    "[in_i]": "in",
    "[ft_i]": "ft",
    "kg": "kg",
    "g": "g",
    "cm": "cm",
    "m": "m",
    # percentages, counts, ages
    "%": "%",
    "a": "years",
    "1": "count",
    "{#}": "count",
}

_ANNOTATION = re.compile(r"\{[^}]*\}")


def _strip_annotations(code: str) -> str:
    stripped = _ANNOTATION.sub("", code)
    if code.startswith("{") and stripped.startswith("/"):
        return stripped  # {cells}/uL -> /uL
    return stripped or code


def spelling_key(unit: str) -> str:
    """A written unit folded for the spelling table: ``K/mcL`` -> ``k/ul``, ``x 10E3/µL`` -> ``10e3/ul``."""
    t = unit.strip().lower().replace(" ", "").replace("µ", "u").replace("μ", "u")
    t = re.sub(r"^[x×*]", "", t)
    return re.sub(r"mc(l|g)\b", r"u\1", t)


@functools.cache
def lab_spellings() -> Mapping[str, tuple[str, str]]:
    """Folded spelling -> (dictionary unit key, its meaning for pint), from ``lab_units.yaml``."""
    text = resources.files("mednec.intake.fhir").joinpath("lab_units.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return {spelling_key(str(k)): (str(v["key"]), str(v["pint"]))
            for group in data.values() for k, v in group.items()}


def _from_table(fd: FactDef, unit: str) -> str | None:
    found = lab_spellings().get(spelling_key(unit))
    return found[0] if found is not None and fd.accepts_unit(found[0]) else None


#: Units already named: (fact id, code, system, written unit) -> (the FactDef, the unit key). The
#: answer depends on nothing else, and a few units recur across every patient; a refusal is never
#: remembered (its message names its own field). Bounded: cleared when full.
_NAMED: Bounded[tuple[str, Any, Any, Any], tuple[FactDef, str | None]] = Bounded(4096)
_TEXT = (str, type(None))


def quantity_unit(fd: FactDef, quantity: Mapping[str, Any], *, path: str) -> str | None:
    """The dictionary unit key for a Quantity's unit, or ``None`` when it has no unit.

    Raises :class:`UnitError` (field ``path``) when neither the UCUM code nor the written unit
    is accepted for the fact.
    """
    code = quantity.get("code")
    system = quantity.get("system")
    written = quantity.get("unit")
    if code.__class__ not in _TEXT or system.__class__ not in _TEXT or written.__class__ not in _TEXT:
        return _unit_key(fd, code, system, written, path)
    key = (fd.id, code, system, written)
    hit = _NAMED.get(key)
    if hit is not None and hit[0] is fd:
        return hit[1]
    return _NAMED.keep(key, (fd, _unit_key(fd, code, system, written, path)))[1]


def _unit_key(fd: FactDef, code: Any, system: Any, written: Any, path: str) -> str | None:
    tried: list[str] = []
    if code and (system in (None, UCUM)):
        for candidate in (str(code), _strip_annotations(str(code))):
            mapped = UCUM_TO_DICTIONARY.get(candidate, candidate)
            if fd.accepts_unit(mapped):
                return mapped
        tried.append(f"UCUM {code!r}")
    if written:
        if fd.accepts_unit(str(written)):
            return str(written)
        tried.append(repr(written))
    for spelled in (str(written or ""), str(code or "")):
        key = _from_table(fd, spelled) if spelled else None
        if key is not None:
            return key
    if not tried:
        return None
    accepted = ", ".join(sorted(fd.units))
    raise UnitError(
        f"unit {' / '.join(tried)} is not accepted for {fd.label}; use one of: {accepted}",
        field=path,
    )
