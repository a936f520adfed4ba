"""ICD-10-CM codes as intake meets them, and the facts a code gives: one rule for case files, questions, notes
and FHIR.

A code is written with or without its dot and in either case (``I21.4``, ``I214``, ``i21.4``), alone or followed
by its description (``"I21.4 NSTEMI"``); :func:`canonical` gives the tabular form (``I21.4``). A boolean fact's
ICD-10-CM codes in the fact dictionary (``codes:``) name the codes that establish it, each with every code under
it in the tabular (:func:`under`): ``type2_diabetes`` lists the category E11, so E11.65 and E11.3553 give it;
``prior_ischemic_stroke`` lists I63.0 ... I63.5, I63.8 and I63.9 (not the category I63, whose I63.6 is a venous
infarction), so I63.512 gives it and I63.6 does not. A code is listed at the level where every code beneath it
has the fact's meaning (checked in the FY2026 tabular for each listed code; facts/references.yaml). A number
fact's ``code_ranges`` name its value as a range (Z68.35: a BMI of 35.0-35.9; :func:`code_ranges`).
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mednec.facts.dictionary import FactDictionary

__all__ = ["canonical", "code_facts", "code_ranges", "under"]

#: a code as written: three characters (letter, digit, digit or letter), then up to four more, after a dot or not
_WRITTEN = re.compile(r"([A-Z]\d[0-9A-Z])(?:\.?([0-9A-Z]{1,4}))?")
#: what may follow a code: nothing, or a separator and its description ("I21.4 NSTEMI", "D46.21 - RAEB-1")
_AFTER = re.compile(r"(?:[\s:,;-].*)?", re.S)


def canonical(text: str) -> str | None:
    """The ICD-10-CM code ``text`` writes (upper case, dotted after the category), alone or before a description;
    ``None`` when it does not begin with one."""
    t = text.strip().upper()
    m = _WRITTEN.match(t)
    if m is None or not _AFTER.fullmatch(t, m.end()):
        return None
    return m.group(1) + (f".{m.group(2)}" if m.group(2) else "")


def _compact(code: str) -> str:
    return code.replace(".", "").upper()


def under(code: str, listed: str) -> bool:
    """``code`` is ``listed`` or a code beneath it in the tabular (E11.65 under E11, I63.81 under I63.8)."""
    return _compact(code).startswith(_compact(listed))


@cache
def _listed(dictionary: FactDictionary) -> tuple[tuple[str, str], ...]:
    """Each boolean fact with each ICD-10-CM code it lists, in dictionary order."""
    return tuple((fid, c.code) for fid, fd in dictionary.facts.items() if fd.type == "boolean"
                 for c in fd.codes if c.system == "ICD-10-CM")


def code_facts(code: str, dictionary: FactDictionary) -> tuple[tuple[str, str], ...]:
    """(fact, the listed code it matched) for each boolean fact that lists ``code`` or a code above it."""
    seen: dict[str, str] = {}
    for fid, listed in _listed(dictionary):
        if fid not in seen and under(code, listed):
            seen[fid] = listed
    return tuple(seen.items())


@cache
def _ranged(dictionary: FactDictionary) -> tuple[tuple[str, str, float, float], ...]:
    """Each number fact with each ICD-10-CM code that names its value as a range (``code_ranges``)."""
    return tuple((fid, r.code.code, r.low, r.high) for fid, fd in dictionary.facts.items()
                 for r in fd.code_ranges if r.code.system == "ICD-10-CM")


def code_ranges(code: str, dictionary: FactDictionary) -> tuple[tuple[str, str, float, float], ...]:
    """(fact, the listed code, low, high) for each number fact a code names as a range: the deepest listed code at or
    above ``code`` (Z68.35 gives the BMI 35.0-35.9 of Z68.35, not the 30-39 of its heading Z68.3)."""
    best: dict[str, tuple[str, str, float, float]] = {}
    for fid, listed, low, high in _ranged(dictionary):
        if under(code, listed) and (fid not in best or len(_compact(listed)) > len(_compact(best[fid][1]))):
            best[fid] = (fid, listed, low, high)
    return tuple(best.values())
