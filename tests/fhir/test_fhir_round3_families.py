"""FHIR shapes the third held-out set (tests/heldout/fhir3) showed unread or misread, each as a family with many
variants: a birth date of a year or a year-month (R4 ``date``); a deceased Patient; Conditions whose
verificationStatus does not establish them (unconfirmed, provisional, differential); a ``modifierExtension`` or
``implicitRules`` mednec does not understand, on the resource or on one of its elements; a course ended
(completed / stopped) without its outcome (held-out e-l04: ezetimibe completed, the dates show 26 weeks); a statin
allergy whose reaction is rhabdomyolysis (e-l07: statins contraindicated, not merely not tolerated); a
MedicationDispense; the product an order names by its dose or its brand (semaglutide 2.4 mg is Wegovy, "[Mounjaro]"
beats "tirzepatide"); the payer a Coverage names choosing the policy's variant; and inputs refused with a clear
error (too many entries, nesting thousands deep)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.code_systems import ICD10 as ICD
from tests.code_systems import RXNORM, SNOMED
from tests.fhir.family_intake import AS_OF, case_facts, determination, intake

from mednec.errors import CaseFormatError, InputError
from mednec.fhir.coverage import payer_names
from mednec.fhir.crd import index_resources, policy_for_order
from mednec.intake.fhir import bundle_to_case
from mednec.intake.fhir.bundle import MAX_ENTRIES
from mednec.intake.fhir.patient import partial_birth_age
from mednec.policies.payer_match import variant_named
from mednec.runtime import Runtime

SUBJECT = {"reference": "Patient/p"}
VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CLIN = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def _bundle(*resources: dict[str, Any], patient: dict[str, Any] | None = None) -> dict[str, Any]:
    p = patient or {"resourceType": "Patient", "id": "p", "birthDate": "1960-04-18", "gender": "female"}
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": p}] + [{"resource": r} for r in resources]}


def _intake(runtime: Runtime, *resources: dict[str, Any], drug: str | None = None,
            patient: dict[str, Any] | None = None) -> Any:
    return intake(runtime, _bundle(*resources, patient=patient), drug=drug)


_facts = case_facts
_evaluate = determination


def _ldl(value: float) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": "ldl", "status": "final", "subject": SUBJECT,
            "code": {"coding": [{"system": "http://loinc.org", "code": "13457-7"}], "text": "LDL cholesterol"},
            "effectiveDateTime": "2026-11-20", "valueQuantity": {"value": value, "unit": "mg/dL"}}


def _cond(code: str, *, verification: str | None = "confirmed", rid: str = "c") -> dict[str, Any]:
    r: dict[str, Any] = {"resourceType": "Condition", "id": rid, "subject": SUBJECT, "recordedDate": "2026-06-01",
                         "clinicalStatus": {"coding": [{"system": CLIN, "code": "active"}]},
                         "code": {"coding": [{"system": ICD, "code": code}]}}
    if verification is not None:
        r["verificationStatus"] = {"coding": [{"system": VER, "code": verification}]}
    return r


# --- birth dates of a year or a year-month ----------------------------------------------------------------------

@pytest.mark.parametrize(("born", "on", "ages"), [
    ("2011-03", AS_OF, (15, 15)), ("2011", AS_OF, (14, 15)), ("1961", AS_OF, (64, 65)),
    ("1961-06", AS_OF, (65, 65)), ("1961-12", AS_OF, (64, 65)), ("2008-12", AS_OF, (17, 18)),
    ("2008-11", AS_OF, (18, 18)), ("2008", AS_OF, (17, 18)), ("2026", AS_OF, (0, 0)), ("2026-12", AS_OF, (0, 0)),
    ("1950-02", dt.date(2026, 2, 27), (75, 76)), ("1950-02", dt.date(2026, 3, 1), (76, 76)),
])
def test_the_age_of_a_partial_birth_date(born: str, on: dt.date, ages: tuple[int, int]) -> None:
    assert partial_birth_age(born, on, path="birthDate") == ages


@pytest.mark.parametrize(("born", "want"), [
    ("2011-03", "does_not_meet_criteria"), ("2010", "does_not_meet_criteria"), ("2009-01", "does_not_meet_criteria"),
    ("2008", "insufficient_information"), ("2008-12", "insufficient_information"),
    ("1961", "meets_criteria"), ("1990-07", "meets_criteria"), ("2008-11", "meets_criteria"),
])
def test_a_partial_birth_date_decides_the_adult_criterion(runtime: Runtime, born: str, want: str) -> None:
    """Zepbound's OSA pathway needs an adult: a minor by a year-month is not one, an undecidable year asks."""
    bmi = {"resourceType": "Observation", "id": "bmi", "status": "final", "subject": SUBJECT,
           "code": {"coding": [{"system": "http://loinc.org", "code": "39156-5"}]}, "effectiveDateTime": "2026-11-20",
           "valueQuantity": {"value": 36, "unit": "kg/m2", "system": "http://unitsofmeasure.org", "code": "kg/m2"}}
    ahi = {"resourceType": "Observation", "id": "ahi", "status": "final", "subject": SUBJECT, "code": {"text": "AHI"},
           "effectiveDateTime": "2026-10-01", "valueQuantity": {"value": 31, "unit": "events/h"}}
    patient = {"resourceType": "Patient", "id": "p", "birthDate": born, "gender": "male"}
    got = _intake(runtime, bmi, ahi, _cond("G47.33"), patient=patient)
    assert _evaluate(runtime, got, "Zepbound") == want


# --- a deceased patient -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("deceased", "refused"), [
    ({"deceasedBoolean": True}, True), ({"deceasedDateTime": "2026-11-30T04:10:00-05:00"}, True),
    ({"deceasedDateTime": "2026-12-06"}, True), ({"deceasedDateTime": "2020"}, True),
    ({"deceasedDateTime": "2026-12-20"}, False), ({"deceasedBoolean": False}, False), ({}, False),
])
def test_a_deceased_patient_is_refused(runtime: Runtime, deceased: dict[str, Any], refused: bool) -> None:
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1959-09-09", "gender": "male", **deceased}
    if refused:
        with pytest.raises(CaseFormatError, match="deceased"):
            _intake(runtime, _cond("I25.2"), patient=patient)
    else:
        assert _facts(_intake(runtime, _cond("I25.2"), patient=patient))["prior_mi"] is True


# --- verificationStatus that does not establish a condition ------------------------------------------------------

@pytest.mark.parametrize(("code", "fact"), [("I25.2", "prior_mi"), ("E11.9", "type2_diabetes"), ("I10", "hypertension"),
                                            ("I63.9", "prior_ischemic_stroke"), ("G47.33", "obstructive_sleep_apnea")])
@pytest.mark.parametrize(("verification", "used"), [
    ("confirmed", True), (None, True), ("unconfirmed", False), ("provisional", False), ("differential", False),
    ("refuted", False), ("entered-in-error", False),
])
def test_only_an_established_condition_gives_its_fact(runtime: Runtime, code: str, fact: str,
                                                      verification: str | None, used: bool) -> None:
    got = _intake(runtime, _cond(code, verification=verification))
    assert (_facts(got).get(fact) is True) is used
    if not used:
        assert any(verification in u.reason for u in got.unmapped if u.resource == "Condition/c")


# --- modifierExtension / implicitRules not understood -------------------------------------------------------------

_MOD = [{"url": "http://example.org/fhir/StructureDefinition/asserted-by-patient-only", "valueBoolean": True}]


def _statin_request() -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "id": "r", "status": "active", "intent": "order", "subject": SUBJECT,
            "medicationCodeableConcept": {"text": "atorvastatin 80 mg tablet"}, "authoredOn": "2025-01-01",
            "dosageInstruction": [{"text": "80 mg daily", "doseAndRate": [{"doseQuantity": {"value": 80, "unit": "mg"}}]}]}


def _with(resource: dict[str, Any], where: str) -> dict[str, Any]:
    out = dict(resource)
    if where == "resource":
        out["modifierExtension"] = _MOD
    elif where == "implicitRules":
        out["implicitRules"] = "http://example.org/fhir/rules/local-negation"
    elif where == "element":  # a BackboneElement of the resource (a CodeableConcept has no modifierExtension)
        backbone = {"Condition": ("evidence", {"detail": [{"display": "ECG"}]}),
                    "Observation": ("referenceRange", {"text": "<100 mg/dL"}),
                    "MedicationRequest": ("dosageInstruction", {"text": "daily"})}
        key, default = backbone[out["resourceType"]]
        first = (out.get(key) or [default])[0]
        out[key] = [{**first, "modifierExtension": _MOD}, *(out.get(key) or [])[1:]]
    return out


@pytest.mark.parametrize("where", ["resource", "element", "implicitRules", "ordinary extension"])
@pytest.mark.parametrize(("resource", "fact"), [
    (_cond("I25.2"), "prior_mi"), (_cond("E11.9"), "type2_diabetes"), (_ldl(131), "ldl_c"),
    (_statin_request(), "medication_history"),
])
def test_a_modifier_not_understood_makes_the_resource_unusable(runtime: Runtime, where: str, resource: dict[str, Any],
                                                               fact: str) -> None:
    if where == "ordinary extension":
        resource = {**resource, "extension": [{"url": "http://example.org/fhir/StructureDefinition/x", "valueInteger": 2}]}
    else:
        resource = _with(resource, where)
    got = _intake(runtime, resource, drug="Repatha")
    if where == "ordinary extension":
        assert fact in got.case["facts"]
    else:
        assert fact not in got.case["facts"]
        assert any("not understood" in u.reason for u in got.unmapped if u.resource.endswith("/" + resource["id"]))


# --- a course ended without its outcome (e-l04) -------------------------------------------------------------------

def _statement(text: str, status: str, start: str, end: str | None) -> dict[str, Any]:
    return {"resourceType": "MedicationStatement", "id": "s", "status": status, "subject": SUBJECT,
            "medicationCodeableConcept": {"text": text},
            "effectivePeriod": {"start": start, **({"end": end} if end else {})}}


def _request(text: str, status: str, start: str, end: str | None, *, validity: bool) -> dict[str, Any]:
    r: dict[str, Any] = {"resourceType": "MedicationRequest", "id": "s", "status": status, "intent": "order",
                         "subject": SUBJECT, "medicationCodeableConcept": {"text": text}, "authoredOn": start}
    if end and validity:
        r["dispenseRequest"] = {"validityPeriod": {"start": start, "end": end}}
    elif end:
        r["dosageInstruction"] = [{"timing": {"repeat": {"boundsPeriod": {"start": start, "end": end}}}}]
    return r


_SHAPES = ["statement", "request bounds", "request validity"]


def _course(shape: str, text: str, status: str, start: str, end: str | None) -> dict[str, Any]:
    if shape == "statement":
        return _statement(text, status, start, end)
    return _request(text, status, start, end, validity=shape == "request validity")


@pytest.mark.parametrize("shape", _SHAPES)
@pytest.mark.parametrize("status", ["completed", "stopped"])
@pytest.mark.parametrize("text", ["ezetimibe 10 mg tablet", "metformin 500 mg tablet", "rosuvastatin 20 mg"])
def test_a_course_ended_without_its_outcome_keeps_its_dates(runtime: Runtime, shape: str, status: str,
                                                            text: str) -> None:
    got = _intake(runtime, _course(shape, text, status, "2026-02-01", "2026-08-01"), drug="Leqvio")
    [entry] = got.case["facts"]["medication_history"]
    assert (entry["response"], entry["start"], entry["end"]) == ("stopped", dt.date(2026, 2, 1), dt.date(2026, 8, 1))
    assert "reason_stopped" not in entry


@pytest.mark.parametrize("shape", _SHAPES)
@pytest.mark.parametrize("status", ["completed", "stopped"])
@pytest.mark.parametrize(("start", "end", "want"), [
    ("2026-02-01", "2026-08-01", "meets_criteria"),            # 26 weeks >= 8
    ("2026-01-05", "2026-03-02", "meets_criteria"),            # exactly 8 weeks
    ("2026-09-01", "2026-09-29", "insufficient_information"),  # 4 weeks: it may have been stopped for intolerance
])
def test_the_leqvio_ezetimibe_step_from_an_ended_course(runtime: Runtime, shape: str, status: str, start: str,
                                                        end: str, want: str) -> None:
    statin = {"resourceType": "MedicationRequest", "id": "rosuva", "status": "active", "intent": "order",
              "subject": SUBJECT, "medicationCodeableConcept": {"text": "rosuvastatin 40 mg tablet"},
              "authoredOn": "2025-06-01", "dosageInstruction": [{"doseAndRate": [{"doseQuantity": {"value": 40, "unit": "mg"}}]}]}
    got = _intake(runtime, _cond("E11.9"), _ldl(142), statin, _course(shape, "ezetimibe 10 mg", status, start, end),
                  drug="Leqvio")
    assert _evaluate(runtime, got, "Leqvio") == want


# --- statin allergy with rhabdomyolysis (e-l07) -------------------------------------------------------------------

def _allergy(substance: dict[str, Any], reaction: dict[str, Any], verification: str = "confirmed") -> dict[str, Any]:
    return {"resourceType": "AllergyIntolerance", "id": "a", "patient": SUBJECT, "type": "intolerance",
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                                           "code": "active"}]},
            "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                                               "code": verification}]},
            "code": substance, "reaction": [{"manifestation": [reaction]}]}


_STATINS = [{"coding": [{"system": RXNORM, "code": "301542", "display": "rosuvastatin"}]},
            {"coding": [{"system": RXNORM, "code": "83367", "display": "atorvastatin"}], "text": "Atorvastatin"},
            {"text": "Simvastatin"}, {"text": "Pravachol (pravastatin)"},
            {"coding": [{"system": SNOMED, "code": "372912004"}], "text": "HMG-CoA reductase inhibitors (statins)"}]
_RHABDO = [{"coding": [{"system": SNOMED, "code": "240131006", "display": "Rhabdomyolysis"}]},
           {"coding": [{"system": SNOMED, "code": "240131006"}]}, {"text": "rhabdomyolysis"},
           {"text": "Rhabdo, CK 12,000"}, {"text": "statin-induced rhabdomyolysis"}]


@pytest.mark.parametrize("substance", _STATINS)
@pytest.mark.parametrize("reaction", _RHABDO)
def test_statin_rhabdomyolysis_is_a_contraindication(runtime: Runtime, substance: dict[str, Any],
                                                     reaction: dict[str, Any]) -> None:
    got = _intake(runtime, _allergy(substance, reaction))
    assert _facts(got)["statin_contraindicated"] is True


@pytest.mark.parametrize(("substance", "reaction", "verification"), [
    (_STATINS[0], {"text": "Myalgia"}, "confirmed"),
    (_STATINS[1], {"coding": [{"system": SNOMED, "code": "68962001", "display": "Muscle pain"}]}, "confirmed"),
    ({"text": "Ezetimibe"}, {"text": "rhabdomyolysis"}, "confirmed"),
    (_STATINS[0], {"text": "rhabdomyolysis"}, "refuted"),
    (_STATINS[2], {"text": "rhabdomyolysis"}, "entered-in-error"),
])
def test_other_reactions_and_drugs_are_not_a_statin_contraindication(runtime: Runtime, substance: dict[str, Any],
                                                                    reaction: dict[str, Any], verification: str) -> None:
    assert "statin_contraindicated" not in _facts(_intake(runtime, _allergy(substance, reaction, verification)))


@pytest.mark.parametrize("drug", ["Repatha", "Praluent", "Nexletol", "Leqvio"])
@pytest.mark.parametrize("substance", [_STATINS[0], _STATINS[4]])
def test_a_statin_rhabdomyolysis_allergy_passes_the_statin_step(runtime: Runtime, drug: str,
                                                                substance: dict[str, Any]) -> None:
    got = _intake(runtime, _cond("I25.2"), _ldl(145), _allergy(substance, _RHABDO[0]), drug=drug)
    assert _evaluate(runtime, got, drug) == "meets_criteria"


# --- MedicationDispense ----------------------------------------------------------------------------------------------

def _dispense(status: str, handed: str | None, days: float | None, text: str = "metformin 500 mg") -> dict[str, Any]:
    r: dict[str, Any] = {"resourceType": "MedicationDispense", "id": "d", "status": status, "subject": SUBJECT,
                         "medicationCodeableConcept": {"text": text}}
    if handed:
        r["whenHandedOver"] = handed
    if days is not None:
        r["daysSupply"] = {"value": days, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"}
    return r


@pytest.mark.parametrize(("status", "handed", "days", "response", "end"), [
    ("completed", "2026-11-01T10:00:00-05:00", 90, "ongoing", None),
    ("completed", "2026-11-20", 30, "ongoing", None),
    ("completed", "2026-06-01", 30, "stopped", dt.date(2026, 7, 1)),
    ("completed", "2026-06-01", None, "stopped", None),
    ("in-progress", "2026-11-01", 90, None, None), ("cancelled", "2026-11-01", 90, None, None),
    ("declined", "2026-11-01", 90, None, None), ("entered-in-error", "2026-11-01", 90, None, None),
    ("completed", None, 90, None, None),
])
def test_a_dispense_is_the_drug_taken(runtime: Runtime, status: str, handed: str | None, days: float | None,
                                      response: str | None, end: dt.date | None) -> None:
    got = _intake(runtime, _dispense(status, handed, days), drug="Ozempic")
    history = got.case["facts"].get("medication_history")
    if response is None:
        assert history is None
        assert any(u.resource == "MedicationDispense/d" for u in got.unmapped)
    else:
        [entry] = history
        assert (entry["drug"], entry["response"], entry.get("end")) == ("metformin", response, end)


@pytest.mark.parametrize(("handed", "want"), [("2026-11-01", "meets_criteria"), ("2026-09-15", "meets_criteria"),
                                              ("2025-06-01", "insufficient_information")])
def test_a_dispense_gives_the_oral_drug_step(runtime: Runtime, handed: str, want: str) -> None:
    """Ozempic's oral drug step: taken within 90 days (a fill's supply running into them counts)."""
    a1c = {"resourceType": "Observation", "id": "a1c", "status": "final", "subject": SUBJECT,
           "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]}, "effectiveDateTime": "2026-11-05",
           "valueQuantity": {"value": 7.8, "unit": "%"}}
    got = _intake(runtime, _cond("E11.9"), a1c, _dispense("completed", handed, 90), drug="Ozempic")
    assert _evaluate(runtime, got, "Ozempic") == want


# --- the product an order names: its dose, its brand --------------------------------------------------------------

def _order(med: dict[str, Any], *, dose: float | None = None) -> dict[str, Any]:
    order: dict[str, Any] = {"resourceType": "MedicationRequest", "id": "o", "status": "draft", "intent": "order",
                             "subject": SUBJECT, "contained": [{"resourceType": "Medication", "id": "m", **med}],
                             "medicationReference": {"reference": "#m"}}
    if dose is not None:
        order["dosageInstruction"] = [{"doseAndRate": [{"doseQuantity": {"value": dose, "unit": "mg",
                                                                         "system": "http://unitsofmeasure.org", "code": "mg"}}]}]
    return order


def _strength(num: float, unit: str, den: float) -> dict[str, Any]:
    return {"code": {"text": "semaglutide injection pen"},
            "ingredient": [{"itemCodeableConcept": {"text": "semaglutide"},
                            "strength": {"numerator": {"value": num, "unit": unit, "code": unit},
                                         "denominator": {"value": den, "unit": "mL", "code": "mL"}}}]}


@pytest.mark.parametrize(("med", "dose", "policy"), [
    (_strength(2.4, "mg", 0.75), None, "semaglutide-wegovy"), (_strength(1.7, "mg", 0.75), None, "semaglutide-wegovy"),
    (_strength(2400, "ug", 0.75), None, "semaglutide-wegovy"), (_strength(2, "mg", 3), None, "semaglutide-ozempic"),
    (_strength(2, "mg", 1.5), None, "semaglutide-ozempic"), ({"code": {"text": "semaglutide pen"}}, 2.4, "semaglutide-wegovy"),
    ({"code": {"text": "semaglutide pen"}}, 2, "semaglutide-ozempic"),
    ({"code": {"text": "tirzepatide 2.5 MG/0.5ML Auto-Injector [Mounjaro]"}}, None, "tirzepatide-mounjaro"),
    ({"code": {"text": "tirzepatide 5 MG/0.5ML Auto-Injector [Zepbound]"}}, None, "tirzepatide-zepbound"),
    ({"code": {"text": "MOUNJARO 2.5 MG/0.5ML SC SOAJ (tirzepatide)"}}, None, "tirzepatide-mounjaro"),
    ({"code": {"text": "semaglutide (Ozempic) 1 mg/dose pen"}}, None, "semaglutide-ozempic"),
])
def test_the_product_an_order_names(runtime: Runtime, med: dict[str, Any], dose: float | None, policy: str) -> None:
    order = _order(med, dose=dose)
    got = policy_for_order(order, runtime.catalog, index_resources())
    assert got is not None and got.id == policy


# --- the payer a Coverage names -> the policy's variant --------------------------------------------------------------

def _coverage(*names: str, status: str = "active", display: bool = False) -> dict[str, Any]:
    resources: list[dict[str, Any]] = []
    payors = []
    for n, name in enumerate(names):
        org = {"resourceType": "Organization", "id": f"org{n}", "name": name}
        resources.append(org)
        payors.append({"reference": f"Organization/org{n}", **({"display": name} if display else {})})
    resources.append({"resourceType": "Coverage", "id": "cov", "status": status, "beneficiary": SUBJECT,
                      "payor": payors})
    if display:  # the Organization not sent: only the reference's display names the payer
        resources = resources[-1:]
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


@pytest.mark.parametrize(("drug", "names", "variant"), [
    ("Repatha", ("Cigna Healthcare",), "cigna"), ("Repatha", ("CIGNA",), "cigna"),
    ("Repatha", ("Connecticut General Life Insurance Company (Cigna)",), "cigna"),
    ("Repatha", ("CVS Caremark",), "caremark"), ("Repatha", ("Aetna",), None),
    ("Wegovy", ("Aetna Better Health",), "aetna-2022"), ("Wegovy", ("CVS Caremark Part D",), "aetna-2022"),
    ("Praluent", ("UnitedHealthcare",), "uhc-2025"), ("Praluent", ("United Healthcare Community Plan",), "uhc-2025"),
    ("Praluent", ("Cigna",), "cigna"), ("Praluent", ("Cigna", "UnitedHealthcare"), None),
    ("Leqvio", ("Blue Cross Blue Shield of North Dakota",), "bcbs-nd"),
    ("Leqvio", ("Blue Cross Blue Shield of Texas",), None), ("Leqvio", ("Cigna",), None),
    ("Nexletol", ("Cigna",), "cigna"), ("Zepbound", ("Cigna",), "cigna-osa"), ("Ozempic", ("Cigna",), None),
    ("Reblozyl", ("Cigna",), None), ("Repatha", ("Medicare Part D",), None), ("Repatha", ("Signal Health",), None),
])
@pytest.mark.parametrize("display", [False, True])
def test_the_payer_a_coverage_names_chooses_the_variant(runtime: Runtime, drug: str, names: tuple[str, ...],
                                                         variant: str | None, display: bool) -> None:
    policy = runtime.catalog.find_drug(drug)
    assert variant_named(policy, payer_names(index_resources(_coverage(*names, display=display)))) == variant


@pytest.mark.parametrize("status", ["cancelled", "entered-in-error", "draft"])
def test_an_inactive_coverage_names_no_payer(runtime: Runtime, status: str) -> None:
    assert payer_names(index_resources(_coverage("Cigna", status=status))) == []


# --- inputs refused with a clear error ----------------------------------------------------------------------------

@pytest.mark.parametrize("extra", [1, 100])
def test_too_many_entries_are_refused(runtime: Runtime, extra: int) -> None:
    bundle = _bundle(_cond("E11.9"))
    bundle["entry"] += [{"resource": {"resourceType": "Basic", "id": f"b{i}"}} for i in range(MAX_ENTRIES + extra)]
    with pytest.raises(CaseFormatError, match="entries"):
        bundle_to_case(bundle, runtime.dictionary, AS_OF)


@pytest.mark.parametrize("depth", [2_000, 5_000, 20_000])
@pytest.mark.parametrize("where", ["extension", "contained"])
def test_nesting_thousands_deep_is_refused_not_a_traceback(runtime: Runtime, depth: int, where: str) -> None:
    node: dict[str, Any] = {"url": "http://example.org/x", "valueString": "leaf"}
    for _ in range(depth):
        node = {"url": "http://example.org/x", "extension": [node]}
    cond = _cond("E11.9")
    if where == "extension":
        cond["extension"] = [node]
    else:
        cond["contained"] = [{"resourceType": "Basic", "id": "deep", "extension": [node]}]
    with pytest.raises(InputError, match="nested too deeply"):
        bundle_to_case(_bundle(cond), runtime.dictionary, AS_OF)


def _repatha_request(*coverage: dict[str, Any]) -> dict[str, Any]:
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1959-03-03", "gender": "male"}
    statin = {**_statin_request(), "id": "atorva"}
    order = {"resourceType": "MedicationRequest", "id": "draft", "status": "draft", "intent": "order", "subject": SUBJECT,
             "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "1665904",
                                                       "display": "evolocumab 140 MG/ML Auto-Injector [Repatha]"}]}}

    def searchset(*rs: dict[str, Any]) -> dict[str, Any]:
        return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in rs]}

    prefetch: dict[str, Any] = {"patient": patient, "conditions": searchset(_cond("I25.2")),
                                "observations": searchset(_ldl(62)), "medicationRequests": searchset(statin)}
    if coverage:
        prefetch["coverage"] = searchset(*coverage)
    return {"hook": "order-sign", "hookInstance": "h1", "context": {
        "userId": "Practitioner/1", "patientId": "p",
        "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": order}]}},
        "prefetch": prefetch}


@pytest.mark.parametrize(("payer", "variant", "want"), [
    ("Cigna Healthcare", "cigna", "meets_criteria"),      # Cigna: LDL >= 55 in ASCVD
    ("CVS Caremark", "caremark", None),                   # Caremark: LDL >= 70 (and ezetimibe first)
    ("Medicare Part D", None, None),                      # no variant: the defaults (LDL >= 70)
    (None, None, None),
])
def test_a_cds_hooks_coverage_chooses_the_variant(runtime: Runtime, payer: str | None, variant: str | None,
                                                  want: str | None) -> None:
    from mednec.fhir.crd import assess

    coverage = () if payer is None else (
        {"resourceType": "Coverage", "id": "cov", "status": "active", "beneficiary": SUBJECT,
         "payor": [{"reference": "Organization/pay"}]},
        {"resourceType": "Organization", "id": "pay", "name": payer})
    got = assess(_repatha_request(*coverage), runtime, fetch=None, as_of=AS_OF)
    [order] = got.orders
    assert (order.policy.variant.id if order.policy.variant else None) == variant
    if want is not None:
        assert order.determination.determination == want
    else:  # LDL 62 < 70: the ASCVD pathway is not met under the defaults and Caremark
        assert order.determination.determination != "meets_criteria"
