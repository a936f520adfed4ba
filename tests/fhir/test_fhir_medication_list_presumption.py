"""Absence from a FHIR record is not evidence of absence (the lead's decision, 7 December 2026; mednec's
decision records: the MDS, GLP-1 and LDL decisions, "A prior therapy absent from an EHR record").

Generated bundles: each policy's step-therapy / prior-therapy criterion x the prior drug present, absent or
documented as never taken (MedicationStatement ``not-taken`` without ``effective[x]``) x with or without a
medication list the bundle itself calls complete (a ``List`` in ``snapshot`` mode coded as the medication
list). The expectations follow from the rule, per criterion direction:

* a required prior therapy ("tried X first"): present -> met; absent without a complete list -> unknown,
  and the answer asks for that trial; absent from a complete list -> not met, resting on the presumption
  that the list is complete, which the answer lists among its assumptions (with the list's date) for the
  request to attest wherever the answer rests on that criterion (a met answer rests on its own pathway and
  the common criteria; another answer on every pathway); documented as never taken -> not met, no
  presumption needed;
* a prior therapy that must NOT have been given (ESA-naive for first-line luspatercept): present -> not
  met; absent without a complete list -> unknown (asked); absent from a complete list -> met, on the same
  listed presumption; documented as never taken -> met, no presumption.

Absence of a prior therapy can prove neither that it was taken nor that it was not; only the bundle's own
statement that its list is complete lets an absent drug count as not taken, and the answer then says so.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from mednec.engine.determination import Determination
from mednec.intake.fhir import bundle_to_case
from mednec.runtime import Runtime, default_runtime

AS_OF = dt.date(2026, 11, 20)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fhir"
LIST_DATE = "2026-11-18"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"


def statement(sid: str, text: str, status: str = "active", *, start: str | None = "2026-01-05",
              end: str | None = None, reason: str | None = None, dose: float | None = None,
              patient: str = "p") -> dict[str, Any]:
    r: dict[str, Any] = {"resourceType": "MedicationStatement", "id": sid, "status": status,
                         "subject": {"reference": f"Patient/{patient}"}, "medicationCodeableConcept": {"text": text}}
    if start is not None:
        r["effectivePeriod"] = {"start": start, **({"end": end} if end else {})}
    if reason:
        r["statusReason"] = [{"text": reason}]
    if dose is not None:
        r["dosage"] = [{"doseAndRate": [{"doseQuantity": {"value": dose, "unit": "mg"}}]}]
    return r


def never(sid: str, text: str, patient: str = "p") -> dict[str, Any]:
    """R4 not-taken without a time: the drug documented as never given."""
    return statement(sid, text, "not-taken", start=None, patient=patient)


def med_list(items: list[dict[str, Any]], patient: str = "p") -> dict[str, Any]:
    """The EHR's medication list, sent as complete: a current List in snapshot mode coded as the history of
    medication use (LOINC 10160-0), its entries the medication records."""
    r: dict[str, Any] = {
        "resourceType": "List", "id": "medlist", "status": "current", "mode": "snapshot",
        "code": {"coding": [{"system": LOINC, "code": "10160-0", "display": "History of Medication use Narrative"}]},
        "subject": {"reference": f"Patient/{patient}"}, "date": LIST_DATE,
        "entry": [{"item": {"reference": f"{i['resourceType']}/{i['id']}"}} for i in items],
    }
    if not items:
        r["emptyReason"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/list-empty-reason",
                                        "code": "nilknown"}]}
    return r


def _ldl_base() -> tuple[str, list[dict[str, Any]]]:
    patient = {"resourceType": "Patient", "id": "p", "gender": "female", "birthDate": "1957-03-15"}
    mi = {"resourceType": "Condition", "id": "old-mi", "subject": {"reference": "Patient/p"},
          "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                         "code": "active"}]},
          "code": {"coding": [{"system": ICD10, "code": "I25.2", "display": "Old myocardial infarction"}]},
          "onsetDateTime": "2024-06-01"}
    ldl = {"resourceType": "Observation", "id": "ldl", "status": "final", "subject": {"reference": "Patient/p"},
           "code": {"coding": [{"system": LOINC, "code": "18262-6",
                                "display": "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay"}]},
           "effectiveDateTime": "2026-11-05", "valueQuantity": {"value": 131, "unit": "mg/dL"}}
    return "p", [patient, mi, ldl]


def _glp1_base() -> tuple[str, list[dict[str, Any]]]:
    patient = {"resourceType": "Patient", "id": "p", "gender": "male", "birthDate": "1964-04-18"}
    t2d = {"resourceType": "Condition", "id": "t2d", "subject": {"reference": "Patient/p"},
           "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                          "code": "active"}]},
           "code": {"coding": [{"system": ICD10, "code": "E11.9",
                                "display": "Type 2 diabetes mellitus without complications"}]},
           "onsetDateTime": "2023-02-01"}
    return "p", [patient, t2d]


def _fixture(name: str, drop: tuple[str, ...] = ()) -> tuple[str, list[dict[str, Any]]]:
    data = json.loads((FIXTURES / name).read_text("utf-8"))
    resources = [copy.deepcopy(e["resource"]) for e in data["entry"] if e["resource"].get("id") not in drop]
    patient = next(r["id"] for r in resources if r["resourceType"] == "Patient")
    return patient, resources


class Scenario(NamedTuple):
    name: str
    drug: str
    variant: str | None
    criterion: str
    required: bool  # True: a prior therapy the criterion requires; False: one it requires NOT given
    base: str  # ldl | glp1 | mds-first-line | mds-del5q
    present: tuple[tuple[str, str, str | None, str | None, str | None, float | None], ...]  # the prior drug's records
    fixed: tuple[tuple[str, str, str | None, str | None, str | None, float | None], ...] = ()  # other steps, kept met
    never: tuple[str, ...] = ()  # not-taken texts that document the drug(s) as never given; () = no such record


# (id, text, status, start, end, reason, dose) without the status: (id, text, start, end, reason, dose)
STATIN = ("atorva", "atorvastatin 80 mg tablet", "2026-01-05", None, None, 80.0)
EVOLOCUMAB_FAILED = ("evolo", "Repatha (evolocumab) 140 mg", "2025-09-01", "2026-02-15", "inadequate response", None)
NEXLIZET_FAILED = ("nexlizet", "Nexlizet 180 mg/10 mg", "2026-03-01", "2026-09-01", "inadequate response", None)
METFORMIN = ("metformin", "metformin 1000 mg tablet", "2025-01-05", None, None, 1000.0)
LENALIDOMIDE_FAILED = ("len", "Revlimid (lenalidomide) 10 mg", "2025-02-01", "2025-07-15", "no response", None)
EPOETIN_FAILED = ("epo", "Epogen (epoetin alfa) 40,000 units weekly", "2026-03-01", "2026-06-01", "no response", None)
ESA_CLASS = "Erythropoiesis-stimulating agent (epoetin, darbepoetin)"

SCENARIOS = (
    Scenario("leqvio-bcbs-pcsk9", "Leqvio", "bcbs-nd", "pcsk9_antibody_tried", True, "ldl",
             (EVOLOCUMAB_FAILED,), (STATIN, NEXLIZET_FAILED), ("Repatha (evolocumab)", "Praluent (alirocumab)")),
    Scenario("leqvio-bcbs-nexlizet", "Leqvio", "bcbs-nd", "nexlizet_tried", True, "ldl",
             (NEXLIZET_FAILED,), (STATIN, EVOLOCUMAB_FAILED), ("Nexlizet (bempedoic acid and ezetimibe)",)),
    Scenario("praluent-uhc-repatha", "Praluent", "uhc-2025", "preferred_repatha_tried", True, "ldl",
             (EVOLOCUMAB_FAILED,), (STATIN,), ("Repatha (evolocumab)",)),
    *(Scenario(f"{d.lower()}-statin", d, None, "high_intensity_statin", True, "ldl", (STATIN,))
      for d in ("Repatha", "Praluent", "Leqvio", "Nexletol", "Nexlizet")),
    *(Scenario(f"{d.lower()}-oral", d, None, "oral_drug_recent", True, "glp1", (METFORMIN,))
      for d in ("Ozempic", "Mounjaro", "Victoza", "Trulicity")),
    Scenario("reblozyl-del5q-lenalidomide", "Reblozyl", None, "del5q_after_lenalidomide", True, "mds-del5q",
             (LENALIDOMIDE_FAILED,), (), ("Revlimid (lenalidomide)",)),
    Scenario("rytelo-del5q-lenalidomide", "Rytelo", None, "del5q_after_lenalidomide", True, "mds-del5q",
             (LENALIDOMIDE_FAILED,), (), ("Revlimid (lenalidomide)",)),
    Scenario("reblozyl-esa-naive", "Reblozyl", None, "esa_naive", False, "mds-first-line",
             (EPOETIN_FAILED,), (), (ESA_CLASS,)),
    Scenario("reblozyl-esa-failure", "Reblozyl", None, "esa_failure", True, "mds-first-line",
             (EPOETIN_FAILED,), (), (ESA_CLASS,)),
    Scenario("rytelo-esa-failure", "Rytelo", None, "esa_failure", True, "mds-first-line",
             (EPOETIN_FAILED,), (), (ESA_CLASS,)),
)

#: the records: the prior drug present, absent, or documented as never taken (where a record can say so of
#: every drug the criterion names: a class step such as "a high-intensity statin" has no such record)
RECORDS = ("present", "absent", "never")


def _base(kind: str) -> tuple[str, list[dict[str, Any]], tuple[str, str, str | None, str | None, str | None, float | None]]:
    """The patient id, the resources, and a background drug the packs know that no criterion here reads
    (so an 'absent' bundle still has a medication record)."""
    if kind == "ldl":
        p, rs = _ldl_base()
        return p, rs, ("bg", "amlodipine 5 mg", "2024-01-05", None, None, None)
    if kind == "glp1":
        p, rs = _glp1_base()
        return p, rs, ("bg", "atorvastatin 20 mg tablet", "2024-01-05", None, None, 20.0)
    fixture = {"mds-first-line": "bundle-first-line.json", "mds-del5q": "bundle-del5q.json"}[kind]
    p, rs = _fixture(fixture, drop=("no-esa", "qr-history"))  # the fixture's answers "no earlier treatment": dropped
    return p, rs, ("bg", "atorvastatin 20 mg tablet", "2024-01-05", None, None, 20.0)


def _statement(rec: tuple[str, str, str | None, str | None, str | None, float | None], patient: str) -> dict[str, Any]:
    sid, text, start, end, reason, dose = rec
    status = "completed" if end else "active"
    return statement(sid, text, status, start=start, end=end, reason=reason, dose=dose, patient=patient)


def build(s: Scenario, record: str, with_list: bool) -> dict[str, Any]:
    patient, resources, background = _base(s.base)
    meds = [_statement(r, patient) for r in (background, *s.fixed)]
    if s.base == "mds-del5q":  # the fixture's ESA-naive record stays: only lenalidomide varies
        meds.append(never("no-esa", ESA_CLASS, patient))
    if record == "present":
        meds += [_statement(r, patient) for r in s.present]
    elif record == "never":
        meds += [never(f"never-{i}", text, patient) for i, text in enumerate(s.never)]
    entries = resources + meds + ([med_list(meds, patient)] if with_list else [])
    return {"resourceType": "Bundle", "type": "collection", "timestamp": "2026-11-20T12:00:00Z",
            "entry": [{"resource": r} for r in entries]}


CASES = [pytest.param(s, record, with_list, id=f"{s.name}-{record}-{'list' if with_list else 'nolist'}")
         for s in SCENARIOS for record in RECORDS for with_list in (False, True)
         if record != "never" or s.never]


def expected_status(s: Scenario, record: str, with_list: bool) -> str:
    if record == "absent" and not with_list:
        return "unknown"
    taken = record == "present"  # absent from a complete list, or never taken: not taken
    return "met" if taken == s.required else "not_met"


def evaluate(rt: Runtime, bundle: dict[str, Any], s: Scenario) -> Determination:
    intake = bundle_to_case(bundle, rt.dictionary, AS_OF, drug=s.drug, drugs=rt.catalog.calculators.drugs)
    case = rt.parse_case(intake.case, as_of=AS_OF)
    return rt.evaluate(case.facts, s.drug, variant=s.variant)


def list_presumptions(det: Determination) -> list[Any]:
    return [a for a in det.assumptions if "medication list" in a.attest.lower()]


@pytest.mark.parametrize(("s", "record", "with_list"), CASES)
def test_a_prior_therapy_absent_from_a_bundle(s: Scenario, record: str, with_list: bool) -> None:
    rt = default_runtime()
    det = evaluate(rt, build(s, record, with_list), s)
    want = expected_status(s, record, with_list)
    got = det.criterion(s.criterion).status.value
    assert got == want, (s.name, record, with_list, got, det.determination, det.explanation.bottom_line)
    presumed = [a for a in list_presumptions(det) if a.criterion == s.criterion]
    crit = det.criterion(s.criterion)
    # listed where the answer rests on it: a met answer rests on its own pathway (and the common criteria)
    matters = det.determination != "meets_criteria" or crit.pathway is None or (
        det.pathway is not None and crit.pathway == det.pathway.id)
    if record == "absent" and with_list and matters:
        # the answer rests on the list being complete: listed, with the list's date, for the request to attest
        assert presumed, (s.name, [a.attest for a in det.assumptions])
        assert all("complete" in a.attest and LIST_DATE in a.attest for a in presumed), [a.attest for a in presumed]
        assert any(a.attest in det.explanation.bottom_line for a in presumed) or det.determination != "meets_criteria"
    else:
        assert not presumed, (s.name, record, with_list, [a.attest for a in presumed])
    if want == "unknown" and det.determination == "insufficient_information":
        asked = " ".join(q for m in det.explanation.missing_documentation for q in (*m.questions, m.description))
        assert s.criterion in {c for m in det.explanation.missing_documentation for c in m.criteria} or any(
            c.criterion == s.criterion or s.criterion in c.text for c in det.explanation.changes) or asked, asked


@pytest.mark.parametrize("s", [s for s in SCENARIOS if s.required], ids=lambda s: s.name)
def test_absent_without_a_complete_list_is_asked_never_denied(s: Scenario) -> None:
    """The whole answer: with the drug absent and no complete list, never 'does not meet' on that account;
    the missing documentation asks for the trial."""
    rt = default_runtime()
    absent = evaluate(rt, build(s, "absent", False), s)
    present = evaluate(rt, build(s, "present", False), s)
    if present.determination == "meets_criteria":
        assert absent.determination == "insufficient_information", (s.name, absent.explanation.bottom_line)
        docs = absent.explanation.missing_documentation
        assert docs and any(q for m in docs for q in m.questions), s.name


def test_the_leqvio_example_of_the_decision() -> None:
    """Leqvio under BCBS North Dakota (a PCSK9 antibody trial first): a bundle whose records show no PCSK9
    antibody is asked for the trial, not denied; the same bundle with its complete medication list is not met,
    and the answer says it presumed the list complete."""
    rt = default_runtime()
    s = SCENARIOS[0]
    asked = evaluate(rt, build(s, "absent", False), s)
    assert asked.determination == "insufficient_information"
    questions = " ".join(q for m in asked.explanation.missing_documentation for q in m.questions)
    assert "evolocumab or alirocumab" in questions, questions
    denied = evaluate(rt, build(s, "absent", True), s)
    assert denied.determination == "does_not_meet_criteria"
    (p,) = [a for a in list_presumptions(denied) if a.criterion == "pcsk9_antibody_tried"]
    assert "complete" in p.attest and "List/medlist" in p.attest


def _leqvio(meds: list[dict[str, Any]], lst: dict[str, Any] | None) -> dict[str, Any]:
    _, resources = _ldl_base()
    entries = resources + meds + ([lst] if lst is not None else [])
    return {"resourceType": "Bundle", "type": "collection", "timestamp": "2026-11-20T12:00:00Z",
            "entry": [{"resource": r} for r in entries]}


@pytest.mark.parametrize(("change", "why"), [
    ({"mode": "working"}, "mode 'working'"),
    ({"mode": "changes"}, "mode 'changes'"),
    ({"status": "retired"}, "status 'retired'"),
    ({"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/list-example-use-codes",
                           "code": "problems"}]}}, "not a medication list"),
])
def test_only_a_current_snapshot_medication_list_says_it_is_complete(change: dict[str, Any], why: str) -> None:
    rt = default_runtime()
    statin = _statement(STATIN, "p")
    lst = {**med_list([statin]), **change}
    intake = bundle_to_case(_leqvio([statin], lst), rt.dictionary, AS_OF, drug="Leqvio",
                            drugs=rt.catalog.calculators.drugs)
    assert "complete_medication_list" not in intake.case["facts"]
    assert intake.case["facts"]["medication_history"][0]["scope"] == "named_only"
    assert any(u.resource == "List/medlist" and why in u.reason for u in intake.unmapped), intake.unmapped


def test_a_list_coded_by_hl7s_use_code_or_named_so_counts() -> None:
    rt = default_runtime()
    statin = _statement(STATIN, "p")
    for code in ({"coding": [{"system": "http://terminology.hl7.org/CodeSystem/list-example-use-codes",
                              "code": "medications"}]}, {"text": "Medication list"}):
        lst = {**med_list([statin]), "code": code}
        facts = bundle_to_case(_leqvio([statin], lst), rt.dictionary, AS_OF, drug="Leqvio",
                               drugs=rt.catalog.calculators.drugs).case["facts"]
        assert facts["complete_medication_list"]["value"] == LIST_DATE
        assert "scope" not in facts["medication_history"][0]


def test_an_empty_list_is_complete_only_when_nothing_is_known_to_be_taken() -> None:
    """emptyReason nilknown: an empty history (a drug absent from it was not taken); another reason (not
    asked, withheld) says nothing."""
    rt = default_runtime()
    empty = med_list([])
    facts = bundle_to_case(_leqvio([], empty), rt.dictionary, AS_OF, drug="Leqvio",
                           drugs=rt.catalog.calculators.drugs).case["facts"]
    assert facts["medication_history"] == [] and facts["complete_medication_list"]["value"] == LIST_DATE
    empty["emptyReason"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/list-empty-reason",
                                        "code": "notasked"}]}
    facts = bundle_to_case(_leqvio([], empty), rt.dictionary, AS_OF, drug="Leqvio",
                           drugs=rt.catalog.calculators.drugs).case["facts"]
    assert "medication_history" not in facts and "complete_medication_list" not in facts


def test_an_incomplete_esa_record_keeps_the_list_from_counting_as_complete() -> None:
    """An ESA statement without its outcome leaves the ESA history unknown; a list read as complete would make
    the absent ESA course 'naive', so the list is listed, not read."""
    rt = default_runtime()
    s = next(x for x in SCENARIOS if x.name == "reblozyl-esa-naive")
    bundle = build(s, "absent", True)
    esa = statement("epo-open", "Procrit (epoetin alfa) 40,000 units weekly", "on-hold", start="2026-05-01",
                    patient=bundle["entry"][0]["resource"]["id"])
    bundle["entry"].insert(1, {"resource": esa})
    intake = bundle_to_case(bundle, rt.dictionary, AS_OF, drug="Reblozyl", drugs=rt.catalog.calculators.drugs)
    assert "complete_medication_list" not in intake.case["facts"]
    assert any(u.resource == "List/medlist" and "ESA record" in u.reason for u in intake.unmapped)
    det = evaluate(rt, bundle, s)
    assert det.criterion("esa_naive").status.value == "unknown"


def test_a_case_file_may_state_its_history_is_an_ehr_list_presumed_complete() -> None:
    """A case file's history is the whole history by definition (nothing presumed, nothing shown);
    complete_medication_list marks it as an EHR list presumed complete, and the answer says so."""
    rt = default_runtime()
    case = {"patient": {"birth_date": "1957-03-15", "sex": "female"},
            "facts": {"diagnosis": "I25.2", "prior_mi": True,
                      "ldl_c": {"value": 131, "unit": "mg/dL", "date": "2026-11-05"},
                      "medication_history": [{"drug": "atorvastatin", "start": "2026-01-05", "response": "ongoing",
                                              "dose": 80, "dose_unit": "mg"}]}}
    plain = rt.evaluate(rt.parse_case(case, as_of=AS_OF).facts, "Leqvio", variant="bcbs-nd")
    assert plain.criterion("pcsk9_antibody_tried").status.value == "not_met" and not list_presumptions(plain)
    case["facts"]["complete_medication_list"] = "2026-11-18"
    marked = rt.evaluate(rt.parse_case(case, as_of=AS_OF).facts, "Leqvio", variant="bcbs-nd")
    assert {a.criterion for a in list_presumptions(marked)} >= {"pcsk9_antibody_tried", "nexlizet_tried"}
    assert plain.determination == marked.determination == "does_not_meet_criteria"


def test_the_fixture_with_a_complete_list_through_the_cli() -> None:
    """tests/fixtures/fhir/bundle-leqvio-medication-list.json: `mednec evaluate ... --variant bcbs-nd` is 'does
    not meet' on the absent PCSK9 antibody, and says it presumed the list of 2026-11-18 complete."""
    from typer.testing import CliRunner

    from mednec.cli import app

    result = CliRunner().invoke(app, ["evaluate", str(FIXTURES / "bundle-leqvio-medication-list.json"),
                                      "--drug", "Leqvio", "--variant", "bcbs-nd", "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["determination"] == "does_not_meet_criteria"
    listed = [a for a in out["assumptions"] if a["criterion"] == "pcsk9_antibody_tried"]
    assert listed and "2026-11-18" in listed[0]["attest"] and "List/medlist" in listed[0]["attest"]
