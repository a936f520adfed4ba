"""Treatment courses from ``medication_history``: each entry resolved once, for step-therapy criteria.

A policy's step-therapy leaf (``fact: medication_history`` with ``tried:``, see
:mod:`mednec.policies.steps`) reads these courses: the engine resolves them with the evaluation
date and the pack's drug names before the criteria run (:func:`mednec.policies.steps.with_courses`).
Per entry:

* ``drug``: the generic name (by any name the pack knows, :class:`DrugVocabulary`), else the entry
  as written, lower case; ``classes``: its class ids, space-separated;
* ``weeks``: from ``start`` to ``end`` (or to the evaluation date when it has no end), in weeks;
  unknown (absent) without a start; 0 for a drug never given (contraindicated);
* ``dose`` in mg when the entry gives one in mg, g or mcg (``dose_unit``; a bare dose is taken as
  mg); ``intensity``: the entry's, else for a statin from drug and daily dose (2018 AHA/ACC Table 1,
  :func:`mednec.calculators.statins.statin_intensity`);
* ``outcome``: why it ended -- ``reason_stopped`` when given, else from ``response``: none ->
  inadequate_response, partial -> partial_response, lost_response, intolerant -> intolerance,
  contraindicated -> contraindication, ongoing, response; ``unknown`` when neither says.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from mednec.calculators.statins import statin_intensity
from mednec.facts.drugs import DrugVocabulary

__all__ = ["OUTCOMES", "courses"]

OUTCOMES = ("ongoing", "inadequate_response", "partial_response", "lost_response", "intolerance",
            "contraindication", "response", "completed", "other", "unknown")
_FROM_RESPONSE = {"none": "inadequate_response", "partial": "partial_response", "lost_response": "lost_response",
                  "intolerant": "intolerance", "contraindicated": "contraindication", "ongoing": "ongoing",
                  "response": "response"}
_MG = {"mg": 1.0, "milligram": 1.0, "milligrams": 1.0, "g": 1000.0, "gram": 1000.0, "grams": 1000.0,
       "mcg": 0.001, "ug": 0.001, "µg": 0.001, "microgram": 0.001, "micrograms": 0.001}


def _outcome(entry: dict[str, Any]) -> str:
    if entry.get("reason_stopped"):
        return str(entry["reason_stopped"])
    return _FROM_RESPONSE.get(str(entry.get("response") or ""), "unknown")


def _dose_mg(entry: dict[str, Any]) -> float | None:
    dose = entry.get("dose")
    if dose is None:
        return None
    unit = str(entry.get("dose_unit") or "mg").strip().lower()
    factor = _MG.get(unit.split("/")[0].strip())  # "mg/day" -> mg
    return None if factor is None else float(dose) * factor


def courses(history: list[dict[str, Any]], as_of: dt.date, drugs: DrugVocabulary) -> list[dict[str, Any]]:
    """One resolved course per ``medication_history`` entry, in the history's order."""
    out = []
    for e in history:
        written = str(e.get("drug", ""))
        entry = drugs.entry(written)
        generic = entry.generic if entry else written.strip().lower()
        outcome = _outcome(e)
        c: dict[str, Any] = {"drug": generic, "classes": " ".join(entry.classes) if entry else "", "outcome": outcome}
        start, end = e.get("start"), e.get("end")
        if outcome == "contraindication" and start is None:
            c["weeks"] = 0.0
        elif isinstance(start, dt.date):
            stop = end if isinstance(end, dt.date) else as_of
            c["weeks"] = round(max(0, (stop - start).days) / 7.0, 2)
        mg = _dose_mg(e)
        if mg is not None:
            c["dose"] = mg
        intensity = e.get("intensity") or (statin_intensity(generic, mg) if mg is not None else None)
        if intensity:
            c["intensity"] = str(intensity)
        out.append(c)
    return out
