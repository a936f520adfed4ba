"""Doses of the requested drug -> ``treatment_doses`` and ``treatment_start`` (continuation).

A re-authorisation is judged on the course of the drug being requested, so these facts are
read only when the caller says which drug that is (``bundle_to_case(..., drug="Reblozyl")``:
the CLI's ``--drug``, the CRD order, the PAS claim item). Without it nothing is guessed: the
administrations of luspatercept, imetelstat, lenalidomide or an ESA are listed as unmapped
with the reason. The drug is recognised by code or by name (:data:`codes.TREATMENT_DRUGS`),
so a wrong or missing code does not hide it; a record naming two drugs is ambiguous.

* **MedicationAdministration** of the requested drug: one dose, dated by
  ``effectiveDateTime`` / ``effectivePeriod.start``, with ``dosage.dose`` value and unit
  (``1.33 mg/kg``). R4 requires ``effective[x]``, so an undated administration is a period
  without dates (a data-absent-reason) or a partial date (``2026-07``); it is listed.
  Status ``completed`` or ``in-progress`` counts; ``not-done`` and ``entered-in-error`` are
  ignored (listed: no dose was given); ``stopped`` / ``on-hold`` were given in an unknown
  amount, and ``unknown`` may not have been given at all.
* **MedicationStatement** of the requested drug: ``effectivePeriod.start`` states the start
  of the course explicitly (``effectiveDateTime`` is a time it was taken, not the start, and a
  statement's dosage is the regimen, not doses given, so neither is read). Not-taken,
  intended and entered-in-error statements are listed.
* **MedicationRequest**: an order says what is to be given, never when a dose was, so it gives
  neither fact (the renewal order of a PAS request is one).

The unit must be the one the drug is dosed in (:data:`DOSE_UNITS`: luspatercept and
imetelstat mg/kg, lenalidomide mg, epoetin IU or IU/kg, darbepoetin mcg or mcg/kg): a
luspatercept dose of 70 mg is not a dose level comparable to 1.75 mg/kg.

Assembly (:func:`assemble_treatment`), unknown rather than wrong: ``treatment_doses`` is the
list of doses when every administration of the drug is complete, and is left **unknown**
(each administration listed with the reason) when one lacks a date or a usable dose, has an
unclear status or drug, when doses are in different units, or two records of one day
disagree (two identical records of one day are one dose). ``treatment_start`` is the start a
MedicationStatement states, else the earliest dose; it is unknown when statements disagree,
when a dose predates the stated start (another course?), or, without a statement, when an
administration has no date or an uncertain one (status ``unknown``, drug unclear) comes
first. A stated start more than 7 days before the first recorded dose means the dose record
is incomplete: the start stands, the doses are left unknown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from mednec.intake.fhir.codes import ESA_CLASS, ESA_RXNORM, TREATMENT_DRUGS, UCUM, treatment_drugs
from mednec.intake.fhir.common import Context, EventFinding, Finding, NotMapped, Source, fhir_date_of, fhir_datetime
from mednec.intake.fhir.transfusion import medication_concept

__all__ = [
    "DOSE_UNITS",
    "TreatmentAssembly",
    "assemble_treatment",
    "map_administration",
    "map_request",
    "map_statement",
]

#: The units each drug's dose levels are counted in (the policies' dosing sections).
DOSE_UNITS: Mapping[str, tuple[str, ...]] = {
    "luspatercept": ("mg/kg",),
    "imetelstat": ("mg/kg",),
    "lenalidomide": ("mg",),
    "epoetin alfa": ("IU", "IU/kg"),
    "darbepoetin alfa": ("mcg", "mcg/kg"),
}
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
_KNOWN = {d.name for d in TREATMENT_DRUGS}


def _unit(dose: Mapping[str, Any]) -> str | None:
    for raw in (dose.get("code") if dose.get("system") in (None, UCUM) else None, dose.get("unit")):
        if raw:
            key = str(raw).strip().lower().replace("µ", "u").replace("[", "").replace("]", "").replace(" ", "")
            if key in _UNITS:
                return _UNITS[key]
    return str(dose.get("code") or dose.get("unit") or "") or None


def _requested(resource: Mapping[str, Any], ctx: Context) -> tuple[str, str | None]:
    """The requested drug's name and ``None`` when the resource is it, or why it is ambiguous.

    Raises :class:`NotMapped` when it is another drug, or when no drug was requested.
    """
    codes, texts = medication_concept(resource, ctx)
    found = treatment_drugs(codes, texts)
    label = texts[0] if texts else "no medication text"
    if ctx.drug is None:
        named = sorted(found & _KNOWN)
        if not named:
            raise NotMapped("")
        if ctx.drug_name:
            raise NotMapped(f"{named[0]}: the requested drug {ctx.drug_name!r} is not one FHIR intake recognises, "
                            "so no doses are read as the requested treatment")
        raise NotMapped(f"{named[0]}: the requested drug is not known, so its doses are not read as "
                        "treatment_doses / treatment_start (give the drug, e.g. --drug)")
    drug = ctx.drug.name
    if drug not in found:
        if ESA_CLASS in found and drug in ESA_RXNORM.values():
            return drug, f"names only the ESA class ({label}): cannot tell whether it is {drug}"
        raise NotMapped(f"not {drug}, the requested drug ({label})")
    if len(found) > 1:
        return drug, f"names {' and '.join(sorted(found))} ({label}): which drug was given is unclear"
    return drug, None


def map_administration(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[EventFinding]:
    """One administration of the requested drug -> one dose (or an incomplete one, for review)."""
    drug, unclear = _requested(resource, ctx)
    status = str(resource.get("status"))
    if status in _IGNORED:
        raise NotMapped(f"status is {status}: no dose of {drug} was given")

    def finding(event: dict[str, Any] | None, detail: str) -> list[EventFinding]:
        return [EventFinding("treatment_doses", event, (src,), detail, key=src.ref)]

    try:
        when = fhir_date_of(resource, "effective", path=src.path)
    except NotMapped as exc:
        return finding(None, f"{drug}: {exc.reason}")
    if when is None:
        return finding(None, f"{drug} given on no stated date (effectiveDateTime / effectivePeriod)")
    day = when.date().isoformat()
    if unclear or status not in (*_GIVEN, *_PARTLY_GIVEN):  # perhaps not a dose of the drug at all
        why = unclear or f"status is {status}: not known whether {drug} was given"
        return finding({"date": day, "uncertain": True}, f"{day}: {why}")
    if status in _PARTLY_GIVEN:
        return finding({"date": day}, f"{day}: status is {status}: how much {drug} was given is not known")
    dose = (resource.get("dosage") or {}).get("dose") or {}
    value = dose.get("value")
    if value is None:
        return finding({"date": day}, f"{day}: {drug} given, no dose stated (dosage.dose)")
    unit = _unit(dose)
    if unit not in DOSE_UNITS[drug]:
        return finding({"date": day}, f"{day}: dose {value:g} {unit or '(no unit)'}; {drug} doses are counted in "
                                      f"{' or '.join(DOSE_UNITS[drug])}")
    if not isinstance(value, int | float) or value <= 0:
        return finding({"date": day}, f"{day}: dose {value!r} is not a positive amount")
    return finding({"date": day, "dose": value, "unit": unit}, f"{day}: {value:g} {unit}")


def map_statement(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[EventFinding]:
    """A statement of the requested drug with ``effectivePeriod.start`` -> the stated start."""
    drug, unclear = _requested(resource, ctx)
    status = str(resource.get("status"))
    if status in ("entered-in-error", "not-taken", "intended"):
        raise NotMapped(f"status is {status}: says nothing of when {drug} was started")
    if unclear:
        raise NotMapped(unclear)
    raw = (resource.get("effectivePeriod") or {}).get("start")
    start = fhir_datetime(raw, path=f"{src.path}.effectivePeriod.start")
    if start is None:
        raise NotMapped(f"states no start of {drug} (effectivePeriod.start)")
    day = start.date().isoformat()
    return [EventFinding("treatment_start", {"start": day}, (src,), f"{drug} started {day} ({src.ref})", key=src.ref)]


def map_request(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[EventFinding]:
    """An order of the requested drug says what is to be given, not when a dose was."""
    drug, _ = _requested(resource, ctx)
    raise NotMapped(f"an order for {drug}: it says what is to be given, not when doses were given")


class TreatmentAssembly(NamedTuple):
    """``treatment_start`` (a finding, ``None`` = unknown), ``treatment_doses`` and what was not used."""

    start: Finding | None
    doses: list[dict[str, Any]] | None
    used: list[EventFinding]
    unmapped: list[tuple[Source, str]]


def _day(f: EventFinding, key: str = "date") -> dt.date:
    return dt.date.fromisoformat(str((f.event or {})[key]))


def _merge_days(doses: Sequence[EventFinding]) -> tuple[list[EventFinding], list[tuple[EventFinding, str]]]:
    """One dose per day: identical records of a day are one dose; different ones are a problem."""
    by_day: dict[str, list[EventFinding]] = {}
    for d in doses:
        by_day.setdefault(str((d.event or {})["date"]), []).append(d)
    merged: list[EventFinding] = []
    problems: list[tuple[EventFinding, str]] = []
    for day, group in sorted(by_day.items()):
        if len({((g.event or {}).get("dose"), (g.event or {}).get("unit")) for g in group}) > 1:
            problems += [(g, f"{day}: the records of this day give different doses") for g in group]
        else:
            merged.append(group[0]._replace(sources=tuple(s for g in group for s in g.sources)))
    return merged, problems


class _Doses(NamedTuple):
    """The dose records sorted out: dated ones, merged per day, and what is wrong with them."""

    dated: list[EventFinding]
    undated: list[EventFinding]
    merged: list[EventFinding]
    problems: list[tuple[EventFinding, str]]
    first: dt.date | None  # the first dose on a certain date
    unsure_first: dt.date | None  # the first dose on an uncertain date


def _sort_doses(doses: Sequence[EventFinding]) -> _Doses:
    dated = [d for d in doses if d.event is not None]
    undated = [d for d in doses if d.event is None]
    problems: list[tuple[EventFinding, str]] = [(d, d.detail) for d in undated]
    problems += [(d, d.detail) for d in dated if "dose" not in (d.event or {})]
    merged, clashes = _merge_days([d for d in dated if "dose" in (d.event or {})])
    problems += clashes + _unit_clashes(merged)
    sure = [d for d in dated if not (d.event or {}).get("uncertain")]
    first = min((_day(d) for d in sure), default=None)
    unsure_first = min((_day(d) for d in dated if d not in sure), default=None)
    return _Doses(dated, undated, merged, problems, first, unsure_first)


def _unit_clashes(merged: Sequence[EventFinding]) -> list[tuple[EventFinding, str]]:
    units = sorted({str((d.event or {})["unit"]) for d in merged})
    if len(units) < 2:
        return []
    return [(d, f"doses are in different units ({', '.join(units)}): dose levels cannot be compared") for d in merged]


class _Start(NamedTuple):
    """The start the records give (``None``: unknown), and whether the doses must be dropped too."""

    start: Finding | None
    lost: str  # "treatment_start and " when an incomplete dose record also hides the start
    unmapped: list[tuple[Source, str]]
    abandon: bool  # a dose before the stated start: both facts unknown


def _from_statements(starts: Sequence[EventFinding], doses: Sequence[EventFinding], d: _Doses) -> _Start:
    """The start stated by MedicationStatements, checked against the first recorded dose."""
    stated_days = sorted({_day(s, "start") for s in starts})
    if len(stated_days) > 1:
        why = f"statements give different starts ({', '.join(map(str, stated_days))}): treatment_start left unknown"
        return _Start(None, "", [(src, why) for s in starts for src in s.sources], False)
    stated = stated_days[0]
    statement = next(s for s in starts if _day(s, "start") == stated)
    if d.first is not None and d.first < stated:
        why = (f"a dose on {d.first} predates the start {stated} stated by {statement.sources[0].ref}: "
               "treatment_start and treatment_doses left unknown")
        return _Start(None, "", [(src, why) for s in (*starts, *doses) for src in s.sources], True)
    unmapped = [(src, f"the same start as {statement.sources[0].ref}")
                for s in starts if s is not statement for src in s.sources]
    if d.first is not None and d.first - stated > _START_SLACK:
        d.problems.extend((m, f"the first recorded dose ({d.first}) is {(d.first - stated).days} days after the "
                              f"start {stated}: the dose record is incomplete") for m in d.merged)
    return _Start(_start(stated, statement, statement.detail), "", unmapped, False)


def _treatment_start(starts: Sequence[EventFinding], doses: Sequence[EventFinding], d: _Doses) -> _Start:
    """A stated start, else the first dose -- unless an undated or uncertain dose may come before it."""
    if starts:
        return _from_statements(starts, doses, d)
    if d.undated or (d.unsure_first is not None and (d.first is None or d.unsure_first < d.first)):
        return _Start(None, "treatment_start and ", [], False)
    if d.first is None:
        return _Start(None, "", [], False)
    sure = [x for x in d.dated if not (x.event or {}).get("uncertain")]
    earliest = min(sure, key=_day)
    return _Start(_start(d.first, earliest, f"the first recorded dose ({earliest.detail})"), "", [], False)


def assemble_treatment(doses: Sequence[EventFinding], starts: Sequence[EventFinding]) -> TreatmentAssembly:
    """Doses and stated starts of the requested drug -> the two facts (see the module docstring)."""
    d = _sort_doses(doses)
    found = _treatment_start(starts, doses, d)
    if found.abandon:
        return TreatmentAssembly(None, None, [], found.unmapped)
    unmapped = list(found.unmapped)
    if d.problems:
        flagged = {src for x, _ in d.problems for src in x.sources}
        unmapped += [(src, f"{why}; {found.lost}treatment_doses left unknown for the clinician to complete")
                     for x, why in d.problems for src in x.sources]
        unmapped += [(src, f"{found.lost}treatment_doses left unknown: another record of the drug is incomplete")
                     for x in d.dated for src in x.sources if src not in flagged]
        return TreatmentAssembly(found.start, None, [], unmapped)
    return TreatmentAssembly(found.start, [dict(x.event or {}) for x in d.merged] or None, d.merged, unmapped)


def _start(day: dt.date, f: EventFinding, detail: str) -> Finding:
    when = dt.datetime.combine(day, dt.time())
    return Finding("treatment_start", day.isoformat(), None, when, f.sources[0], detail, rank=0)
