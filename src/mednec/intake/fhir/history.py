"""MedicationStatement / MedicationRequest -> ``medication_history``: earlier treatments with any drug the
loaded packs know.

The drugs are the packs' vocabulary (their policies' drugs and the ``drugs:`` and ``drug_classes:`` of
each ``pack.yaml``), by the medication's text or coding display -- so a statin or metformin recorded in
the EHR is read for a step-therapy criterion with no pack-specific FHIR code. ESAs are read into
``esa_history`` (:mod:`medication`), the requested drug's own doses into the treatment course
(:mod:`treatment`); neither becomes an entry here.

Per statement: ``drug`` (the generic name), ``start``/``end`` from ``effectivePeriod`` (or
``effectiveDateTime`` as the start), ``dose`` and ``dose_unit`` from the first
``dosage.doseAndRate.doseQuantity``, and ``response``: ``ongoing`` for an active statement, else what
``statusReason`` says (no response, lost response, intolerance, partial, responded). A completed or
stopped statement whose reason says none of these is a course that ended for a reason not stated
(``response: stopped``): its drug and dates count for a criterion on the course's length ("ezetimibe for
at least 8 weeks"), and a criterion that needs its outcome (a failure) is asked. A statement of another
status without its outcome (on-hold, unknown) leaves the whole ``medication_history`` unknown (each
statement listed) so the question asks, rather than an incomplete history being taken as complete. ``intended`` and ``entered-in-error``
statements are listed, not used, except ``not-taken`` without an ``effective[x]``: the drug documented as
never given (``response: not_given``; R4 "The medication was not consumed by the patient"); one with an
effective time says only that it was not taken then, and is listed. Without the packs' vocabulary (a caller that does not pass it) no
statement is read here.

A **MedicationRequest** (the medication list Epic- and Cerner-style servers send is one) is read the same
way: ``active`` is ongoing from ``dosageInstruction.timing.repeat.boundsPeriod.start`` (else
``authoredOn``); ``completed`` / ``stopped`` take their outcome from ``statusReason`` (without one: ``stopped``,
as for a statement), their end from the bounds, else from ``dispenseRequest.validityPeriod.end``; its dose is
``dosageInstruction.doseAndRate.doseQuantity``. A completed **MedicationDispense** (handed over) is the drug
taken: ``ongoing`` while its days' supply lasts, else ``stopped`` when the supply ran out.
Drafts, cancelled and entered-in-error orders, and proposals and plans, are listed, not used.

**Absence is not evidence of absence.** An EHR's medication records name the drugs they name: a drug the
bundle does not mention may have been taken elsewhere, earlier, or recorded where the export does not reach.
So every entry read here is ``scope: named_only`` (as the text reader's are), and a step-therapy criterion
whose drug is absent is *unknown* and asked, never met or not met on that account -- unless the bundle itself
says its list is complete: a ``List`` of the medication history (LOINC 10160-0 "History of Medication use
Narrative", or ``medications`` of http://terminology.hl7.org/CodeSystem/list-example-use-codes, or a code text
naming the medication list) with ``mode: snapshot`` and ``status: current`` (an empty one only with
``emptyReason`` ``nilknown``). Then the entries are the whole history (no scope: a drug absent from it was not
taken), ``complete_medication_list`` carries the list's date, and the determination lists the presumption
"the medication list of <date> is complete" among what the request must attest (:mod:`mednec.engine.presumed`).
A drug documented as never given (``not-taken`` without a time) is decisive for that drug with or without a list.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Mapping
from typing import Any

from mednec.calculators.courses import NOT_GIVEN, STOPPED
from mednec.calculators.statins import statin_in, statin_intensity
from mednec.facts.drugs import DrugEntry
from mednec.intake.fhir.code_tables import rxnorm_drugs
from mednec.intake.fhir.codes import RXNORM, SNOMED, codings, concept_texts, esa_drug
from mednec.intake.fhir.common import (
    Context,
    EventFinding,
    Finding,
    HistoryEntry,
    NotMapped,
    Source,
    fhir_datetime,
    partial_days,
)
from mednec.intake.fhir.medication import read_order, response_of
from mednec.intake.fhir.transfusion import medication_concept
from mednec.intake.text.numbers import find_dates

__all__ = ["COMPLETE_LIST", "map_allergy", "map_history_administration", "map_history_dispense",
           "map_history_request", "map_history_statement", "map_medication_list"]

_REASON = {"none": "inadequate_response", "lost_response": "lost_response", "intolerant": "intolerance"}
#: the fact a complete medication list gives (its date)
COMPLETE_LIST = "complete_medication_list"
#: codes of a medication-history List (LOINC: the IPS medication summary section's code; HL7's example use code)
_LIST_CODES = frozenset({("http://loinc.org", "10160-0"),
                         ("http://terminology.hl7.org/CodeSystem/list-example-use-codes", "medications")})
_LIST_TEXT = re.compile(r"\bmedications?\s+(?:list|history|summary)\b|\bhistory of medication use\b", re.I)
#: statuses of a course that ended: without a reason it is ``stopped`` (mednec.calculators.courses: no longer
#: taken, why not said), its dates kept -- 17 weeks of ezetimibe completed is 17 weeks of ezetimibe whatever
#: its outcome; a criterion that needs the outcome (a failure) asks for it
_ENDED = ("completed", "stopped")


#: an amount of a drug in a dosage's text ("Take 1 tablet (80 mg) by mouth nightly", "500mg BID"); a
#: thousands comma ("1,000 mg") or a range ("10-20 mg") is no single amount
_TEXT_DOSE = re.compile(r"(?<![\d.,\-])(\d+(?:\.\d+)?)\s*(mg|mcg|g)\b(?!\s*/)", re.I)


def _dose(resource: Mapping[str, Any], key: str = "dosage") -> tuple[float, str] | None:
    """The dose a ``doseQuantity`` gives, else the one amount a dosage's text states (two different
    amounts, or none: no dose)."""
    dosages = [d for d in resource.get(key) or () if isinstance(d, Mapping)]
    for dosage in dosages:
        for dr in dosage.get("doseAndRate") or ():
            q = dr.get("doseQuantity") or {}
            if isinstance(q.get("value"), int | float) and not q.get("comparator"):
                return float(q["value"]), str(q.get("unit") or q.get("code") or "")
    said = {(float(m.group(1)), m.group(2).lower()) for d in dosages if isinstance(d.get("text"), str)
            for m in _TEXT_DOSE.finditer(d["text"]) if not re.match(r"\s*-", d["text"][m.end():])}
    return said.pop() if len(said) == 1 else None


_STRENGTH = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(mg)\b(?!\s*/)[^/]*?\b(?:oral\s+)?(?:tablet|tab|capsule|cap)s?\b", re.I)
_COUNT = re.compile(r"^\s*(?:take\s+)?(1|one|2|two)\s+(?:tablet|tab|capsule|cap)s?\b", re.I)


def _unit_dose(resource: Mapping[str, Any], ctx: Context) -> tuple[float, str] | None:
    """A dispensed solid form's dose: its one strength ("atorvastatin 80 MG Oral Tablet") times the count the
    sig begins with ("1 tablet by mouth daily"); ``None`` when either is not said, or strengths differ."""
    _, texts = medication_concept(resource, ctx)
    strengths = {float(m.group(1)) for t in texts for m in _STRENGTH.finditer(t)}
    sigs = [d["text"] for d in resource.get("dosageInstruction") or () if isinstance(d, Mapping)
            and isinstance(d.get("text"), str)]
    counts = {{"one": 1.0, "two": 2.0}.get(m.group(1).lower(), 0.0) or float(m.group(1))
              for t in sigs if (m := _COUNT.match(t))}
    if len(strengths) != 1 or len(counts) != 1:
        return None
    return strengths.pop() * counts.pop(), "mg"


#: a dose counted in solid units (tablets, capsules): the amount is that many of the product's strength
_COUNT_UNITS = frozenset({"tablet", "tablets", "tab", "tabs", "{tbl}", "{tablet}", "{tab}", "capsule", "capsules",
                          "cap", "caps", "{cap}", "{capsule}"})
#: timing.repeat.periodUnit -> hours
_PERIOD_HOURS = {"h": 1.0, "d": 24.0}


def _tablet_strength(resource: Mapping[str, Any], ctx: Context) -> float | None:
    """The mg in one tablet or capsule: the referenced Medication's one ``ingredient.strength`` per one unit
    (``80 mg / 1 TAB``), else the one strength its names state ("atorvastatin 20 MG Oral Tablet")."""
    ref = resource.get("medicationReference")
    med = ctx.resolve(ref, resource) if isinstance(ref, Mapping) else None
    found: set[float] = set()
    for ing in (med.get("ingredient") or ()) if isinstance(med, Mapping) else ():
        st = ing.get("strength") if isinstance(ing, Mapping) else None
        num, den = (st.get("numerator") or {}, st.get("denominator") or {}) if isinstance(st, Mapping) else ({}, {})
        if isinstance(num.get("value"), int | float) and str(num.get("code") or num.get("unit") or "").lower() == "mg" \
                and den.get("value") == 1 and str(den.get("code") or den.get("unit") or "").lower() in _COUNT_UNITS:
            found.add(float(num["value"]))
    if not found:
        _, texts = medication_concept(resource, ctx)
        found = {float(m.group(1)) for t in texts for m in _STRENGTH.finditer(t)}
    return found.pop() if len(found) == 1 else None


def _times_a_day(dosage: Mapping[str, Any]) -> float | None:
    """How many doses a day ``timing.repeat`` gives (frequency per period in hours or days; 1 when not said);
    ``0.0`` for a period of weeks or longer or a fraction of a dose a day (every other day)."""
    timing = dosage.get("timing")
    rep = timing.get("repeat") if isinstance(timing, Mapping) else None
    if not isinstance(rep, Mapping) or rep.get("period") is None:
        return 1.0
    freq, period, unit = rep.get("frequency", 1), rep.get("period"), _PERIOD_HOURS.get(str(rep.get("periodUnit")))
    if not isinstance(freq, int | float) or not isinstance(period, int | float) or period <= 0:
        return None
    if unit is None:
        return 0.0
    per_day = float(freq) * 24.0 / (float(period) * unit)
    return per_day if per_day >= 1 and per_day == int(per_day) else 0.0


def _daily_dose(resource: Mapping[str, Any], key: str, ctx: Context, generic: str) -> tuple[float, str] | None:
    """The dose of a day: a dose counted in tablets times the tablet's strength (2 x atorvastatin 20 mg = 40 mg),
    times the doses a day ``timing.repeat`` gives (rosuvastatin 10 mg twice daily = 20 mg). A statin taken
    less than once a day (every other day, 3 times a week) has no daily dose in the ACC/AHA table: none is read
    (its intensity asked); another drug's weekly dose stays the dose it takes."""
    dose = _dose(resource, key)
    if dose is None:
        return None
    value, unit = dose
    if unit.lower() in _COUNT_UNITS:
        strength = _tablet_strength(resource, ctx)
        if strength is None:
            return None
        value, unit = value * strength, "mg"
    dosages = [d for d in resource.get(key) or () if isinstance(d, Mapping)]
    per_day = {_times_a_day(d) for d in dosages[:1]} or {1.0}
    times = per_day.pop()
    if times is None or (times == 0.0 and statin_in(generic) is not None):
        return None
    return (value * times, unit) if times else (value, unit)


def _drug(resource: Mapping[str, Any], ctx: Context,
          concept: tuple[list[tuple[str, str, str]], list[str]] | None = None) -> DrugEntry | None:
    """The drug the packs know that a medication names (not an ESA, not the requested drug), or ``None``."""
    if ctx.drugs is None:
        return None
    codes, texts = concept if concept is not None else medication_concept(resource, ctx)
    if esa_drug(codes, texts) is not None:
        return None
    entry = next((e for t in texts if (e := _product(ctx.drugs.entries_in(t), ctx.drugs.entries)) is not None), None)
    if entry is None:  # a code alone, no name: a policy's own codes, or the verified RxNorm codes of the code tables
        known = rxnorm_drugs()
        entry = next((e for s, c, _ in codes if s == RXNORM and (e := ctx.drugs.by_code("RxNorm", c)
                                                                 or (ctx.drugs.entry(known[c]) if c in known else None))
                      is not None), None)
    if entry is None:
        return None
    if ctx.drug_name and (req := ctx.drugs.entry(ctx.drug_name)) is not None and req.generic == entry.generic:
        return None
    return entry


def _product(named: tuple[DrugEntry, ...], known: tuple[DrugEntry, ...]) -> DrugEntry | None:
    """The one product a medication's text names: the drug it names, or -- when it names several -- the
    combination product whose ingredients (``x and y``) they are, by its brand or by its ingredients
    ("bempedoic acid 180 mg / ezetimibe 10 mg tablet (Nexlizet)" is Nexlizet, not bempedoic acid alone);
    else the first named, as before."""
    if len(named) <= 1:
        return named[0] if named else None
    generics = {e.generic for e in named}
    combos = [e for e in known if " and " in e.generic
              and (e.generic in generics or set(e.generic.split(" and ")) <= generics)]
    return combos[0] if len(combos) == 1 else named[0]


def _undated_now(status: str, raw: Any, ctx: Context) -> bool:
    """An active course whose start is a partial date (``2025``, ``2026-10``): taken now, but since when is only an
    interval of days, which the treatment history has no field for -- read with no start (a rule on the course's
    length asks; never a guessed day). A partial start wholly after the evaluation date is refused as before."""
    days = partial_days(raw) if status == "active" else None
    if days is None:
        return False
    if days[0] > ctx.as_of:
        raise NotMapped(f"starts {raw}, after the evaluation date")
    return True


def _partial_start(status: str, raw: Any, ctx: Context) -> tuple[dt.date, dt.date] | None:
    """The first and last possible day of an active course's partial start (:func:`_undated_now`), the last
    no later than the evaluation date; ``None`` for any other start."""
    days = partial_days(raw) if _undated_now(status, raw, ctx) else None
    return None if days is None else (days[0], min(days[1], ctx.as_of))


def _started_within(found: list[EventFinding | Finding], days: tuple[dt.date, dt.date] | None,
                    ) -> list[EventFinding | Finding]:
    """The course entries of ``found`` with no start given the range of days their partial start names: a rule on
    the course's length then decides only when every day of it agrees (``calculators.courses``)."""
    if days is None:
        return found
    return [f._replace(event=dataclasses.replace(f.event, start_range=days))
            if isinstance(f, EventFinding) and isinstance(f.event, HistoryEntry) and f.event.start is None else f
            for f in found]


def _range_intensity(resource: Mapping[str, Any], key: str, generic: str) -> str | None:
    """A statin dose given only as ``doseAndRate.doseRange`` (a titration order, "20-40 mg daily"): the intensity
    both ends of the range have in the ACC/AHA 2018 table (rosuvastatin 20-40 mg: high), else ``None``. The range
    gives no one dose, so no dose is read (a maximum-dose rule must not take either end)."""
    for dosage in resource.get(key) or ():
        for dr in (dosage.get("doseAndRate") or ()) if isinstance(dosage, Mapping) else ():
            rng = dr.get("doseRange") if isinstance(dr, Mapping) else None
            if not isinstance(rng, Mapping):
                continue
            ends = [rng.get("low") or {}, rng.get("high") or {}]
            if all(isinstance(q.get("value"), int | float) and str(q.get("code") or q.get("unit") or "").lower() == "mg"
                   for q in ends):
                low, high = (statin_intensity(generic, float(q["value"])) for q in ends)
                return low if low is not None and low == high else None
    return None


def _stop_contraindication(resource: Mapping[str, Any], entry: DrugEntry, src: Source, ctx: Context) -> list[Finding]:
    """A statin stopped for rhabdomyolysis (``statusReason`` SNOMED CT 240131006 or the word): the class is
    contraindicated (:data:`_CONTRAINDICATING`), as an allergy with that reaction is."""
    raw = resource.get("statusReason")
    reasons = [r for r in (raw if isinstance(raw, list) else [raw]) if isinstance(r, Mapping)]
    if ctx.drugs is None or not reasons:
        return []
    out: list[Finding] = []
    for drug_class, words, codes, fact in _CONTRAINDICATING:
        if fact not in ctx.dictionary.facts or not ctx.drugs.matches(entry.generic, drug_class):
            continue
        if any(c in codes for r in reasons for s, c, _ in codings(r) if s == SNOMED) or \
                any(words.search(t) for r in reasons for t in concept_texts(r)):
            out.append(Finding(fact, True, None, None, src, f"{entry.generic} stopped: statusReason rhabdomyolysis"))
    return out


def _entry(entry: DrugEntry, status: str, start: dt.datetime | None, end: dt.datetime | None, reasons: list[str],
           dose: tuple[float, str] | None, src: Source, intensity: str | None = None) -> list[EventFinding]:
    if dose is None and intensity is not None:
        return [f._replace(event=dataclasses.replace(f.event, intensity=intensity))
                if isinstance(f.event, HistoryEntry) else f
                for f in _entry(entry, status, start, end, reasons, dose, src)]
    said = response_of(reasons)
    first = start.date() if start is not None else None
    if status == "active" and said is None:
        event = HistoryEntry(entry.generic, "ongoing", first, dose=dose)
    elif said is not None:
        event = HistoryEntry(entry.generic, said, first, end.date() if end is not None else None, _REASON.get(said),
                             dose)
    elif status in _ENDED:  # ended, why not said: its dates stand, any outcome may be the one (asked where it matters)
        event = HistoryEntry(entry.generic, STOPPED, first, end.date() if end is not None else None, dose=dose)
    else:
        return [EventFinding("medication_history", None, (src,),
                             f"{entry.generic}: {status}, outcome not documented", key=src.ref)]
    return [EventFinding("medication_history", event, (src,), f"{entry.generic} ({event.response})", key=src.ref)]


def map_history_statement(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[EventFinding | Finding]:
    """A statement of a drug the packs know -> one ``medication_history`` entry (``None`` if incomplete)."""
    # not this mapper's resource: nothing (the other mappers' reasons stand for what is listed)
    entry = _drug(resource, ctx)
    if entry is None:
        return []
    status = str(resource.get("status"))
    if status in ("intended", "entered-in-error"):
        raise NotMapped(f"status is {status}")
    if status == "not-taken":  # R4: "The medication was not consumed by the patient"
        if resource.get("effectivePeriod") or resource.get("effectiveDateTime"):
            raise NotMapped("status is not-taken for a stated time: not taken then, not documented as never given")
        return [EventFinding("medication_history", HistoryEntry(entry.generic, NOT_GIVEN), (src,),
                             f"{entry.generic} (documented as never given: not-taken)", key=src.ref)]
    period = resource.get("effectivePeriod") or {}
    days = _partial_start(status, period.get("start"), ctx)
    start = None if days is not None else \
        fhir_datetime(period.get("start"), path=f"{src.path}.effectivePeriod.start")
    end = fhir_datetime(period.get("end"), path=f"{src.path}.effectivePeriod.end")
    if start is None and days is None and resource.get("effectiveDateTime"):
        days = _partial_start(status, resource["effectiveDateTime"], ctx)
        if days is None:
            start = fhir_datetime(resource["effectiveDateTime"], path=f"{src.path}.effectiveDateTime")
    reasons = [t for r in resource.get("statusReason") or () for t in concept_texts(r)]
    return _started_within([*_entry(entry, status, start, end, reasons, _daily_dose(resource, "dosage", ctx, entry.generic),
                                    src, _range_intensity(resource, "dosage", entry.generic)),
                            *_stop_contraindication(resource, entry, src, ctx)], days)


def map_history_request(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[EventFinding | Finding]:
    """An order of a drug the packs know -> one ``medication_history`` entry (``None`` if incomplete)."""
    entry = _drug(resource, ctx)
    if entry is None:
        return []
    authored = _partial_start(str(resource.get("status")), resource.get("authoredOn"), ctx)
    if authored is not None:
        resource = {k: v for k, v in resource.items() if k != "authoredOn"}  # taken now, since a range of days
        return _started_within(_map_request(resource, src, ctx, entry), authored)
    return _map_request(resource, src, ctx, entry)


def _map_request(resource: Mapping[str, Any], src: Source, ctx: Context, entry: DrugEntry,
                 ) -> list[EventFinding | Finding]:
    """:func:`map_history_request` once a partial ``authoredOn`` is set aside."""
    order = read_order(resource, src)
    end = order.end
    reasons = list(order.reasons)
    if order.status in _HALTED:  # why and when it stopped is often written only in a note
        reasons += [n["text"] for n in resource.get("note") or () if isinstance(n, Mapping) and isinstance(n.get("text"), str)]
        said = _halted_on(reasons, order.start, ctx.as_of)
        if end is None and said is not None:
            end = dt.datetime.combine(said, dt.time())
        if order.status == "on-hold":  # R4: temporarily halted -- taken until the hold began, if that is said
            daily = _daily_dose(resource, "dosageInstruction", ctx, entry.generic)
            if end is None:
                return [*_entry(entry, order.status, order.start, None, reasons, daily, src)]
            return [*_entry(entry, "stopped", order.start, end, reasons, daily, src)]
    if end is None and order.status in _ENDED:
        validity = (resource.get("dispenseRequest") or {}).get("validityPeriod") or {}
        end = fhir_datetime(validity.get("end"), path=f"{src.path}.dispenseRequest.validityPeriod.end")
    return [*_entry(entry, order.status, order.start, end, reasons,
                    _daily_dose(resource, "dosageInstruction", ctx, entry.generic), src,
                    _range_intensity(resource, "dosageInstruction", entry.generic)),
            *_stop_contraindication(resource, entry, src, ctx)]


#: Orders whose stop or hold date and reason an EHR often writes only in ``statusReason.text`` or a ``note``.
_HALTED = ("stopped", "completed", "on-hold")
_HALT_WORDS = re.compile(r"\b(?:stopped|held|hold|on[- ]hold|discontinued|d/c'?d|dc'?d|paused|suspended|since|as of|"
                         r"ended|stop(?:ped)?\s+on)\b", re.I)


def _halted_on(texts: list[str], start: dt.datetime | None, as_of: dt.date) -> dt.date | None:
    """The day an order was stopped or put on hold, when its texts say it: the one full date there (US order, as
    the text reader reads it), else the one right after a stop or hold word ("Held 2026-11-28 ..., resume in 48
    h"); a date before the order's start or after the evaluation date is not it. ``None`` when not said."""
    found: list[tuple[bool, dt.date]] = []
    for t in texts:
        for b, _, day in find_dates(t):
            if day > as_of or (start is not None and day < start.date()):
                continue
            found.append((bool(_HALT_WORDS.search(t[max(0, b - 24):b])), day))
    days = {d for _, d in found}
    if len(days) == 1:
        return days.pop()
    cued = {d for cue, d in found if cue}
    return cued.pop() if len(cued) == 1 else None


def map_history_dispense(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[EventFinding]:
    """A completed MedicationDispense of a drug the packs know: taken from the hand-over (``whenHandedOver``,
    else ``whenPrepared``); ``ongoing`` while ``daysSupply`` lasts on the evaluation date, else ``stopped`` at
    its end (a later fill elsewhere is not known). Other statuses (preparation, in-progress, cancelled,
    declined, stopped, on-hold, entered-in-error) hand nothing over and are listed."""
    entry = _drug(resource, ctx)
    if entry is None:
        raise NotMapped("not a drug whose treatment history the packs read")
    status = str(resource.get("status"))
    if status != "completed":
        raise NotMapped(f"status is {status}: not handed over")
    key = "whenHandedOver" if resource.get("whenHandedOver") else "whenPrepared"
    start = fhir_datetime(resource.get(key), path=f"{src.path}.{key}")
    if start is None:
        raise NotMapped("no whenHandedOver or whenPrepared: not placed in time")
    supply = resource.get("daysSupply") or {}
    days = supply.get("value") if isinstance(supply.get("value"), int | float) else None
    end = start + dt.timedelta(days=float(days)) if days is not None else None
    dose = _dose(resource, "dosageInstruction") or _unit_dose(resource, ctx)
    if end is not None and end.date() >= ctx.as_of:
        event = HistoryEntry(entry.generic, "ongoing", start.date(), dose=dose)
    else:
        event = HistoryEntry(entry.generic, STOPPED, start.date(), end.date() if end is not None else None, dose=dose)
    return [EventFinding("medication_history", event, (src,), f"{entry.generic} (dispensed {start.date()})",
                         key=src.ref)]


#: A refill handed over at most this many days after the previous supply ran out continues the same course.
#: mednec's editorial decision of 7 December 2026, recorded in every policy's notes (no label, guideline or payer
#: policy seen states a grace period; tests/fhir/test_fhir_round6_families.py holds the family): hand-overs rarely fall on the exact day a
#: supply ends, and a shorter grace would split a continuous course (three 90-day fills 05-04, 08-02, 11-01) into
#: pieces too short for a criterion on its length; a longer gap restarts the course, so it is never lengthened by it.
REFILL_GRACE_DAYS = 7


def refills(events: list[EventFinding], as_of: dt.date) -> list[EventFinding]:
    """Consecutive dispenses of one drug as the course they make (:func:`map_history_dispense` reads each fill on
    its own): a refill handed over before the running supply ran out, or within :data:`REFILL_GRACE_DAYS` after,
    joins the course, its days added after what is left (an early refill carries over); a later one starts a new
    course. The course is ``ongoing`` while the joined supply lasts on ``as_of``. Other events are kept as they are."""
    fills: dict[str, list[EventFinding]] = {}
    out: list[EventFinding] = []
    for e in events:
        ev = e.event
        if isinstance(ev, HistoryEntry) and "(dispensed " in e.detail and ev.start is not None:
            fills.setdefault(ev.drug, []).append(e)
        else:
            out.append(e)
    grace = dt.timedelta(days=REFILL_GRACE_DAYS)
    for group in fills.values():
        group.sort(key=lambda f: f.event.start if isinstance(f.event, HistoryEntry) and f.event.start else dt.date.min)
        course: list[EventFinding] = []
        end: dt.date | None = None  # None: the supply lasts past as_of (or its length is not stated)
        for f in group:
            ev = f.event
            assert isinstance(ev, HistoryEntry) and ev.start is not None
            days = (ev.end - ev.start) if ev.end is not None else None
            if course and (end is None or ev.start <= end + grace):
                end = None if end is None or days is None else max(end, ev.start) + days
                course.append(f)
                continue
            if course:
                out.append(_course(course, end, as_of))
            course, end = [f], ev.end
        out.append(_course(course, end, as_of))
    return out


def _course(fills: list[EventFinding], end: dt.date | None, as_of: dt.date) -> EventFinding:
    if len(fills) == 1:
        return fills[0]
    first, last = fills[0].event, fills[-1].event
    assert isinstance(first, HistoryEntry) and isinstance(last, HistoryEntry)
    dose = last.dose or first.dose
    if end is None or end >= as_of:
        event = HistoryEntry(first.drug, "ongoing", first.start, dose=dose)
    else:
        event = HistoryEntry(first.drug, STOPPED, first.start, end, dose=dose)
    sources = tuple(s for f in fills for s in f.sources)
    detail = f"{first.drug} ({len(fills)} dispenses, one course from {first.start}: {event.response})"
    return EventFinding("medication_history", event, sources, detail, key=fills[0].key)


_ALLERGY_EXCLUDED = {"refuted", "entered-in-error"}
_ALLERGY_OVER = {"inactive", "resolved"}


def _class_members(texts: list[str], ctx: Context) -> tuple[str, ...]:
    """The drugs of a class a substance names as a whole ("HMG-CoA reductase inhibitors (statins)")."""
    if ctx.drugs is None:
        return ()
    for drug_class, names in ctx.drugs.class_names.items():
        words = [n for n in (*names, ctx.drugs.class_labels.get(drug_class, "")) if n]
        pattern = _class_pattern(tuple(words))
        if any(pattern.search(t) for t in texts):
            return ctx.drugs.members(drug_class)
    return ()


@functools.cache
def _class_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(w) for w in words) + r")(?![a-z0-9])", re.I)


def map_allergy(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[EventFinding | Finding]:
    """An AllergyIntolerance to a drug the packs know -> a ``medication_history`` entry: the drug not
    tolerated (``intolerant``, reason intolerance; no dates or dose, so a rule needing the dose asks for
    it). A substance naming a drug class as a whole (statins) gives every drug of the class. A statin allergy
whose reaction is rhabdomyolysis also gives ``statin_contraindicated`` (:data:`_CONTRAINDICATING`). Refuted and
    entered-in-error records say nothing; an inactive or resolved one (tolerated since) is listed, not used."""
    verification = next((c for _, c, _ in codings(resource.get("verificationStatus")) if c), None)
    if verification in _ALLERGY_EXCLUDED:
        raise NotMapped(f"verificationStatus is {verification}")
    clinical = next((c for _, c, _ in codings(resource.get("clinicalStatus")) if c), None)
    concept = resource.get("code")
    coded, texts = codings(concept), concept_texts(concept)
    entry = _drug(resource, ctx, (coded, texts))
    generics = (entry.generic,) if entry is not None else _class_members(texts, ctx)
    if not generics:
        what = texts[0] if texts else "no substance text"
        if ctx.drugs is not None and ctx.drug_name and (req := ctx.drugs.entry(ctx.drug_name)) is not None \
                and any(ctx.drugs.entry(t) is req for t in texts):
            raise NotMapped(f"an allergy or intolerance to the requested drug ({what}): not read, for the reviewer")
        raise NotMapped(f"not read: {what} is not a drug whose treatment history the packs read")
    if clinical in _ALLERGY_OVER:
        raise NotMapped(f"clinicalStatus is {clinical}")
    reactions = [t for r in resource.get("reaction") or () for m in r.get("manifestation") or ()
                 for t in concept_texts(m)[:1]]
    said = f"; reaction: {', '.join(reactions)}" if reactions else ""
    out: list[EventFinding | Finding] = [
        EventFinding("medication_history", HistoryEntry(g, "intolerant", reason_stopped="intolerance"), (src,),
                     f"{g} (AllergyIntolerance{said})", key=f"{src.ref}#{g}") for g in generics]
    return out + _contraindication(resource, generics, src, ctx)


#: A reaction that makes a whole class contraindicated, not merely not tolerated: statin-related
#: rhabdomyolysis (the LDL pack's ``statin_contraindicated`` question names it; its text rule
#: LDL_STATIN_RHABDO reads the same thing said in words). (class, reaction words, SNOMED CT codes, fact)
_CONTRAINDICATING = (("statin", re.compile(r"rhabdomyolys|\brhabdo\b", re.I), frozenset({"240131006"}),
                      "statin_contraindicated"),)


def _contraindication(resource: Mapping[str, Any], generics: tuple[str, ...], src: Source, ctx: Context) -> list[Finding]:
    """``statin_contraindicated`` from an allergy to a statin (one, or the class) whose reaction is rhabdomyolysis."""
    if ctx.drugs is None:
        return []
    manifestations = [m for r in resource.get("reaction") or () for m in r.get("manifestation") or ()]
    out: list[Finding] = []
    for drug_class, words, codes, fact in _CONTRAINDICATING:
        if fact not in ctx.dictionary.facts or not any(ctx.drugs.matches(g, drug_class) for g in generics):
            continue
        if any(c in codes for m in manifestations for s, c, _ in codings(m) if s == SNOMED) or \
                any(words.search(t) for m in manifestations for t in concept_texts(m)):
            out.append(Finding(fact, True, None, None, src,
                               f"AllergyIntolerance to {', '.join(generics[:3])}{'...' if len(generics) > 3 else ''}: "
                               "reaction rhabdomyolysis"))
    return out


def map_history_administration(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[EventFinding]:
    """An administration of a drug the packs know (not an ESA, not the requested drug): the drug was given,
    but neither the course nor its outcome is documented, so the treatment history is left unknown (asked),
    never taken as complete without it (a PCSK9 antibody given last week is a course the policies ask about)."""
    entry = _drug(resource, ctx)
    if entry is None:
        return []
    status = str(resource.get("status"))
    if status not in ("completed", "in-progress"):
        raise NotMapped(f"status is {status}")
    return [EventFinding("medication_history", None, (src,),
                         f"{entry.generic}: administered, course and outcome not documented", key=src.ref)]


def map_medication_list(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[Finding]:
    """A List the EHR sends as its complete medication list -> ``complete_medication_list`` (the list's date,
    else the evaluation date, said so): a medication-history code, ``mode: snapshot``, ``status: current``, and
    entries, or none with ``emptyReason`` ``nilknown``. Any other List is listed, not read: a working or changes
    list, a retired one, one of something else, or an empty one for another reason (not asked, withheld)."""
    coded = {(s, c) for s, c, _ in codings(resource.get("code"))}
    if not (coded & _LIST_CODES or any(_LIST_TEXT.search(t) for t in concept_texts(resource.get("code")))):
        raise NotMapped("not a medication list (List.code)")
    if resource.get("mode") != "snapshot":
        raise NotMapped(f"a medication list in mode {resource.get('mode')!r}: only a snapshot says it is complete")
    if resource.get("status") != "current":
        raise NotMapped(f"a medication list with status {resource.get('status')!r}")
    items = [e for e in resource.get("entry") or () if isinstance(e, Mapping) and not e.get("deleted")]
    if not items:
        empty = {c for _, c, _ in codings(resource.get("emptyReason"))}
        if "nilknown" not in empty:
            raise NotMapped("an empty medication list without emptyReason 'nilknown': not a statement that no "
                            "medication is taken")
    when = fhir_datetime(resource.get("date"), path=f"{src.path}.date") if resource.get("date") else None
    day = when.date() if when is not None else ctx.as_of
    said = f"List dated {day.isoformat()}" if when is not None else "undated List, taken as of the evaluation date"
    return [Finding(COMPLETE_LIST, day.isoformat(), None,
                    when or dt.datetime.combine(ctx.as_of, dt.time()), src,
                    f"the EHR's medication list sent as complete (mode snapshot, {len(items)} entries; {said})")]
