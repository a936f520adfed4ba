"""A FHIR R4 Bundle -> a case mapping, the provenance of every fact, and what was not used.

::

    intake = bundle_to_case(bundle_json, dictionary, as_of=dt.date(2026, 11, 20), drug="Reblozyl")
    case, provenance, unmapped = intake          # also intake.case, intake.provenance, ...
    runtime.parse_case(case)                     # the same checks as a case file

Steps: check the Bundle (type collection, searchset, transaction or document) against the R4B models;
index its resources; check that every clinical resource is about the bundle's one Patient;
run each resource through the mapper for its type (:data:`MAPPERS`, the first that takes it)
and through :data:`ALSO_MAPPERS` (the doses of the requested drug, :mod:`treatment`); keep,
for each fact, the latest dated value (ties: the more direct statement) and assemble the
transfusion, ESA and treatment event lists. Every resource ends up either in a fact's
provenance or in ``unmapped`` with the reason -- nothing is dropped silently; so does a part
of a used resource that gave nothing (``Observation/cbc1.component[2]``). Values dated after
the evaluation date are not used.

The evaluation date is ``as_of`` when given, else the Bundle's ``timestamp``, else today.
``drug`` is the requested drug (any of its names); its own records give the facts its pack's
``course:`` declares (MDS: ``treatment_start`` and ``treatment_doses``), and without it they are not
read (see :mod:`treatment`). ``drugs`` is the loaded packs' drug vocabulary (every caller in mednec
passes ``catalog.calculators.drugs``); without it, the default packs' vocabulary recognises the requested drug's records and no earlier
treatment is read (:mod:`history`).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from mednec.calculators.courses import NAMED_ONLY, NOT_GIVEN
from mednec.errors import CaseFormatError, ImplausibleValueError, InputError
from mednec.facts.days import iso_day
from mednec.facts.dictionary import FactDictionary
from mednec.facts.drugs import DrugVocabulary
from mednec.intake.fhir import history, medication, transfusion, treatment
from mednec.intake.fhir import validate as fhir_validate  # fhir.resources itself loads on first use
from mednec.intake.fhir.common import (
    Context,
    EsaCourse,
    EsaDose,
    EventFinding,
    EventList,
    Finding,
    HistoryEntry,
    NotMapped,
    Source,
    Transfusion,
    UnusedPart,
    fhir_datetime,
)
from mednec.intake.fhir.condition import map_claim, map_condition, map_family_history, map_procedure
from mednec.intake.fhir.known_valid import backbone_keys, is_resource_type
from mednec.intake.fhir.observation import map_observation
from mednec.intake.fhir.patient import map_patient
from mednec.intake.fhir.questionnaire_response import map_questionnaire_response

__all__ = [
    "ALSO_MAPPERS",
    "BUNDLE_TYPES",
    "MAPPERS",
    "MAX_ENTRIES",
    "BundleIntake",
    "FactSource",
    "Unmapped",
    "bundle_to_case",
    "findings_to_facts",
]

#: The Bundle types read: a record of one patient. A ``document`` is an attested summary (an International
#: Patient Summary, as EHRs return Patient/$summary): its Composition is listed as not read and its entries
#: are read like a collection's. ``message``, ``batch`` and the response and history types are refused.
BUNDLE_TYPES = ("collection", "searchset", "transaction", "document")

#: The most entries one patient's Bundle may hold: a large EHR record ($everything of a patient followed for
#: decades) stays well below it; beyond it the input is a runaway export or an attack, refused at once.
MAX_ENTRIES = 20_000

Mapper = Callable[[Mapping[str, Any], Source, Context], list[Any]]

#: The mappers tried, in order, for each resource type.
MAPPERS: Mapping[str, tuple[Mapper, ...]] = {
    "Patient": (map_patient,),
    "Condition": (map_condition,),
    "Claim": (map_claim,),
    "Observation": (map_observation,),
    "Procedure": (transfusion.map_procedure,),
    "BiologicallyDerivedProduct": (transfusion.map_product,),
    "Medication": (medication.map_medication,),
    "MedicationAdministration": (transfusion.map_blood_administration, medication.map_administration),
    "MedicationRequest": (medication.map_request,),
    "MedicationStatement": (medication.map_statement,),
    "MedicationDispense": (history.map_history_dispense,),
    "QuestionnaireResponse": (map_questionnaire_response,),
    "AllergyIntolerance": (history.map_allergy,),
    "FamilyMemberHistory": (map_family_history,),
    "List": (history.map_medication_list,),
}
#: Mappers run as well, whatever the first took: a dose of the requested drug is also an ESA dose.
ALSO_MAPPERS: Mapping[str, tuple[Mapper, ...]] = {
    "Procedure": (map_procedure,),  # a revascularisation: a past event's fact, nothing for other procedures
    "MedicationAdministration": (treatment.map_administration, history.map_history_administration),
    "MedicationRequest": (treatment.map_request, history.map_history_request),
    "MedicationStatement": (treatment.map_statement, history.map_history_statement),
}
_SUBJECT_FIELDS = ("subject", "patient")
_PATIENT_FACTS = ("birth_date", "sex")


class FactSource(NamedTuple):
    """Where one fact of the derived case came from."""

    fact: str
    resources: tuple[str, ...]
    entries: tuple[int, ...]
    detail: str
    superseded: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"fact": self.fact, "resources": list(self.resources),
                               "entries": list(self.entries), "detail": self.detail}
        if self.superseded:
            out["superseded"] = list(self.superseded)
        return out


class Unmapped(NamedTuple):
    """A resource that gave no fact, and why."""

    entry: int
    resource: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"entry": self.entry, "resource": self.resource, "reason": self.reason}


class BundleIntake(NamedTuple):
    """The derived case (a case-file mapping), each fact's sources, and the unused resources."""

    case: dict[str, Any]
    provenance: tuple[FactSource, ...]
    unmapped: tuple[Unmapped, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"case": self.case, "provenance": [p.to_dict() for p in self.provenance],
                "unmapped": [u.to_dict() for u in self.unmapped]}


def _ref_of(resource: Mapping[str, Any], entry: Mapping[str, Any], i: int) -> str:
    rt = str(resource.get("resourceType"))
    if resource.get("id"):
        return f"{rt}/{resource['id']}"
    return str(entry.get("fullUrl") or f"{rt}#entry{i}")


def _check_shape(bundle: Any) -> None:
    """The Bundle itself (not its entries): a Bundle of an accepted type whose entries are objects."""
    if not isinstance(bundle, Mapping) or bundle.get("resourceType") != "Bundle":
        raise CaseFormatError("expected a FHIR Bundle (resourceType 'Bundle')", field="resourceType")
    if bundle.get("type") not in BUNDLE_TYPES:
        raise CaseFormatError(
            f"Bundle type {bundle.get('type')!r} is not accepted; use one of: {', '.join(BUNDLE_TYPES)}",
            field="type",
        )
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise CaseFormatError("Bundle.entry must be a list", field="entry")
    if len(entries) > MAX_ENTRIES:
        raise CaseFormatError(f"the Bundle has {len(entries):,} entries; at most {MAX_ENTRIES:,} are read for one "
                              "patient (send the resources the request needs, or page a search)", field="entry")
    fhir_validate.check_shape({k: v for k, v in bundle.items() if k != "entry"})


def _unreadable(entry: Any, i: int) -> str | None:
    """Why one entry cannot be read (not an R4 resource, or invalid against its R4B model), or ``None``."""
    res = entry.get("resource") if entry.__class__ is dict or isinstance(entry, Mapping) else None
    if not (res.__class__ is dict or isinstance(res, Mapping)):
        return "the entry holds no resource object"
    rt = res.get("resourceType")
    if not _is_resource_type(str(rt)):
        return f"{rt!r} is not a FHIR R4 resource type"
    if rt not in MAPPERS:  # read by no mapper nor through a reference: listed as not read, not validated
        return None
    try:
        fhir_validate.check_resource(res, prefix=f"entry[{i}].resource({_label(res)})")
    except InputError as exc:
        return f"not valid FHIR R4 at {exc.field}: {exc.message}"
    return None


@functools.lru_cache(maxsize=1024)
def _is_resource_type(name: str) -> bool:
    """Whether ``name`` is an R4B resource type (remembered: fhir.resources' look-up takes ~10 µs, and builds the
    type's model classes; :func:`~mednec.intake.fhir.known_valid.is_resource_type` knows a planned type without
    them)."""
    return is_resource_type(name)


def _label(res: Mapping[str, Any]) -> str:
    rt = str(res.get("resourceType") or "?")
    return f"{rt}/{res['id']}" if res.get("id") else rt


def _evaluation_date(bundle: Mapping[str, Any], as_of: dt.date | None) -> dt.date:
    if as_of is not None:
        return as_of
    if bundle.get("timestamp"):
        stamp = fhir_datetime(bundle["timestamp"], path="timestamp")
        if stamp is not None:
            return stamp.date()
    return dt.date.today()


def _subject(resource: Mapping[str, Any]) -> str | None:
    for key in _SUBJECT_FIELDS:
        ref = resource.get(key)
        if ref is not None and (ref.__class__ is dict or isinstance(ref, Mapping)) and ref.get("reference"):
            return str(ref["reference"]).split("/_history/")[0]
    return None


def _select(findings: Sequence[Finding]) -> tuple[Finding, list[Finding]]:
    """The latest finding (ties: higher rank, then an amended / corrected version of the result, then the later
    issued, then first in the bundle) and the rest."""
    best = max(findings, key=lambda f: (f.when or dt.datetime.min, f.rank, f.revised, f.issued or dt.datetime.min))
    return best, [f for f in findings if f is not best]


def _fact_entry(f: Finding, dictionary: FactDictionary) -> dict[str, Any]:
    out: dict[str, Any] = {"value": f.value}
    if dictionary.facts[f.fact].type == "number" and f.unit:
        out["unit"] = f.unit
    if f.comparator:
        out["comparator"] = f.comparator
    if f.date is not None and f.fact not in _PATIENT_FACTS:
        # a partial effective time as the ISO interval of its days (the case file reads both ends)
        out["date"] = iso_day(f.date) if f.last is None or f.last == f.date else f"{iso_day(f.date)}/{iso_day(f.last)}"
    out["source"] = f.origin
    return out


def findings_to_facts(
    findings: Sequence[Finding], dictionary: FactDictionary
) -> tuple[dict[str, dict[str, Any]], list[FactSource]]:
    """The chosen value of each fact as a case-file value mapping, with its provenance."""
    by_fact: dict[str, list[Finding]] = {}
    for f in findings:
        by_fact.setdefault(f.fact, []).append(f)
    facts: dict[str, dict[str, Any]] = {}
    provenance: list[FactSource] = []
    superseded: tuple[str, ...]
    for fid, group in by_fact.items():
        if len(group) == 1:  # most facts have one candidate: nothing to choose, nothing superseded
            best, superseded = group[0], ()
        else:
            best, rest = _select(group)
            superseded = tuple(dict.fromkeys(r.where for r in rest if r.source != best.source))
        facts[fid] = _fact_entry(best, dictionary)
        provenance.append(FactSource(fid, (best.where,), (best.source.entry,), best.detail, superseded))
    return facts, provenance


def bundle_to_case(
    bundle_json: Mapping[str, Any],
    dictionary: FactDictionary,
    as_of: dt.date | None = None,
    *,
    drug: str | None = None,
    drugs: DrugVocabulary | None = None,
) -> BundleIntake:
    """Map a FHIR R4 Bundle to a case mapping (see the module docstring). ``drugs`` (the loaded packs'
    drug vocabulary, ``catalog.calculators.drugs``) lets MedicationStatements of any drug a pack knows
    give ``medication_history`` (:mod:`history`).

    Only the Bundle's own shape is fatal (not a Bundle, a type not accepted, two patients); an
    entry that cannot be read -- invalid against its R4B model, a unit the dictionary does not
    take, an implausible value -- is listed in ``unmapped`` with the reason naming the field, and
    the rest of the bundle is evaluated.
    """
    try:
        return _bundle_to_case(bundle_json, dictionary, as_of, drug, drugs)
    except RecursionError:  # an element nested thousands deep (no EHR writes one): refused, not a traceback
        raise CaseFormatError("the Bundle is nested too deeply to read (elements inside elements thousands of levels "
                              "deep)", field="entry") from None


def _bundle_to_case(bundle_json: Mapping[str, Any], dictionary: FactDictionary, as_of: dt.date | None,
                    drug: str | None, drugs: DrugVocabulary | None) -> BundleIntake:
    _check_shape(bundle_json)
    as_of = _evaluation_date(bundle_json, as_of)
    unmapped: list[Unmapped] = []
    entries: list[tuple[int, Mapping[str, Any], Mapping[str, Any]]] = []
    check_resource = fhir_validate.check_resource
    for i, e in enumerate(bundle_json.get("entry") or ()):
        res = e.get("resource") if e.__class__ is dict else None
        if res.__class__ is dict and (rt := res.get("resourceType")).__class__ is str and rt in MAPPERS:
            # the common case of _unreadable (a resource a mapper reads), without its calls
            rid = res.get("id")
            try:
                check_resource(res, prefix=f"entry[{i}].resource({rt}/{rid})" if rid else f"entry[{i}].resource({rt})")
            except InputError as exc:
                unmapped.append(Unmapped(i, _ref_of(res, e, i), f"not valid FHIR R4 at {exc.field}: {exc.message}"))
                continue
            entries.append((i, e, res))
            continue
        if res.__class__ is dict and res.get("resourceType") == "DiagnosticReport" and res.get("contained"):
            for inner in _contained_results(res):  # results sent inside their report (Cerner)
                try:
                    check_resource(inner, prefix=f"entry[{i}].resource(DiagnosticReport/{res.get('id')}).contained")
                except InputError as exc:
                    unmapped.append(Unmapped(i, f"Observation/{inner.get('id')}", f"not valid FHIR R4 at {exc.field}: "
                                                                                   f"{exc.message}"))
                    continue
                entries.append((i, {}, inner))
        why = _unreadable(e, i)
        if why is None:
            entries.append((i, e, e["resource"]))
        elif isinstance(e, Mapping) and isinstance(e.get("resource"), Mapping):
            unmapped.append(Unmapped(i, _ref_of(e["resource"], e, i), why))
        else:
            unmapped.append(Unmapped(i, f"entry[{i}]", why))
    ctx, patient_refs, patients, refs = _index(entries, dictionary, as_of, drug)
    ctx.drugs = drugs
    ctx.course_drugs = drugs if drugs is not None else shipped_drugs(dictionary)
    ctx.drug = ctx.course_drugs.entry(drug) if ctx.course_drugs is not None and drug else None
    mapped = _Mapped([], [], [], unmapped, [])
    for (i, _, res), ref in zip(entries, refs, strict=True):
        _map_entry(i, res, ctx.sources[ref], ctx, patient_refs, patients, mapped)
    _check_born_first(mapped.findings)
    return _assemble(mapped, ctx, bundle_json)


def _check_born_first(findings: Sequence[Finding]) -> None:
    """Refuse a bundle with a value dated before the patient's birth date, every candidate counted -- not only
    the one that wins (a case file's :func:`mednec.intake.case_file.check_birth` sees only the kept values, and a
    1995 haemoglobin of a patient born in 2000 was dropped for a newer one: a record whose dates contradict each
    other is refused, not evaluated on the part that looks right). Neither date is quoted: an error body or a log
    line holds no patient's birth date."""
    born = next((f.value for f in findings if f.fact == "birth_date"), None)
    if born is None:
        return
    try:
        birth = dt.date.fromisoformat(str(born)[:10])
    except ValueError:
        return
    for f in findings:
        dated = [d for d in (f.date, f.value if isinstance(f.value, dt.date) else None) if d is not None]
        if f.fact != "birth_date" and any(d < birth for d in dated):
            raise ImplausibleValueError(f"{f.where} is dated before the birth date (Patient.birthDate); no "
                                        "determination is made on a record whose dates contradict each other",
                                        field=f.source.path)


def _contained_results(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The Observations a DiagnosticReport contains and names as its results (``result`` "#ldl1"), each as a
    resource of the bundle: its subject and effective time, when it has none, are the report's (a contained
    resource has no independent existence: R4 References 2.3.0.2), its id prefixed with the report's."""
    named = {str(r.get("reference"))[1:] for r in report.get("result") or () if isinstance(r, Mapping)
             and str(r.get("reference", "")).startswith("#")}
    out: list[dict[str, Any]] = []
    for inner in report.get("contained") or ():
        if not (isinstance(inner, Mapping) and inner.get("resourceType") == "Observation" and inner.get("id") in named):
            continue
        obs = dict(inner)
        obs["id"] = f"{report.get('id')}-{inner['id']}"[-64:] if report.get("id") else str(inner["id"])
        if "subject" not in obs and report.get("subject") is not None:
            obs["subject"] = report["subject"]
        if not any(k.startswith("effective") for k in obs):
            for k in ("effectiveDateTime", "effectivePeriod"):
                if report.get(k) is not None:
                    obs[k] = report[k]
        out.append(obs)
    return out


@functools.cache
def shipped_drugs(dictionary: FactDictionary) -> DrugVocabulary | None:
    """The drug vocabulary of the default packs, for a caller that passes no ``drugs`` (``None`` when those
    packs do not load against ``dictionary``)."""
    from mednec.errors import ConfigError
    from mednec.policies.loader import load_catalog

    try:
        catalog, _ = load_catalog(dictionary)
    except (ConfigError, InputError):
        return None
    return catalog.calculators.drugs


class _Mapped(NamedTuple):
    findings: list[Finding]
    events: list[EventFinding]
    lists: list[EventList]
    unmapped: list[Unmapped]
    course: list[treatment.CourseFinding]


def _index(
    entries: Sequence[tuple[int, Mapping[str, Any], Mapping[str, Any]]], dictionary: FactDictionary, as_of: dt.date,
    drug: str | None,
) -> tuple[Context, set[str], set[str], list[str]]:
    """The bundle's resources by every name a reference may use, its one patient, and each entry's
    reference (``Observation/hb1``)."""
    resources: dict[str, Mapping[str, Any]] = {}
    sources: dict[str, Source] = {}
    refs: list[str] = []
    patients: set[str] = set()
    for i, entry, res in entries:
        rt, rid = res.get("resourceType"), res.get("id")
        ref = f"{rt}/{rid}" if rid and rt.__class__ is str else _ref_of(res, entry, i)  # _ref_of's common case
        src = Source(i, ref)
        refs.append(ref)
        resources[ref], sources[ref] = res, src
        full = entry.get("fullUrl")
        if full:  # a reference may name the resource by its fullUrl as well
            key = str(full)
            resources[key], sources[key] = res, src
        if res.get("resourceType") == "Patient":
            patients.add(src.ref)
            _check_alive(res, src, as_of)
    if len(patients) > 1:
        raise CaseFormatError(f"the bundle holds more than one patient ({', '.join(sorted(patients))})", field="entry")
    patient_refs = patients | {str(e.get("fullUrl")) for _, e, r in entries
                               if r.get("resourceType") == "Patient" and e.get("fullUrl")}
    ctx = Context(dictionary, as_of, resources, sources, None, drug or None)
    return ctx, patient_refs, patients, refs


def _check_alive(patient: Mapping[str, Any], src: Source, as_of: dt.date) -> None:
    """A request about a patient who died on or before the evaluation date is refused (R4 Patient.deceased[x]):
    a prior authorisation is not evaluated for a deceased patient; a death dated after it (a review of an
    earlier request) is not a refusal. A birth date after the evaluation date (a year or year-month wholly
    after it) is a wrong record, refused naming ``Patient.birthDate`` rather than evaluated without an age."""
    if patient.get("deceasedBoolean") is True:
        raise CaseFormatError(f"{src.ref} is recorded as deceased (deceasedBoolean); no determination is made "
                              "for a deceased patient", field=f"{src.path}.deceasedBoolean")
    born = patient.get("birthDate")
    if isinstance(born, str) and re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", born) and born > as_of.isoformat()[:len(born)]:
        # the birth date itself is not quoted: an error body or a log line holds no patient's birth date
        raise CaseFormatError(f"{src.ref}: Patient.birthDate is after the evaluation date {as_of.isoformat()}; "
                              "no determination is made for a birth date not yet reached", field=f"{src.path}.birthDate")
    died = patient.get("deceasedDateTime")
    if died:
        when = fhir_datetime(died, path=f"{src.path}.deceasedDateTime") if len(str(died)) >= 10 else None
        if when is None or when.date() <= as_of:
            raise CaseFormatError(f"{src.ref} is recorded as deceased ({died}); no determination is made for a "
                                  "deceased patient", field=f"{src.path}.deceasedDateTime")


def _not_understood(res: Mapping[str, Any]) -> str | None:
    """Why a resource must not be used: a ``modifierExtension`` (on the resource or on one of its elements)
    or ``implicitRules``, which mednec does not understand. FHIR R4 (Extensibility, 2.4.1.1: "Implementations
    processing the data in resources SHALL check for modifier extensions" and must not ignore one they do not
    know) makes such a resource unusable rather than readable without it. ``None`` when there is none (the
    common case, checked with ``in`` only: this runs for every resource)."""
    if "modifierExtension" in res or "implicitRules" in res:
        return _modifier_reason(res, "")
    keys, present = _backbone_keys(str(res.get("resourceType")))
    if present.isdisjoint(res):  # most resources hold none of those elements
        return None
    for key in keys:  # only those elements may carry one (R4B models)
        value = res.get(key)
        if value.__class__ is list:
            for n, item in enumerate(value):
                if item.__class__ is dict and "modifierExtension" in item:
                    return _modifier_reason(item, f"{key}[{n}].")
        elif value.__class__ is dict and "modifierExtension" in value:
            return _modifier_reason(value, f"{key}.")
    return None


@functools.cache
def _backbone_keys(resource_type: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """The elements of a resource type that may carry a ``modifierExtension`` (its BackboneElements, Dosage and
    Timing, :func:`~mednec.intake.fhir.known_valid.backbone_keys`), in the model's order and as a set; any other
    element holding one is refused by the R4B validation first."""
    keys = backbone_keys(resource_type)
    return keys, frozenset(keys)


def _modifier_reason(element: Mapping[str, Any], where: str) -> str | None:
    found = element.get("modifierExtension")
    if found:
        urls = ", ".join(str(x.get("url")) for x in found if isinstance(x, Mapping)) if isinstance(found, list) else ""
        return (f"{where}modifierExtension ({urls or 'no url'}) is not understood: FHIR forbids reading the resource "
                "as if it were absent")
    if not where and element.get("implicitRules"):
        return f"implicitRules ({element['implicitRules']}) is not understood: the resource is not read"
    return None


def _map_entry(
    i: int, res: Mapping[str, Any], src: Source, ctx: Context, patient_refs: set[str],
    patients: set[str], out: _Mapped,
) -> None:
    """Run one resource (at ``src``: the source indexed under its reference) through its mappers; what
    it gives goes to ``out``, or it is listed with why not."""
    rt = str(res.get("resourceType"))
    mappers = MAPPERS.get(rt)
    if not mappers:
        out.unmapped.append(Unmapped(i, src.ref, f"{rt} is not read by mednec"))
        return
    ref = res.get("subject")
    if ref.__class__ is dict and (reference := ref.get("reference")).__class__ is str and reference \
            and "/_history/" not in reference:
        subject: str | None = reference  # the common case of _subject, without the call
    else:
        subject = _subject(res)
    if patient_refs and subject and subject not in patient_refs and not any(
        subject.endswith("/" + p) for p in patients
    ):
        out.unmapped.append(Unmapped(i, src.ref, f"about {subject}, not the bundle's patient"))
        return
    if "modifierExtension" in res or "implicitRules" in res or not _backbone_keys(rt)[1].isdisjoint(res):
        why = _not_understood(res)
        if why is not None:
            out.unmapped.append(Unmapped(i, src.ref, why))
            return
    ctx.current = src
    try:
        taken, items, reasons = _run_mappers(rt, res, src, ctx, mappers)
    except InputError as exc:  # a unit, value or date that cannot be read: this resource only
        out.unmapped.append(Unmapped(i, src.ref, f"{exc.field}: {exc.message}" if exc.field else exc.message))
        return
    for item in items:
        if isinstance(item, Finding):
            out.findings.append(item)
        elif isinstance(item, EventList):
            out.lists.append(item)
        elif isinstance(item, UnusedPart):
            out.unmapped.append(Unmapped(item.source.entry, f"{item.source.ref}{item.part}", item.reason))
        elif isinstance(item, treatment.CourseFinding):
            out.course.append(item)
        else:
            out.events.append(item)
    if not taken:
        out.unmapped.append(Unmapped(i, src.ref, "; ".join(dict.fromkeys(r for r in reasons if r))))


def _run_mappers(
    rt: str, res: Mapping[str, Any], src: Source, ctx: Context, mappers: tuple[Mapper, ...]
) -> tuple[bool, list[Any], list[str]]:
    """The first mapper that takes the resource, then every :data:`ALSO_MAPPERS` one."""
    if len(mappers) == 1 and rt not in ALSO_MAPPERS:  # one mapper and no other (most resources)
        try:
            items = mappers[0](res, src, ctx)
        except NotMapped as exc:
            return False, [], [exc.reason]
        return True, items if items.__class__ is list else list(items), []
    reasons: list[str] = []
    taken = False
    out: list[Any] = []
    for mapper in mappers:
        try:
            out += mapper(res, src, ctx)
        except NotMapped as exc:
            reasons.append(exc.reason)
            continue
        taken = True
        break
    for also in ALSO_MAPPERS.get(rt, ()):
        try:
            extra = also(res, src, ctx)
        except NotMapped as exc:
            reasons.insert(0, exc.reason)
            continue
        taken, out = taken or bool(extra), out + extra
    return taken, out, reasons


def _after(when: dt.datetime | dt.date | None, as_of: dt.date) -> bool:
    day = when.date() if isinstance(when, dt.datetime) else when
    return day is not None and day > as_of


def _event_day(e: EventFinding) -> dt.date | None:
    """An event's date: a dose's or transfusion's day, a course's or treatment's start (``None``: undated)."""
    if isinstance(e.event, EsaDose | Transfusion):
        return e.event.day
    if isinstance(e.event, EsaCourse | HistoryEntry):
        return e.event.start
    return None


def _current_events(
    events: list[EventFinding], as_of: dt.date, unmapped: list[Unmapped]
) -> dict[str, list[EventFinding]]:
    """Events by fact, without those dated after the evaluation date (listed)."""
    by_fact: dict[str, list[EventFinding]] = {}
    for e in events:
        if _after(_event_day(e), as_of):
            for s in e.sources:
                unmapped.append(Unmapped(s.entry, s.ref, f"{e.fact} event after the evaluation date {as_of}"))
            continue
        by_fact.setdefault(e.fact, []).append(e)
    return by_fact


def _attested(
    lists: list[EventList], by_fact: dict[str, list[EventFinding]], unmapped: list[Unmapped]
) -> dict[str, EventList]:
    """Complete lists attested at once (a QuestionnaireResponse); they replace the fact's single events."""
    attested: dict[str, EventList] = {}
    for lst in sorted(lists, key=lambda x: x.when or dt.datetime.min):
        attested[lst.fact] = lst
    for fid, lst in attested.items():
        for e in by_fact.pop(fid, []):
            unmapped += [Unmapped(s.entry, s.ref, f"superseded by {lst.label}") for s in e.sources]
    return attested


def _sources_of(found: Sequence[EventFinding]) -> tuple[tuple[str, ...], tuple[int, ...]]:
    return tuple(s.ref for f in found for s in f.sources), tuple(s.entry for f in found for s in f.sources)


def _transfusions(
    transfusions: list[EventFinding], facts: dict[str, Any], provenance: list[FactSource], unmapped: list[Unmapped]
) -> None:
    """``rbc_transfusions`` from the transfusion events (an administration partOf a Procedure is that Procedure's).

    One transfusion whose product is not stated leaves the whole list unknown: every transfusion
    resource is listed, so the reviewer is asked rather than given an undercount or an overcount.
    """
    if not transfusions:
        return
    merged: dict[str, EventFinding] = {}
    for e in transfusions:
        if e.key not in merged:
            merged[e.key] = e
        elif e.sources[0].ref == e.key:  # the Procedure itself: its event and detail win
            merged[e.key] = e._replace(sources=e.sources + merged[e.key].sources)
        else:
            merged[e.key] = merged[e.key]._replace(sources=merged[e.key].sources + e.sources)
    unclear = [e for e in merged.values() if e.event is None]
    if unclear:
        for e in merged.values():
            why = e.detail if e.event is None else "another transfusion record does not state its product"
            unmapped += [Unmapped(s.entry, s.ref, f"rbc_transfusions left unknown: {why}") for s in e.sources]
        return
    given = sorted(((e.event, e) for e in merged.values() if isinstance(e.event, Transfusion)), key=lambda x: x[0].day)
    facts["rbc_transfusions"] = [t.as_event() for t, _ in given]
    ordered = [e for _, e in given]
    refs, entries = _sources_of(ordered)
    provenance.append(FactSource("rbc_transfusions", refs, entries,
                                 "; ".join(f"{iso_day(t.day)}: {e.detail}" for t, e in given)))


def _esa(esa: list[EventFinding], as_of: dt.date, facts: dict[str, Any], provenance: list[FactSource],
         unmapped: list[Unmapped]) -> bool:
    """``esa_history`` from the ESA records; True when an ESA record left it unknown (incomplete)."""
    if not esa:
        return False
    assembly = medication.assemble_esa(esa, as_of)
    if assembly.events is not None:
        facts["esa_history"] = assembly.events
        refs, entries = _sources_of(assembly.used)
        provenance.append(FactSource("esa_history", refs, entries, "; ".join(f.detail for f in assembly.used)))
    unmapped += [Unmapped(s.entry, s.ref, why) for s, why in assembly.unmapped]
    return assembly.events is None and bool(assembly.unmapped)


def _complete_list(facts: dict[str, Any], esa_open: bool, provenance: list[FactSource],
                   unmapped: list[Unmapped]) -> bool:
    """Whether the bundle's own medication list says it is complete (``complete_medication_list``). Not when an
    ESA record on it is incomplete: the ESA history is then asked, and a list read as complete would make an
    absent ESA course 'none' (ESA-naive); the list is listed with why."""
    if history.COMPLETE_LIST not in facts:
        return False
    if not esa_open:
        return True
    del facts[history.COMPLETE_LIST]
    for p in [p for p in provenance if p.fact == history.COMPLETE_LIST]:
        provenance.remove(p)
        unmapped += [Unmapped(e, r, "a complete medication list, but an ESA record on it is incomplete: the "
                                    "treatment history is read as naming its drugs only")
                     for r, e in zip(p.resources, p.entries, strict=True)]
    return False


def _link_references(provenance: list[FactSource], ctx: Context) -> set[int]:
    """Add what the used resources read through references to their provenance; the entries used."""
    used: set[int] = set()
    if not ctx.links:  # nothing was read through a reference
        for p in provenance:
            used.update(p.entries)
        return used
    for n, p in enumerate(provenance):
        linked = sorted({t for e in p.entries for t in ctx.links.get(e, ())})
        extra = [t for t in linked if t.ref not in p.resources]
        if extra:
            provenance[n] = p._replace(resources=p.resources + tuple(t.ref for t in extra),
                                       entries=p.entries + tuple(t.entry for t in extra))
        used.update(provenance[n].entries)
    return used


def _course(mapped: _Mapped, ctx: Context) -> tuple[list[Finding], treatment.CourseAssembly]:
    """The requested drug's course: its scalar facts (start, recent, baselines) and the assembly."""
    spec = ctx.drug.course if ctx.drug is not None else None
    course = treatment.assemble_treatment(mapped.course, spec, ctx.as_of)
    mapped.unmapped.extend(Unmapped(s.entry, s.ref, why) for s, why in course.unmapped)
    siblings = treatment.class_siblings(ctx) if spec is not None and spec.baseline else []
    base, lost = treatment.baselines(course, spec, [f for f in mapped.findings if not _after(f.when, ctx.as_of)],
                                     siblings)
    mapped.unmapped.extend(Unmapped(s.entry, s.ref, why) for s, why in lost)
    return [*course.findings, *base], course


def _assemble(mapped: _Mapped, ctx: Context, bundle: Mapping[str, Any]) -> BundleIntake:
    as_of = ctx.as_of
    findings, events, lists, unmapped = mapped.findings, mapped.events, mapped.lists, mapped.unmapped
    by_fact = _current_events(events, as_of, unmapped)
    attested = _attested(lists, by_fact, unmapped)
    own, course = _course(mapped, ctx)
    current: list[Finding] = []
    for f in [*findings, *own]:
        when = f.when  # _after, without the call
        if when is not None and (when.date() if isinstance(when, dt.datetime) else when) > as_of:
            unmapped.append(Unmapped(f.source.entry, f.source.ref,
                                     f"{f.fact} dated {f.date}, after the evaluation date {as_of}"))
        else:
            current.append(f)
    scalar, provenance = findings_to_facts(current, ctx.dictionary)
    facts: dict[str, Any] = dict(scalar)
    used = {p.entries[0] for p in provenance}
    for fid, lst in attested.items():
        facts[fid] = list(lst.events)
        provenance.append(FactSource(fid, (lst.label,), (lst.source.entry,), f"{len(lst.events)} entries attested"))
        used.add(lst.source.entry)
    spec = ctx.drug.course if ctx.drug is not None else None
    if course.doses is not None and spec is not None:
        facts[spec.doses] = course.doses
        refs = tuple(s.ref for f in course.used for s in f.sources)
        entries = tuple(s.entry for f in course.used for s in f.sources)
        provenance.append(FactSource(spec.doses, refs, entries, f"{spec.label}: " + "; ".join(f.detail for f in course.used)))
    _transfusions(by_fact.pop("rbc_transfusions", []), facts, provenance, unmapped)
    esa_open = _esa(by_fact.pop("esa_history", []), as_of, facts, provenance, unmapped)
    _history(history.refills(by_fact.pop("medication_history", []), as_of), facts, provenance, unmapped, _complete_list(facts, esa_open,
                                                                                               provenance, unmapped))
    for leftover in by_fact.values():
        for e in leftover:
            unmapped += [Unmapped(s.entry, s.ref, f"{e.fact} is not assembled from FHIR") for s in e.sources]
    used |= _link_references(provenance, ctx)
    supporting = ("Medication", "BiologicallyDerivedProduct")  # read through references only
    unmapped = [u for u in unmapped if not (u.resource.split("/")[0] in supporting and u.entry in used)]
    return _case(facts, provenance, unmapped, ctx, bundle)


@functools.cache
def _fact_order(dictionary: FactDictionary) -> dict[str, int]:
    """Each fact's position in the dictionary (the order of a case's facts), built once per dictionary."""
    return {fid: n for n, fid in enumerate(dictionary.facts)}


def _history(events: list[EventFinding], facts: dict[str, Any], provenance: list[FactSource],
             unmapped: list[Unmapped], complete: bool = False) -> None:
    """``medication_history`` from the statements of drugs the packs know; unknown (every statement
    listed) when one documents a drug without its outcome. Each entry names its own drug only
    (``scope: named_only``: absence from the record is not evidence of absence), unless the bundle's own
    medication list says it is complete (``complete``): then the entries are the whole history, and a
    complete list naming no drug the packs read is an empty history (:mod:`history`)."""
    if not events:
        if complete:
            facts["medication_history"] = []
            src = next(p for p in provenance if p.fact == history.COMPLETE_LIST)
            provenance.append(FactSource("medication_history", src.resources, src.entries,
                                         "the complete medication list names no drug whose history the packs read"))
        return
    if any(e.event is None for e in events):
        for e in events:
            why = (("course and outcome not documented (an administration): the treatment history is left for the clinician"
                    if "administered" in e.detail else
                    "outcome not documented (statusReason): the treatment history is left for the clinician")
                   if e.event is None else "treatment history left unknown: another statement lacks its outcome")
            unmapped += [Unmapped(s.entry, s.ref, why) for s in e.sources]
        return
    facts["medication_history"] = [_scoped(e.event.as_event(), complete) for e in events
                                   if isinstance(e.event, HistoryEntry)]
    refs, entries = _sources_of(events)
    provenance.append(FactSource("medication_history", refs, entries, "; ".join(e.detail for e in events)))


def _scoped(entry: dict[str, Any], complete: bool) -> dict[str, Any]:
    """An entry of an EHR's records: it names its own drug only, unless the list is complete (a drug
    documented as never given names its drug only already)."""
    if complete or entry.get("response") == NOT_GIVEN:
        return entry
    return {**entry, "scope": NAMED_ONLY}


def _case(facts: dict[str, Any], provenance: list[FactSource], unmapped: list[Unmapped], ctx: Context,
          bundle: Mapping[str, Any]) -> BundleIntake:
    patient = {k: facts.pop(k) for k in _PATIENT_FACTS if k in facts}
    case: dict[str, Any] = {}
    if bundle.get("id"):
        case["id"] = str(bundle["id"])
    case["title"] = f"FHIR Bundle {bundle.get('id') or ''}".strip()
    case["as_of"] = iso_day(ctx.as_of)
    case["patient"] = patient
    order = _fact_order(ctx.dictionary)
    case["facts"] = dict(sorted(facts.items(), key=lambda kv: order.get(kv[0], len(order))))
    provenance.sort(key=lambda p: order.get(p.fact, len(order)))
    unmapped.sort(key=lambda u: u.entry)
    return BundleIntake(case, tuple(provenance), tuple(dict.fromkeys(unmapped)))
