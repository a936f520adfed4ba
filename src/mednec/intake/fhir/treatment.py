"""The requested drug's own course -> the facts its pack's ``course:`` names (start, doses, recent, baselines).

A re-authorisation is judged on the course of the drug being requested, so these facts are read
only when the caller says which drug that is (``bundle_to_case(..., drug="Reblozyl")``: the CLI's
``--drug``, the CRD order, the PAS claim item) and the pack of that drug declares what its course
sets (``pack.yaml`` ``course:``, :mod:`mednec.policies.course`; MDS: ``treatment_start`` and
``treatment_doses``; GLP-1: ``requested_drug_start``, ``requested_drug_recent`` and the pre-GLP-1
weight and BMI). Without a drug nothing is guessed: the records of a drug whose pack declares a
course are listed as unmapped with the reason. The drug is recognised through the packs' drug
vocabulary -- any of its names in the medication's text or coding display, a code its policy's
``drug:`` section gives (RxNorm, HCPCS), or a verified RxNorm code of the code tables -- in a
``medicationCodeableConcept`` or a contained or referenced Medication, so a wrong or missing code
does not hide it; a record naming two drugs is ambiguous.

* **MedicationAdministration** of the requested drug: one dose, dated by
  ``effectiveDateTime`` / ``effectivePeriod.start``, with ``dosage.dose`` value and unit
  (``1.33 mg/kg``). R4 requires ``effective[x]``, so an undated administration is a period
  without dates (a data-absent-reason) or a partial date (``2026-07``); it is listed.
  Status ``completed`` or ``in-progress`` counts; ``not-done`` and ``entered-in-error`` are
  ignored (listed: no dose was given); ``stopped`` / ``on-hold`` were given in an unknown
  amount, and ``unknown`` may not have been given at all.
* **MedicationStatement** of the requested drug: ``effectivePeriod.start`` states the start
  of the course explicitly (``effectiveDateTime`` is a time it was taken, not the start, and a
  statement's dosage is the regimen, not doses given, so neither is read as a dose). An active
  statement says the drug is taken now; a completed or stopped one, until ``effectivePeriod.end``.
  Not-taken, intended and entered-in-error statements are listed.
* **MedicationRequest**: an order says what is to be given, never when a dose was, so it gives
  no fact (the renewal order of a PAS request is one).

Doses are counted in the units the pack declares for the drug (``course.drugs``: luspatercept
mg/kg, lenalidomide mg, ...): a luspatercept dose of 70 mg is not a dose level comparable to
1.75 mg/kg.

Assembly (:func:`assemble_treatment`), unknown rather than wrong: the doses are the list of
doses when every administration of the drug is complete, and are left **unknown** (each
administration listed with the reason) when one lacks a date or a usable dose, has an unclear
status or drug, when doses are in different units, or two records of one day disagree (two
identical records of one day are one dose). The start is the start a MedicationStatement
states, else the earliest dose; it is unknown when statements disagree, when a dose predates the
stated start (another course?), or, without a statement, when an administration has no date or
an uncertain one (status ``unknown``, drug unclear) comes first. A stated start more than 7 days
before the first recorded dose means the dose record is incomplete: the start stands, the doses
are left unknown. *Recent* is set only to true (taken on a day within the declared window, or
an active statement): no record is not "not taken". A *baseline* is the latest value of the
measured fact dated on or before the start; it is left unknown when the start is unknown, or when
the records name another drug of the requested drug's class (the baseline is "before any" drug
of the class, and those records may start earlier).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from mednec.facts.drugs import DrugCourse, DrugEntry, DrugVocabulary
from mednec.intake.fhir.code_tables import rxnorm_drugs
from mednec.intake.fhir.codes import ESA_CLASS, ESA_RXNORM, HCPCS, RXNORM, UCUM, esa_drug
from mednec.intake.fhir.common import Context, Finding, NotMapped, Source, fhir_date_of, fhir_datetime
from mednec.intake.fhir.transfusion import medication_concept

__all__ = [
    "CourseAssembly",
    "CourseFinding",
    "Dose",
    "Stated",
    "assemble_treatment",
    "drugs_named",
    "map_administration",
    "map_request",
    "map_statement",
]

_UNITS: Mapping[str, str] = {
    "mg/kg": "mg/kg", "mg": "mg",
    "iu": "IU", "u": "IU", "unit": "IU", "units": "IU", "{unit}": "IU", "{units}": "IU",
    "iu/kg": "IU/kg", "u/kg": "IU/kg", "units/kg": "IU/kg",
    "ug": "mcg", "mcg": "mcg", "ug/kg": "mcg/kg", "mcg/kg": "mcg/kg",
}
_GIVEN = ("completed", "in-progress")
_IGNORED = ("not-done", "entered-in-error")
_PARTLY_GIVEN = ("stopped", "on-hold")
_START_SLACK = dt.timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Dose:
    """One administration of the requested drug on ``day``: ``dose`` in ``unit`` when usable, ``None``
    when not (the finding's detail says why); ``uncertain`` when it may not have been given at all."""

    day: dt.date
    dose: float | None = None
    unit: str | None = None
    uncertain: bool = False


@dataclass(frozen=True, slots=True)
class Stated:
    """What a MedicationStatement of the requested drug says: the course's start, the last day it was
    taken (an active statement: the evaluation date)."""

    start: dt.date | None
    taken: dt.date | None


class CourseFinding(NamedTuple):
    """A record of the requested drug: a :class:`Dose` (``None``: given on no stated date) or a :class:`Stated`."""

    record: Dose | Stated | None
    sources: tuple[Source, ...]
    detail: str


def _label(e: DrugEntry) -> str:
    return e.course.label if e.course is not None else e.generic


def drugs_named(codes: Iterable[tuple[str, str, str]], texts: Sequence[str], vocab: DrugVocabulary) -> set[str]:
    """Every drug (its course label) a medication names, by code or by name.

    More than one means the record contradicts itself (a code for one drug, the name of another);
    :data:`codes.ESA_CLASS` is included when only the ESA class is named, and an ESA the packs do not
    cover (epoetin beta) by its name.
    """
    table = rxnorm_drugs()
    found: set[str] = set()
    for system, code, _ in codes:
        entry = None
        if system == RXNORM:
            entry = vocab.by_code("RxNorm", code) or (vocab.entry(table[code]) if code in table else None)
        elif system == HCPCS:
            entry = vocab.by_code("HCPCS", code)
        if entry is not None:
            found.add(_label(entry))
    found |= {_label(e) for t in texts for e in vocab.entries_in(t)}
    esa = esa_drug((), texts)  # also epoetin beta, or only the class: never the requested drug
    if esa is not None and not (esa in ESA_RXNORM.values() and esa in {e.generic for e in vocab.entries}):
        found.add(esa)
    return found


def _unit(dose: Mapping[str, Any]) -> str | None:
    for raw in (dose.get("code") if dose.get("system") in (None, UCUM) else None, dose.get("unit")):
        if raw:
            key = str(raw).strip().lower().replace("µ", "u").replace("[", "").replace("]", "").replace(" ", "")
            if key in _UNITS:
                return _UNITS[key]
    return str(dose.get("code") or dose.get("unit") or "") or None


def _requested(resource: Mapping[str, Any], ctx: Context) -> tuple[DrugCourse, str | None]:
    """The requested drug's course and ``None`` when the resource is that drug, or why it is ambiguous.

    Raises :class:`NotMapped` when it is another drug, or when no drug (with a course) was requested.
    """
    vocab = ctx.course_drugs
    if vocab is None:
        raise NotMapped("")
    codes, texts = medication_concept(resource, ctx)
    found = drugs_named(codes, texts, vocab)
    label = texts[0] if texts else "no medication text"
    course = ctx.drug.course if ctx.drug is not None else None
    if ctx.drug is not None and course is None:
        if ctx.drug.generic in {e.generic for t in texts for e in vocab.entries_in(t)} | {
                e.generic for s, c, _ in codes if (e := vocab.by_code("RxNorm", c) or vocab.by_code("HCPCS", c))}:
            raise NotMapped(f"{ctx.drug.generic}, the requested drug: its pack declares no course its own records "
                            "set (pack.yaml course:)")
        raise NotMapped("")
    if ctx.drug is None or course is None:
        with_course = sorted(_label(e) for e in vocab.entries if e.course is not None and _label(e) in found)
        if not with_course:
            raise NotMapped("")
        if ctx.drug_name:
            raise NotMapped(f"{with_course[0]}: the requested drug {ctx.drug_name!r} is not one FHIR intake recognises, "
                            "so no doses are read as the requested treatment")
        raise NotMapped(f"{with_course[0]}: the requested drug is not known, so its records are not read as "
                        "its course (give the drug, e.g. --drug)")
    drug = course.label
    if drug not in found:
        if ESA_CLASS in found and ctx.drug.generic in ESA_RXNORM.values():
            return course, f"names only the ESA class ({label}): cannot tell whether it is {drug}"
        raise NotMapped(f"not {drug}, the requested drug ({label})")
    if len(found) > 1:
        return course, f"names {' and '.join(sorted(found))} ({label}): which drug was given is unclear"
    return course, None


def _dose(resource: Mapping[str, Any], course: DrugCourse, day: dt.date, status: str) -> tuple[Dose, str]:
    drug = course.label
    if status in _PARTLY_GIVEN:
        return Dose(day), f"{day}: status is {status}: how much {drug} was given is not known"
    dose = (resource.get("dosage") or {}).get("dose") or {}
    value = dose.get("value")
    if not course.doses:
        return Dose(day), f"{day}: {drug} given"
    if value is None:
        return Dose(day), f"{day}: {drug} given, no dose stated (dosage.dose)"
    unit = _unit(dose)
    if unit not in course.dose_units:
        return Dose(day), (f"{day}: dose {value:g} {unit or '(no unit)'}; {drug} doses are counted in "
                           f"{' or '.join(course.dose_units)}")
    if not isinstance(value, int | float) or value <= 0:
        return Dose(day), f"{day}: dose {value!r} is not a positive amount"
    return Dose(day, value, unit), f"{day}: {value:g} {unit}"


def map_administration(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[CourseFinding]:
    """One administration of the requested drug -> one dose (or an incomplete one, for review)."""
    course, unclear = _requested(resource, ctx)
    drug = course.label
    status = str(resource.get("status"))
    if status in _IGNORED:
        raise NotMapped(f"status is {status}: no dose of {drug} was given")
    try:
        when = fhir_date_of(resource, "effective", path=src.path)
    except NotMapped as exc:
        return [CourseFinding(None, (src,), f"{drug}: {exc.reason}")]
    if when is None:
        return [CourseFinding(None, (src,), f"{drug} given on no stated date (effectiveDateTime / effectivePeriod)")]
    day = when.date()
    if unclear or status not in (*_GIVEN, *_PARTLY_GIVEN):  # perhaps not a dose of the drug at all
        why = unclear or f"status is {status}: not known whether {drug} was given"
        return [CourseFinding(Dose(day, uncertain=True), (src,), f"{day}: {why}")]
    dose, detail = _dose(resource, course, day, status)
    return [CourseFinding(dose, (src,), detail)]


def map_statement(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[CourseFinding]:
    """A statement of the requested drug -> the start it states, and the last day it says the drug was taken."""
    course, unclear = _requested(resource, ctx)
    drug = course.label
    status = str(resource.get("status"))
    if status in ("entered-in-error", "not-taken", "intended"):
        raise NotMapped(f"status is {status}: says nothing of when {drug} was started")
    if unclear:
        raise NotMapped(unclear)
    period = resource.get("effectivePeriod") or {}
    start = fhir_datetime(period.get("start"), path=f"{src.path}.effectivePeriod.start")
    end = fhir_datetime(period.get("end"), path=f"{src.path}.effectivePeriod.end")
    taken = ctx.as_of if status == "active" else (end.date() if end is not None and status in _GIVEN + ("stopped",)
                                                  else None)
    if start is None and not (course.recent and taken is not None):
        raise NotMapped(f"states no start of {drug} (effectivePeriod.start)")
    day = start.date() if start is not None else None
    said = f"{drug} started {day}" if day is not None else f"{drug} taken until {taken}"
    return [CourseFinding(Stated(day, taken), (src,), f"{said} ({src.ref})")]


def map_request(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[CourseFinding]:
    """An order of the requested drug says what is to be given, not when a dose was."""
    course, _ = _requested(resource, ctx)
    raise NotMapped(f"an order for {course.label}: it says what is to be given, not when doses were given")


class CourseAssembly(NamedTuple):
    """The facts of the course (scalar findings; the doses, ``None`` = unknown) and what was not used."""

    findings: list[Finding]
    doses: list[dict[str, Any]] | None
    used: list[CourseFinding]
    unmapped: list[tuple[Source, str]]


def _dose_of(f: CourseFinding) -> Dose:
    assert isinstance(f.record, Dose)
    return f.record


def _merge_days(doses: Sequence[CourseFinding]) -> tuple[list[CourseFinding], list[tuple[CourseFinding, str]]]:
    """One dose per day: identical records of a day are one dose; different ones are a problem."""
    by_day: dict[dt.date, list[CourseFinding]] = {}
    for d in doses:
        by_day.setdefault(_dose_of(d).day, []).append(d)
    merged: list[CourseFinding] = []
    problems: list[tuple[CourseFinding, str]] = []
    for day, group in sorted(by_day.items()):
        if len({(_dose_of(g).dose, _dose_of(g).unit) for g in group}) > 1:
            problems += [(g, f"{day}: the records of this day give different doses") for g in group]
        else:
            merged.append(group[0]._replace(sources=tuple(s for g in group for s in g.sources)))
    return merged, problems


class _Doses(NamedTuple):
    """The dose records sorted out: dated ones, merged per day, and what is wrong with them."""

    dated: list[CourseFinding]
    undated: list[CourseFinding]
    merged: list[CourseFinding]
    problems: list[tuple[CourseFinding, str]]
    first: dt.date | None  # the first dose on a certain date
    unsure_first: dt.date | None  # the first dose on an uncertain date


def _sort_doses(doses: Sequence[CourseFinding], counted: bool) -> _Doses:
    dated = [d for d in doses if d.record is not None]
    undated = [d for d in doses if d.record is None]
    problems: list[tuple[CourseFinding, str]] = [(d, d.detail) for d in undated]
    merged: list[CourseFinding] = []
    if counted:
        problems += [(d, d.detail) for d in dated if _dose_of(d).dose is None]
        merged, clashes = _merge_days([d for d in dated if _dose_of(d).dose is not None])
        problems += clashes + _unit_clashes(merged)
    sure = [d for d in dated if not _dose_of(d).uncertain]
    first = min((_dose_of(d).day for d in sure), default=None)
    unsure_first = min((_dose_of(d).day for d in dated if d not in sure), default=None)
    return _Doses(dated, undated, merged, problems, first, unsure_first)


def _unit_clashes(merged: Sequence[CourseFinding]) -> list[tuple[CourseFinding, str]]:
    units = sorted({str(_dose_of(d).unit) for d in merged})
    if len(units) < 2:
        return []
    return [(d, f"doses are in different units ({', '.join(units)}): dose levels cannot be compared") for d in merged]


class _Start(NamedTuple):
    """The start the records give (``None``: unknown) and the record it comes from, and whether the
    doses must be dropped too."""

    start: dt.date | None
    source: CourseFinding | None
    detail: str
    lost: str  # "<start fact> and " when an incomplete dose record also hides the start
    unmapped: list[tuple[Source, str]]
    abandon: bool  # a dose before the stated start: both facts unknown


def _stated_start(s: CourseFinding) -> dt.date:
    assert isinstance(s.record, Stated) and s.record.start is not None
    return s.record.start


def _from_statements(starts: Sequence[CourseFinding], doses: Sequence[CourseFinding], d: _Doses,
                     course: DrugCourse) -> _Start:
    """The start stated by MedicationStatements, checked against the first recorded dose."""
    names = " and ".join(f for f in (course.start, course.doses) if f) or "the course"
    stated_days = sorted({_stated_start(s) for s in starts})
    if len(stated_days) > 1:
        why = (f"statements give different starts ({', '.join(map(str, stated_days))}): "
               f"{course.start or 'the start'} left unknown")
        return _Start(None, None, "", "", [(src, why) for s in starts for src in s.sources], False)
    stated = stated_days[0]
    statement = next(s for s in starts if _stated_start(s) == stated)
    if d.first is not None and d.first < stated:
        why = (f"a dose on {d.first} predates the start {stated} stated by {statement.sources[0].ref}: "
               f"{names} left unknown")
        return _Start(None, None, "", "", [(src, why) for s in (*starts, *doses) for src in s.sources], True)
    unmapped = [(src, f"the same start as {statement.sources[0].ref}")
                for s in starts if s is not statement for src in s.sources]
    if d.first is not None and d.first - stated > _START_SLACK:
        d.problems.extend((m, f"the first recorded dose ({d.first}) is {(d.first - stated).days} days after the "
                              f"start {stated}: the dose record is incomplete") for m in d.merged)
    return _Start(stated, statement, statement.detail, "", unmapped, False)


def _course_start(starts: Sequence[CourseFinding], doses: Sequence[CourseFinding], d: _Doses,
                  course: DrugCourse) -> _Start:
    """A stated start, else the first dose -- unless an undated or uncertain dose may come before it."""
    if starts:
        return _from_statements(starts, doses, d, course)
    if d.undated or (d.unsure_first is not None and (d.first is None or d.unsure_first < d.first)):
        return _Start(None, None, "", f"{course.start} and " if course.start else "", [], False)
    if d.first is None:
        return _Start(None, None, "", "", [], False)
    earliest = min((x for x in d.dated if not _dose_of(x).uncertain), key=lambda x: _dose_of(x).day)
    return _Start(d.first, earliest, f"the first recorded dose ({earliest.detail})", "", [], False)


def _future(records: Sequence[CourseFinding], as_of: dt.date, label: str,
            unmapped: list[tuple[Source, str]]) -> list[CourseFinding]:
    """The records not dated after the evaluation date (those are listed)."""
    out = []
    for r in records:
        day = r.record.day if isinstance(r.record, Dose) else r.record.start if isinstance(r.record, Stated) else None
        if day is not None and day > as_of:
            unmapped += [(s, f"{label} on {day}, after the evaluation date {as_of}") for s in r.sources]
        else:
            out.append(r)
    return out


def _doses(d: _Doses, found: _Start, course: DrugCourse, unmapped: list[tuple[Source, str]]) -> list[dict[str, Any]] | None:
    if not course.doses:
        return None
    if d.problems:
        flagged = {src for x, _ in d.problems for src in x.sources}
        unmapped += [(src, f"{why}; {found.lost}{course.doses} left unknown for the clinician to complete")
                     for x, why in d.problems for src in x.sources]
        unmapped += [(src, f"{found.lost}{course.doses} left unknown: another record of the drug is incomplete")
                     for x in d.dated for src in x.sources if src not in flagged]
        return None
    return [{"date": _dose_of(x).day.isoformat(), "dose": _dose_of(x).dose, "unit": _dose_of(x).unit}
            for x in d.merged] or None


def _recent(records: Sequence[CourseFinding], course: DrugCourse, as_of: dt.date) -> Finding | None:
    """The drug taken within the declared window (true only: no record is not "not taken")."""
    if not course.recent:
        return None
    days = [(r.record.day if isinstance(r.record, Dose) and not r.record.uncertain
             else r.record.taken if isinstance(r.record, Stated) else None, r) for r in records]
    latest = max(((day, r) for day, r in days if day is not None and day <= as_of), key=lambda x: x[0], default=None)
    if latest is None or (as_of - latest[0]).days > course.recent_days:
        return None
    day, r = latest
    return Finding(course.recent, True, None, dt.datetime.combine(day, dt.time()), r.sources[0],
                   f"{course.label} taken {day}, within {course.recent_days} days of {as_of} ({r.detail})", rank=0)


def assemble_treatment(records: Sequence[CourseFinding], course: DrugCourse | None, as_of: dt.date
                       ) -> CourseAssembly:
    """The requested drug's records -> the facts its course sets (see the module docstring)."""
    if course is None or not records:
        return CourseAssembly([], None, [], [])
    unmapped: list[tuple[Source, str]] = []
    records = _future(records, as_of, course.label, unmapped)
    doses = [r for r in records if not isinstance(r.record, Stated)]
    starts = [r for r in records if isinstance(r.record, Stated) and r.record.start is not None]
    d = _sort_doses(doses, bool(course.doses))
    found = _course_start(starts, doses, d, course)
    findings = [f for f in (_recent(records, course, as_of),) if f is not None]
    if found.abandon:
        return CourseAssembly(findings, None, [], found.unmapped)
    unmapped += found.unmapped
    if course.start and found.start is not None and found.source is not None:
        when = dt.datetime.combine(found.start, dt.time())
        findings.append(Finding(course.start, found.start.isoformat(), None, when, found.source.sources[0],
                                found.detail, rank=0))
    dose_list = _doses(d, found, course, unmapped)
    return CourseAssembly(findings, dose_list, d.merged if dose_list is not None else [], unmapped)


_MEDICATIONS = ("MedicationAdministration", "MedicationStatement", "MedicationRequest")


def class_siblings(ctx: Context) -> list[Source]:
    """The bundle's medication records naming another drug of the requested drug's classes."""
    vocab = ctx.course_drugs
    if vocab is None or ctx.drug is None or not ctx.drug.classes:
        return []
    own = set(ctx.drug.classes)
    out: list[Source] = []
    for key, res in ctx.resources.items():
        src = ctx.sources[key]
        if res.get("resourceType") not in _MEDICATIONS or key != src.ref or res.get("status") == "entered-in-error":
            continue
        codes, texts = medication_concept(res, ctx)
        names = {e.generic for t in texts for e in vocab.entries_in(t) if own & set(e.classes)}
        names |= {e.generic for s, c, _ in codes if s == RXNORM and (e := vocab.by_code("RxNorm", c)) is not None
                  and own & set(e.classes)}
        if names - {ctx.drug.generic}:
            out.append(src)
    return out


def baselines(assembly: CourseAssembly, course: DrugCourse | None, findings: Sequence[Finding],
              siblings: Sequence[Source]) -> tuple[list[Finding], list[tuple[Source, str]]]:
    """Each declared baseline: the latest value of its measured fact dated on or before the course start."""
    if course is None or not course.baseline:
        return [], []
    start = next((f.date for f in assembly.findings if f.fact == course.start), None)
    out: list[Finding] = []
    unmapped: list[tuple[Source, str]] = []
    for fact, measured in course.baseline:
        before = [f for f in findings if f.fact == measured and f.date is not None and start is not None
                  and f.date <= start]
        if not before:
            continue
        best = max(before, key=lambda f: (f.when or dt.datetime.min, f.rank))
        if siblings:
            names = ", ".join(s.ref for s in siblings)
            unmapped.append((best.source, f"{fact} left unknown: the records name another drug of the class of "
                                          f"{course.label} ({names}), which may have started before it"))
            continue
        out.append(best._replace(fact=fact, rank=0, detail=f"{measured} on {best.date}, on or before the start of "
                                                           f"{course.label} ({start})"))
    return out, unmapped
