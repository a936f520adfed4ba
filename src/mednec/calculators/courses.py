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
  contraindicated -> contraindication, ongoing, response, not_given; stopped -> ``stopped`` (no longer taken,
  why not said: "no longer on atorvastatin", "came off Zepbound"); ``unknown`` when neither says.

A drug documented as never given (``response: not_given``: "never received lenalidomide", a FHIR
MedicationStatement ``not-taken``) is no course: its ``outcome`` is ``not_given`` and its weeks 0.
It may name a whole class (its id or label: "statin"), then ``classes`` is that class. A history
of nothing but ``not_given`` entries documents those drugs only (:func:`documents_all` is false):
"never received lenalidomide" says nothing of the patient's statins or ESAs. So does a history read
from a question or a note (each entry ``scope: named_only``): "failed lenalidomide" says nothing of
ESAs; within a class it names, the history is read as before (:func:`documents`). Such courses
carry ``named_only``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from mednec.calculators.statins import statin_intensity
from mednec.facts.days import describe_days
from mednec.facts.drugs import DrugVocabulary

__all__ = ["NAMED_ONLY", "NOT_GIVEN", "OUTCOMES", "STOPPED", "courses", "documents", "documents_all", "is_named_only",
           "is_not_given", "never_given", "start_questions", "start_range_weeks"]

NOT_GIVEN = "not_given"
#: a course that ended for a reason not stated: not ongoing, and any other outcome may be the one
STOPPED = "stopped"
NAMED_ONLY = "named_only"
OUTCOMES = ("ongoing", "inadequate_response", "partial_response", "lost_response", "intolerance",
            "contraindication", "response", "completed", "other", NOT_GIVEN, STOPPED, "unknown")
_FROM_RESPONSE = {"none": "inadequate_response", "partial": "partial_response", "lost_response": "lost_response",
                  "intolerant": "intolerance", "contraindicated": "contraindication", "ongoing": "ongoing",
                  "response": "response", NOT_GIVEN: NOT_GIVEN, STOPPED: STOPPED}
_MG = {"mg": 1.0, "milligram": 1.0, "milligrams": 1.0, "g": 1000.0, "gram": 1000.0, "grams": 1000.0,
       "mcg": 0.001, "ug": 0.001, "µg": 0.001, "microgram": 0.001, "micrograms": 0.001}


def is_not_given(entry: Mapping[str, Any]) -> bool:
    """True for an entry documenting a drug (or class) as never given."""
    return str(entry.get("response") or "") == NOT_GIVEN


def is_named_only(entry: Mapping[str, Any]) -> bool:
    """True for an entry that documents its drug only: never given, or read from a statement about
    that drug (``scope: named_only``, a question or a note)."""
    return is_not_given(entry) or str(entry.get("scope") or "") == NAMED_ONLY


def documents_all(history: Sequence[Mapping[str, Any]]) -> bool:
    """Whether the history is the whole treatment history (every drug not in it was not given): an
    empty list, or one with a course of its own (a case file's or an EHR list's); not a list of
    nothing but entries that document their own drug only (never given, or read from text)."""
    return not history or not all(is_named_only(e) for e in history)


def documents(history: Sequence[Mapping[str, Any]], drug_class: str, drugs: DrugVocabulary) -> bool:
    """Whether the history documents the class ``drug_class``: it is the whole history, or it names a
    course of a drug of the class (read within the class as before), or the class as never given."""
    return (documents_all(history)
            or any(not is_not_given(e) and drugs.matches(str(e.get("drug", "")), drug_class) for e in history)
            or never_given(history, drug_class, drugs))


def _class_of(written: str, drugs: DrugVocabulary) -> str | None:
    """The class id an entry names as a whole ("statin", "PCSK9 monoclonal antibody"), else None."""
    folded = _fold(written)
    for cid, label in drugs.class_labels.items():
        if folded in (_fold(cid), _fold(label)):
            return cid
    return None


def never_given(history: Sequence[Mapping[str, Any]], target: str, drugs: DrugVocabulary) -> bool:
    """True when the history documents ``target`` as never given. A class id (``statin``) needs a
    whole-class entry (one drug of the class never given says nothing of the others); a drug (by any
    name) its own entry or a whole-class entry of one of its classes."""
    is_class = any(_fold(target) == _fold(cid) for cid in drugs.class_labels)
    for e in history:
        if not is_not_given(e):
            continue
        written = str(e.get("drug", ""))
        cls = _class_of(written, drugs)
        if cls is not None:
            if _fold(cls) == _fold(target) or (not is_class and drugs.matches(target, cls)):
                return True
        elif not is_class and (drugs.matches(written, target) or _fold(written) == _fold(target)):
            return True
    return False


def _fold(text: str) -> str:
    return " ".join(text.lower().replace("-", " ").replace("_", " ").split())


def _outcome(entry: dict[str, Any]) -> str:
    if is_not_given(entry):
        return NOT_GIVEN
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


def start_range_weeks(first: dt.date, last: dt.date, stop: dt.date) -> dict[str, Any]:
    """A course's length when its start is known only to a range of days (a month, a year): ``weeks`` when
    every start gives the same, else ``weeks_range`` (the shortest and the longest) and the range itself, so a
    rule on the length decides only when both ends agree (``policies.steps``)."""
    short = round(max(0, (stop - min(last, stop)).days) / 7.0, 2)  # started no later than it stopped
    long = round(max(0, (stop - first).days) / 7.0, 2)
    if short == long:
        return {"weeks": short}
    return {"weeks_range": (short, long), "start_range": (first, last)}


def start_questions(history: Any) -> list[str]:
    """For each course whose start is known only to a range of days, the question that settles its length:
    'On which day in October 2026 was atorvastatin started?'."""
    out = []
    for e in history if isinstance(history, tuple | list) else ():
        first, last = (e.get("start_earliest"), e.get("start_latest")) if isinstance(e, Mapping) else (None, None)
        if isinstance(first, dt.date) and isinstance(last, dt.date) and first != last and e.get("start") is None:
            out.append(f"On which day {'in' if _whole(first, last) else 'between'} {describe_days(first, last)} "
                       f"was {e.get('drug')} started?")
    return out


def _whole(first: dt.date, last: dt.date) -> bool:
    """Whether the range is a whole month or year as :func:`describe_days` names it ('in March 2026')."""
    return " to " not in describe_days(first, last)


def courses(history: list[dict[str, Any]], as_of: dt.date, drugs: DrugVocabulary) -> list[dict[str, Any]]:
    """One resolved course per ``medication_history`` entry, in the history's order."""
    out = []
    for e in history:
        written = str(e.get("drug", ""))
        entry = drugs.entry(written)
        cls = None if entry else _class_of(written, drugs)
        generic = entry.generic if entry else written.strip().lower()
        outcome = _outcome(e)
        classes = " ".join(entry.classes) if entry else (cls or "")
        c: dict[str, Any] = {"drug": generic, "classes": classes, "outcome": outcome}
        if is_named_only(e):
            c["named_only"] = True
        start, end = e.get("start"), e.get("end")
        if outcome == NOT_GIVEN:
            c["weeks"] = 0.0
            if cls is not None:  # "statin-naive": every drug of the class
                c["whole_class"] = True
                c["members"] = " ".join(m.replace(" ", "_") for m in drugs.members(cls))
            out.append(c)
            continue
        if outcome == "contraindication" and start is None:
            c["weeks"] = 0.0
        elif isinstance(start, dt.date) and (isinstance(end, dt.date) or outcome != STOPPED):  # stopped when?
            stop = end if isinstance(end, dt.date) else as_of
            c["weeks"] = round(max(0, (stop - start).days) / 7.0, 2)
        elif isinstance(first := e.get("start_earliest"), dt.date) and isinstance(last := e.get("start_latest"), dt.date) \
                and (isinstance(end, dt.date) or outcome != STOPPED):  # (a start given too wins, above)
            c.update(start_range_weeks(min(first, last), max(first, last), end if isinstance(end, dt.date) else as_of))
        mg = _dose_mg(e)
        if mg is not None:
            c["dose"] = mg
        intensity = e.get("intensity") or (statin_intensity(generic, mg) if mg is not None else None)
        if intensity:
            c["intensity"] = str(intensity)
        out.append(c)
    return out
