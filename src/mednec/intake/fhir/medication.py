"""MedicationRequest / MedicationStatement / MedicationAdministration -> ``esa_history``.

An ESA is recognised by a verified RxNorm code from the code tables (the product-level codes of
Epogen, Procrit, Retacrit, Aranesp; see :mod:`codes`) **or** by name in the medication's text or coding display,
or in a referenced Medication (epoetin, darbepoetin, Epogen, Procrit, Retacrit, Aranesp). The
name alone is enough, so a wrong or missing code does not hide an ESA.

Each ``esa_history`` course needs a drug, a start, an end (unless still running) and a
response (``none``, ``partial``, ``response``, ``lost_response``, ``intolerant``,
``ongoing``):

* start / end: MedicationStatement ``effectivePeriod`` (or ``effectiveDateTime`` as the
  start); MedicationRequest ``dosageInstruction.timing.repeat.boundsPeriod``, else
  ``authoredOn`` as the start;
* response: an active course is ``ongoing``; a completed or stopped one takes its response
  from ``statusReason`` text ("no response", "ineffective" -> none; "lost response" ->
  lost_response; "intolerance", "adverse" -> intolerant; "partial response"; "responded");
* MedicationAdministrations of an ESA are doses: they join a documented course of the same
  drug that spans them, and otherwise form a course (a gap over 8 weeks starts a new one)
  whose response is not documented.

When any ESA record lacks what a course needs, ``esa_history`` is left **unknown** (every
ESA resource is listed with the reason) so the questionnaire asks the clinician, rather than
an incomplete list being taken as the whole history. ESA-naive (``esa_history: []``) needs
explicit evidence: a MedicationStatement with status ``not-taken`` for the ESA class
("erythropoiesis-stimulating agent") and no ``effective[x]``; one for a stated time says only that
no ESA was taken then (listed, not naive), and the mere absence of ESA records is not naive.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from mednec.intake.adverse_effects import names_adverse_effect
from mednec.intake.fhir.codes import concept_texts, esa_drug, names_esa_class
from mednec.intake.fhir.common import (
    Context,
    EsaCourse,
    EsaDose,
    EventFinding,
    NotMapped,
    Source,
    completed_on,
    fhir_datetime,
)
from mednec.intake.fhir.transfusion import medication_concept

__all__ = [
    "EsaAssembly",
    "Order",
    "assemble_esa",
    "map_administration",
    "map_medication",
    "map_request",
    "map_statement",
    "read_order",
    "response_of",
    "trial_weeks",
]

_RESPONSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("lost_response", ("lost response", "loss of response", "lost its response", "no longer respond")),
    ("intolerant", ("intoleran", "adverse", "side effect", "toxicity", "allerg")),
    ("none", ("no response", "non-response", "nonresponse", "not effective", "ineffective",
              "lack of efficacy", "treatment failure", "failed", "refractory", "no improvement", "not respond")),
    ("partial", ("partial response", "partial")),
    ("response", ("responded", "response", "effective", "improved")),
)
_ADMIN_GAP = dt.timedelta(weeks=8)


#: "response" qualified as too little ("inadequate response", "no hematologic response", "suboptimal
#: erythroid response"): no response, not a response
_TOO_LITTLE = re.compile(
    r"\b(?:inadequate|insufficient|suboptimal|sub-optimal|poor|minimal|unsatisfactory|no|without|lack\s+of|absent)"
    r"\s+(?:(?:clinical|hematologic(?:al)?|haematologic(?:al)?|erythroid|hemoglobin|hb|therapeutic)\s+)?response\b"
    r"|\bunresponsive\b|\bdid\s+not\s+respond|\bnot\s+responding\b")


def response_of(texts: Sequence[str]) -> str | None:
    """The response a status reason states (an adverse effect named alone is intolerance), or ``None``."""
    for text in texts:
        t = text.lower()
        for response, phrases in _RESPONSES:
            if response == "intolerant" and names_adverse_effect(t):  # "myalgia", "muscle pain", "CK 5x ULN"
                return response
            if response == "none" and _TOO_LITTLE.search(t):
                return response
            if any(p in t for p in phrases):
                return response
    return None


def _drug(resource: Mapping[str, Any], ctx: Context) -> str:
    codes, texts = medication_concept(resource, ctx)
    drug = esa_drug(codes, texts)
    if drug is None:
        raise NotMapped(f"not an ESA ({texts[0] if texts else 'no medication text'})")
    return drug


def _course(
    drug: str,
    start: dt.datetime | None,
    end: dt.datetime | None,
    status: str,
    reasons: Sequence[str],
    src: Source,
    ctx: Context,
) -> list[EventFinding]:
    def incomplete(why: str) -> list[EventFinding]:
        return [EventFinding("esa_history", None, (src,), f"{drug}: {why}", key=src.ref)]

    if start is None:
        return incomplete("no start date")
    if start.date() > ctx.as_of:
        raise NotMapped(f"starts {start.date().isoformat()}, after the evaluation date")
    response = response_of(reasons)
    end_date = end.date() if end else None
    if status == "active":
        response = response or "ongoing"
        if end_date and end_date > ctx.as_of:
            end_date = None  # a planned end: still running
    elif status in ("completed", "stopped"):
        if end_date is None and response in _TRIAL_OUTCOMES:
            end_date = _trial_end(start.date(), reasons, ctx.as_of)
        if end_date is None:
            return incomplete(f"{status} with no end date")
        if response is None:
            return incomplete(f"{status}, response not documented (statusReason)")
    else:
        return incomplete(f"status {status}, response not documented")
    course = EsaCourse(drug, start.date(), end_date, response)
    detail = f"{drug} {course.start.isoformat()} to {end_date.isoformat() if end_date else 'now'}: {response}"
    return [EventFinding("esa_history", course, (src,), detail, key=src.ref)]


#: a course's outcome that its reason can date by the trial's length ("no response after 12 weeks")
_TRIAL_OUTCOMES = ("none", "lost_response", "partial")
_TRIAL_LENGTH = re.compile(r"\b(?:after|for|over)\s+(\d{1,2})\s*(weeks?|wks?|months?|mos?)\b", re.I)


def _trial_end(start: dt.date, reasons: Sequence[str], as_of: dt.date) -> dt.date | None:
    """The end of a course stopped or completed with no end date whose reason states its outcome and how long
    the trial ran ("No response after 12 weeks at 60,000 units weekly", "no erythroid response after 3 months"):
    the start plus that length (a month as 4 weeks, the least it can be), when it is not after ``as_of``; the one
    length said, else ``None`` (two different lengths, or none: asked, as before)."""
    weeks = trial_weeks(reasons)
    if weeks is None:
        return None
    end = start + dt.timedelta(weeks=weeks)
    return end if end <= as_of else None


def trial_weeks(reasons: Sequence[str]) -> int | None:
    """The one trial length in weeks a course's reasons state ("after 12 weeks", "for 3 months": 12), else
    ``None``."""
    said = {int(m.group(1)) * (4 if m.group(2).lower().startswith("mo") else 1)
            for text in reasons for m in _TRIAL_LENGTH.finditer(text)}
    return said.pop() if len(said) == 1 else None


class Order(NamedTuple):
    """What a MedicationRequest says about a course: its status, the period it ran (or runs) and
    the reasons its status gives."""

    status: str
    start: dt.datetime | None
    end: dt.datetime | None
    reasons: list[str]


def read_order(resource: Mapping[str, Any], src: Source) -> Order:
    """A MedicationRequest read as an order that was given: drafts, cancelled and entered-in-error
    orders, and proposals and plans, are refused (:class:`NotMapped`). The period is the first
    ``dosageInstruction[i].timing.repeat.boundsPeriod`` that gives one (else ``authoredOn`` as the
    start); the reasons are ``statusReason``'s texts."""
    status = str(resource.get("status"))
    if status in ("draft", "cancelled", "entered-in-error"):
        raise NotMapped(f"status is {status}: never given")
    if resource.get("intent") in ("proposal", "plan"):
        raise NotMapped(f"intent is {resource['intent']}: not an order")
    start = end = None
    for i, dosage in enumerate(resource.get("dosageInstruction") or ()):
        bounds = ((dosage.get("timing") or {}).get("repeat") or {}).get("boundsPeriod") or {}
        start = start or fhir_datetime(bounds.get("start"), path=f"{src.path}.dosageInstruction[{i}]")
        end = end or fhir_datetime(bounds.get("end"), path=f"{src.path}.dosageInstruction[{i}]")
    if start is None and resource.get("authoredOn"):
        start = fhir_datetime(resource["authoredOn"], path=f"{src.path}.authoredOn")
    return Order(status, start, end, concept_texts(resource.get("statusReason")))


def map_request(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[EventFinding]:
    """An ESA order -> one ESA course (drafts, cancelled orders and plans are not given)."""
    drug = _drug(resource, ctx)
    order = read_order(resource, src)
    return _course(drug, order.start, order.end, order.status, order.reasons, src, ctx)


def map_statement(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[EventFinding]:
    """An ESA statement -> one course; ``not-taken`` for the ESA class -> ESA-naive evidence."""
    drug = _drug(resource, ctx)
    status = str(resource.get("status"))
    if status == "entered-in-error":
        raise NotMapped("status is entered-in-error")
    if status == "intended":
        raise NotMapped("status is intended: not yet taken")
    if status == "not-taken":
        if not names_esa_class(medication_concept(resource, ctx)[1]):
            raise NotMapped(f"says only that {drug} was not taken; ESA-naive needs no ESA of any kind")
        if resource.get("effectivePeriod") or resource.get("effectiveDateTime"):  # as history.py reads it
            raise NotMapped("status is not-taken for a stated time: no ESA then, not documented as never given")
        return [EventFinding("esa_history", None, (src,), "no ESA taken (MedicationStatement not-taken)",
                             negative=True, key=src.ref)]
    period = resource.get("effectivePeriod") or {}
    start = fhir_datetime(period.get("start"), path=f"{src.path}.effectivePeriod.start")
    end = fhir_datetime(period.get("end"), path=f"{src.path}.effectivePeriod.end")
    if start is None and resource.get("effectiveDateTime"):
        start = fhir_datetime(resource["effectiveDateTime"], path=f"{src.path}.effectiveDateTime")
    reasons: list[str] = []
    for reason in resource.get("statusReason") or ():
        reasons += concept_texts(reason)
    return _course(drug, start, end, status, reasons, src, ctx)


def map_medication(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[EventFinding]:
    """A Medication is read only through the request, statement or administration using it."""
    raise NotMapped("a Medication counts only through a MedicationRequest, MedicationStatement or "
                    "MedicationAdministration that references it")


def map_administration(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[EventFinding]:
    """One completed ESA dose (joined into a course when the history is assembled)."""
    drug = _drug(resource, ctx)
    when = completed_on(resource, "effective", path=src.path)
    return [EventFinding("esa_history", EsaDose(drug, when.date()), (src,),
                         f"{drug} dose {when.date().isoformat()}", key=src.ref)]


class EsaAssembly(NamedTuple):
    """The assembled ``esa_history`` (``None`` = unknown), what it used, and what it could not."""

    events: list[dict[str, Any]] | None
    used: list[EventFinding]
    unmapped: list[tuple[Source, str]]


def _course_of(f: EventFinding) -> EsaCourse:
    assert isinstance(f.event, EsaCourse)
    return f.event


def _dose_of(f: EventFinding) -> EsaDose:
    assert isinstance(f.event, EsaDose)
    return f.event


def _merge_same_course(courses: list[EventFinding]) -> list[EventFinding]:
    """Records of one course (an order and a statement) with the same drug and response."""
    out: list[EventFinding] = []
    for c in sorted(courses, key=lambda f: _course_of(f).start):
        cur = _course_of(c)
        prev = _course_of(out[-1]) if out else None
        if prev is not None and prev.drug == cur.drug and prev.response == cur.response \
                and (prev.end is None or cur.start <= prev.end):
            end = None if prev.end is None or cur.end is None else max(prev.end, cur.end)
            out[-1] = out[-1]._replace(event=dataclasses.replace(prev, end=end), sources=out[-1].sources + c.sources,
                                       detail=f"{out[-1].detail}; same course as {c.sources[0].ref}")
        else:
            out.append(c)
    return out


def _runs(doses: Sequence[EventFinding]) -> list[list[EventFinding]]:
    """Doses of one drug with no gap over 8 weeks."""
    runs: list[list[EventFinding]] = []
    for dose in sorted(doses, key=lambda f: (_dose_of(f).drug, _dose_of(f).day)):
        last = _dose_of(runs[-1][-1]) if runs else None
        if last is not None and last.drug == _dose_of(dose).drug and _dose_of(dose).day - last.day <= _ADMIN_GAP:
            runs[-1].append(dose)
        else:
            runs.append([dose])
    return runs


def assemble_esa(findings: Sequence[EventFinding], as_of: dt.date) -> EsaAssembly:
    """Courses, doses and not-taken evidence -> ``esa_history``, or unknown when incomplete."""
    courses = _merge_same_course([f for f in findings if isinstance(f.event, EsaCourse)])
    doses = [f for f in findings if isinstance(f.event, EsaDose)]
    incomplete = [(f.sources[0], f.detail) for f in findings if f.event is None and not f.negative]
    negatives = [f for f in findings if f.negative]
    orphans: list[EventFinding] = []
    for dose in doses:
        day, drug = _dose_of(dose).day, _dose_of(dose).drug
        for i, c in enumerate(courses):
            ev = _course_of(c)
            end = ev.end or as_of
            if ev.drug == drug and ev.start - dt.timedelta(days=7) <= day <= end + dt.timedelta(days=28):
                courses[i] = c._replace(sources=c.sources + dose.sources)
                break
        else:
            orphans.append(dose)
    for run in _runs(orphans):
        first, last = _dose_of(run[0]), _dose_of(run[-1])
        why = (f"{first.drug} given {first.day.isoformat()} to {last.day.isoformat()} ({len(run)} doses), "
               "response not documented")
        incomplete += [(s, why) for f in run for s in f.sources]
    if incomplete:
        unmapped = [(s, f"{why}; esa_history left unknown for the clinician to complete") for s, why in incomplete]
        for f in (*courses, *negatives):
            unmapped += [(s, "esa_history left unknown: another ESA record is incomplete") for s in f.sources]
        return EsaAssembly(None, [], unmapped)
    if courses:
        events = [_course_of(c).as_event() for c in courses]
        unmapped = [(s, "superseded: ESA courses are documented") for f in negatives for s in f.sources]
        return EsaAssembly(events, courses, unmapped)
    if negatives:
        return EsaAssembly([], negatives, [])
    return EsaAssembly(None, [], [])
