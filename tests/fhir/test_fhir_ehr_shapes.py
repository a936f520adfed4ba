"""Bundles in the shapes EHRs send them (issue 15), read resource by resource.

Written for this issue: LOINC alternatives (ANC 26499-4), lab units as labs write them without a
UCUM code (each spelling of the table checked with the pint unit library), transfusions coded
without text, medications by RxNorm product code only and referenced anywhere in the bundle,
instants dated by their own calendar day, a resource that cannot be read listed while the rest is evaluated, and
the IPSS-R derived from the bundle's karyotype and labs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pint
import pytest
from tests.code_systems import CPT, LOINC, RXNORM, SNOMED

from mednec.intake.fhir import bundle_to_case
from mednec.intake.fhir.code_tables import entries, loinc_alternatives, rxnorm_drugs, transfusion_meaning
from mednec.intake.fhir.units import lab_spellings, spelling_key
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 11, 20)
SUBJECT = {"reference": "Patient/p"}


def obs(rid: str, code: str, value: float | None = None, unit: str | None = None, *, when: str = "2026-11-10",
        text: str | None = None, **extra: Any) -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": [{"system": LOINC, "code": code}]}
    if text:
        concept["text"] = text
    out: dict[str, Any] = {"resourceType": "Observation", "id": rid, "status": "final", "subject": SUBJECT,
                           "code": concept, "effectiveDateTime": when}
    if value is not None:
        out["valueQuantity"] = {"value": value, **({"unit": unit} if unit else {})}
    return out | extra


def bundle(*resources: dict[str, Any], full_urls: bool = False) -> dict[str, Any]:
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1950-03-02", "gender": "female"}
    entries_ = []
    for r in (patient, *resources):
        e: dict[str, Any] = {"resource": r}
        if full_urls:
            e["fullUrl"] = f"https://ehr.example.org/fhir/{r['resourceType']}/{r['id']}"
        entries_.append(e)
    return {"resourceType": "Bundle", "type": "searchset", "entry": entries_}


def intake(runtime: Runtime, *resources: dict[str, Any], **kw: Any) -> Any:
    return bundle_to_case(bundle(*resources, **kw), runtime.dictionary, AS_OF)


def reasons(result: Any) -> dict[str, str]:
    return {u.resource: u.reason for u in result.unmapped}


# --- LOINC alternatives -----------------------------------------------------------------------


@pytest.mark.parametrize(("fact", "code"), [(f, c) for f, codes in loinc_alternatives().items() for c in codes])
def test_every_verified_loinc_alternative_gives_its_fact(runtime: Runtime, fact: str, code: str) -> None:
    fd = runtime.dictionary.facts[fact]
    value = {"anc": 2.1, "platelets": 150, "hemoglobin": 8.4, "serum_epo": 120, "marrow_blasts_pct": 3,
             "hba1c": 7.5}[fact]
    got = intake(runtime, obs("o", code, value, fd.unit)).case["facts"]
    assert got[fact]["value"] == pytest.approx(value)


def test_anc_26499_4_as_a_cerner_style_cbc_component(runtime: Runtime) -> None:
    panel = obs("cbc", "58410-2", component=[
        {"code": {"coding": [{"system": LOINC, "code": "26499-4"}]}, "valueQuantity": {"value": 0.9, "unit": "K/uL"}},
        {"code": {"coding": [{"system": LOINC, "code": "26515-7"}]}, "valueQuantity": {"value": 45, "unit": "K/mcL"}},
    ])
    facts = intake(runtime, panel).case["facts"]
    assert (facts["anc"]["value"], facts["platelets"]["value"]) == (0.9, 45)


def test_unverified_codes_are_listed_but_never_used() -> None:
    unverified = [e for e in entries() if e.status != "verified"]
    assert unverified, "the table keeps unverified codes so a reviewer can check them"
    used = {c for codes in loinc_alternatives().values() for c in codes} | set(rxnorm_drugs())
    for e in unverified:
        assert e.code not in used and transfusion_meaning(e.system, e.code) is None
    for e in entries():
        assert e.status in ("verified", "unverified") and e.source.strip(), e


def test_an_unverified_loinc_code_does_not_make_a_fact(runtime: Runtime) -> None:
    result = intake(runtime, obs("o", "753-4", 2.0, "10*3/uL", text="Neutrophils manual"))
    assert "anc" not in result.case["facts"] and "Observation/o" in reasons(result)


# --- lab units as labs write them ---------------------------------------------------------------

UREG = pint.UnitRegistry()
UREG.define("IU = [activity]")
#: each dictionary unit key the table maps to, as a pint quantity
KEY_MEANING = {"10^3/uL": "1e3 / microliter", "10^9/L": "1e9 / liter", "/uL": "1 / microliter",
               "/mm3": "1 / millimeter ** 3", "g/dL": "gram / deciliter", "g/L": "gram / liter",
               "mmol/L": "millimole / liter", "mIU/mL": "1e-3 * IU / milliliter", "mU/mL": "1e-3 * IU / milliliter",
               "IU/L": "IU / liter", "U/L": "IU / liter", "%": "percent"}
FACT_OF_KEY = {"10^3/uL": "platelets", "10^9/L": "anc", "/uL": "platelets", "/mm3": "platelets",
               "g/dL": "hemoglobin", "g/L": "hemoglobin", "mmol/L": "hemoglobin", "mIU/mL": "serum_epo",
               "mU/mL": "serum_epo", "IU/L": "serum_epo", "U/L": "serum_epo", "%": "marrow_blasts_pct"}


@pytest.mark.parametrize(("spelling", "key", "meaning"), [(s, k, m) for s, (k, m) in sorted(lab_spellings().items())])
def test_each_lab_spelling_is_the_quantity_of_its_dictionary_unit(spelling: str, key: str, meaning: str) -> None:
    """pint checks that the spelling's meaning equals the dictionary unit it is mapped to."""
    spelled, dictionary_unit = UREG(meaning).to_base_units(), UREG(KEY_MEANING[key]).to_base_units()
    assert spelled.dimensionality == dictionary_unit.dimensionality
    assert spelled.magnitude == pytest.approx(dictionary_unit.magnitude, rel=1e-12)


CANONICAL = {"hemoglobin": "gram / deciliter", "platelets": "1e9 / liter", "anc": "1e9 / liter",
             "serum_epo": "1e-3 * IU / milliliter", "marrow_blasts_pct": "percent"}


@pytest.mark.parametrize("written", [
    "x10E3/uL", "K/mcL", "10^3/mcL", "thou/cmm", "thou/mm3", "x10E9/L", "cells/mcL", "/cmm", "gm/dL", "g/100mL",
    "gm%", "g/L", "mmol/L", "mIU/mL", "mUnits/mL", "IU/L", "K / µL", "x 10^3/μL", "THOU/CMM", "Gm/dL",
])
def test_each_written_unit_converts_without_a_ucum_code(runtime: Runtime, written: str) -> None:
    """The value as the case would hold it equals what pint converts the written quantity to."""
    k, m = lab_spellings()[spelling_key(written)]
    fact = FACT_OF_KEY[k]
    raw = {"hemoglobin": 8.1, "platelets": 45, "anc": 0.9, "serum_epo": 210}[fact] if k not in (
        "/uL", "/mm3", "g/L", "mmol/L") else {"/uL": 45000, "/mm3": 45000, "g/L": 81, "mmol/L": 5.03}[k]
    code = {"hemoglobin": "718-7", "platelets": "777-3", "anc": "751-8", "serum_epo": "15061-5"}[fact]
    got = intake(runtime, obs("o", code, raw, written)).case["facts"][fact]
    if k == "mmol/L":  # molar: the dictionary converts by hemoglobin's molar mass, not a unit identity
        assert got["value"] == pytest.approx(8.1, rel=1e-2)
        return
    expected = (raw * UREG(m) / UREG(CANONICAL[fact])).to("dimensionless").magnitude
    assert got["value"] == pytest.approx(expected, rel=1e-9)
    assert got["unit"] == runtime.dictionary.facts[fact].unit


def test_a_unit_no_table_knows_is_listed_and_the_rest_is_read(runtime: Runtime) -> None:
    result = intake(runtime, obs("hb", "718-7", 8.1, "mg/mL"), obs("plt", "777-3", 45, "K/mcL"))
    assert result.case["facts"]["platelets"]["value"] == 45
    assert "hemoglobin" not in result.case["facts"]
    assert "valueQuantity: unit 'mg/mL' is not accepted for Hemoglobin" in reasons(result)["Observation/hb"]


def test_an_invalid_resource_among_good_ones(runtime: Runtime) -> None:
    broken = obs("hb", "718-7", 8.1, "g/dL")
    broken["valueQuantity"]["value"] = "eight"
    result = intake(runtime, broken, obs("anc", "26499-4", 0.9, "x10E3/uL"))
    assert result.case["facts"]["anc"]["value"] == 0.9
    assert reasons(result)["Observation/hb"].startswith("not valid FHIR R4 at entry[1].resource(Observation/hb)")


# --- transfusions coded with or without text ------------------------------------------------------


def procedure(rid: str, system: str, code: str, day: str, text: str | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": [{"system": system, "code": code}]}
    if text:
        concept["text"] = text
    return {"resourceType": "Procedure", "id": rid, "status": "completed", "subject": SUBJECT, "code": concept,
            "performedDateTime": day}


def test_a_red_cell_transfusion_code_without_text_counts(runtime: Runtime) -> None:
    result = intake(runtime, procedure("t1", SNOMED, "71493000", "2026-10-01"),
                    procedure("t2", SNOMED, "71493000", "2026-10-20"))
    assert result.case["facts"]["rbc_transfusions"] == [{"date": "2026-10-01", "units": 1},
                                                        {"date": "2026-10-20", "units": 1}]


def test_a_platelet_transfusion_code_is_never_red_cells(runtime: Runtime) -> None:
    """SNOMED CT 180208003 is 'Intravenous blood transfusion of platelets' (NEMSIS v3 dictionary)."""
    result = intake(runtime, procedure("plt", SNOMED, "180208003", "2026-10-01"),
                    procedure("rbc", SNOMED, "71493000", "2026-10-02"))
    assert result.case["facts"]["rbc_transfusions"] == [{"date": "2026-10-02", "units": 1}]
    assert "another product" in reasons(result)["Procedure/plt"] and "platelets" in reasons(result)["Procedure/plt"]


@pytest.mark.parametrize(("system", "code"), [(CPT, "36430"), (SNOMED, "116859006"), (SNOMED, "116762002")])
def test_a_blood_product_code_counts_with_red_cell_text_and_is_unknown_without(
    runtime: Runtime, system: str, code: str
) -> None:
    named = intake(runtime, procedure("t", system, code, "2026-10-01", text="Transfuse PRBC 2 units"))
    # the units its text states (fhir9 r9-m03; was the default of 1 per Procedure, an undercount)
    assert named.case["facts"]["rbc_transfusions"] == [{"date": "2026-10-01", "units": 2}]
    bare = intake(runtime, procedure("t", system, code, "2026-10-01"), procedure("r", SNOMED, "71493000", "2026-10-05"))
    assert "rbc_transfusions" not in bare.case["facts"]
    assert "not stated" in reasons(bare)["Procedure/t"]


def test_a_transfusion_with_its_product_resource(runtime: Runtime) -> None:
    product = {"resourceType": "BiologicallyDerivedProduct", "id": "bdp", "quantity": 2,
               "productCode": {"text": "Red Blood Cells, Leukocytes Reduced"}}
    proc = procedure("t", CPT, "36430", "2026-10-01") | {"usedReference": [{"reference": "BiologicallyDerivedProduct/bdp"}]}
    result = intake(runtime, proc, product, full_urls=True)
    assert result.case["facts"]["rbc_transfusions"] == [{"date": "2026-10-01", "units": 2}]


# --- medications by product code, referenced anywhere ---------------------------------------------


def statement(rid: str, medication: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"resourceType": "MedicationStatement", "id": rid, "status": "completed", "subject": SUBJECT,
            "effectivePeriod": {"start": "2026-03-01", "end": "2026-06-01"},
            "statusReason": [{"text": "no response"}], **medication, **extra}


EPOGEN_ONLY_CODE = {"resourceType": "Medication", "id": "med-epo",
                    "code": {"coding": [{"system": RXNORM, "code": "205912"}]}}


@pytest.mark.parametrize("how", ["relative", "absolute", "urn", "contained"])
def test_medication_reference_resolved_anywhere_with_only_a_product_code(runtime: Runtime, how: str) -> None:
    if how == "contained":
        s = statement("s", {"medicationReference": {"reference": "#m"}},
                      contained=[EPOGEN_ONLY_CODE | {"id": "m"}])
        b = bundle(s)
    else:
        ref = {"relative": "Medication/med-epo", "absolute": "https://ehr.example.org/fhir/Medication/med-epo",
               "urn": "urn:uuid:6b1c0e3c-1111-4b7a-9f0a-000000000001"}[how]
        s = statement("s", {"medicationReference": {"reference": ref}})
        b = bundle(s, EPOGEN_ONLY_CODE, full_urls=how != "urn")
        if how == "urn":
            b["entry"][2]["fullUrl"] = ref
    result = bundle_to_case(b, runtime.dictionary, AS_OF)
    assert result.case["facts"]["esa_history"] == [
        {"drug": "epoetin alfa", "start": "2026-03-01", "end": "2026-06-01", "response": "none"}]


@pytest.mark.parametrize(("code", "drug"), [("349273", "darbepoetin alfa"), ("2047591", "epoetin alfa"),
                                            ("205913", "epoetin alfa")])
def test_esa_product_codes_alone(runtime: Runtime, code: str, drug: str) -> None:
    s = statement("s", {"medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": code}]}})
    assert intake(runtime, s).case["facts"]["esa_history"][0]["drug"] == drug


def test_an_unverified_ingredient_code_alone_is_not_an_esa(runtime: Runtime) -> None:
    s = statement("s", {"medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "105694"}]}})
    result = intake(runtime, s)
    assert "esa_history" not in result.case["facts"] and "not an ESA" in reasons(result)["MedicationStatement/s"]


# --- instants on their own calendar day ------------------------------------------------------------------


def test_instants_keep_their_own_calendar_day(runtime: Runtime) -> None:
    """mednec's editorial decision of 7 December 2026: an offset date-time is dated by the day its own offset gives
    (the day the report prints); was UTC (test_local_calendar_day.py holds the boundary family)."""
    late = obs("late", "718-7", 8.0, "g/dL", when="2026-11-20T23:30:00-05:00")   # 20 November, local evening
    early = obs("early", "777-3", 45, "10*9/L", when="2026-11-21T01:00:00+05:00")  # 21 November: after AS_OF
    result = intake(runtime, late, early)
    assert result.case["facts"]["hemoglobin"]["date"] == "2026-11-20"
    assert "platelets" not in result.case["facts"]
    assert "after the evaluation date" in reasons(result)["Observation/early"]


# --- the IPSS-R from the bundle's karyotype and labs ----------------------------------------------


@pytest.mark.parametrize(("karyotype", "where", "group", "category"), [
    ("46,XX,del(5)(q13q33)[20]", "valueString", "good", "low"),
    ("46,XX[20]", "valueCodeableConcept", "good", "low"),
    ("45,XX,-7[15]/46,XX[5]", "valueString", "poor", "high"),  # 3 + 1 + 1 + 0 + 0 = 5
])
def test_ipss_r_derived_from_the_karyotype_and_labs(runtime: Runtime, karyotype: str, where: str, group: str,
                                                    category: str) -> None:
    value = {"valueString": karyotype} if where == "valueString" else {"valueCodeableConcept": {"text": karyotype}}
    kary = {"resourceType": "Observation", "id": "k", "status": "final", "subject": SUBJECT,
            "code": {"text": "Karyotype"}, "effectiveDateTime": "2026-09-01", **value}
    labs = [obs("hb", "718-7", 8.1, "gm/dL"), obs("plt", "777-3", 150, "K/mcL"), obs("anc", "26499-4", 2.0, "x10E3/uL"),
            obs("bl", "26445-7", 3, "%")]
    result = intake(runtime, kary, *labs)
    facts = result.case["facts"]
    if karyotype == "46,XX[20]":  # a normal karyotype is read as 'normal' by the category first
        assert facts["karyotype"]["value"] == "normal"
        return
    assert facts["cytogenetic_risk"]["value"] == group
    det = runtime.evaluate(runtime.parse_case(result.case, as_of=AS_OF).facts, "luspatercept").to_dict()
    derived = next(f for f in det["facts"] if f["fact"] == "ipss_r_category")
    assert derived["value"] == category and "calculated" in derived["provenance"]["source"]


def test_a_karyotype_the_parser_refuses_is_listed_naming_the_part(runtime: Runtime) -> None:
    kary = {"resourceType": "Observation", "id": "k", "status": "final", "subject": SUBJECT,
            "code": {"text": "Karyotype"}, "effectiveDateTime": "2026-09-01",
            "valueString": "nuc ish(EGR1x1)[150/200]"}
    result = intake(runtime, kary)
    assert "FISH" in reasons(result)["Observation/k"] and "cytogenetic_risk" not in result.case["facts"]


# --- comparators: bounds that threshold criteria decide three-valuedly -----------------------------


@pytest.mark.parametrize("epo", [
    {"valueQuantity": {"value": 500, "comparator": ">", "unit": "mIU/mL"}},
    {"valueString": ">500"},
    {"valueString": "> 500 mIU/mL"},
])
def test_epo_above_500_settles_both_the_at_most_and_the_above_500_criteria(runtime: Runtime, fixture: Any,
                                                                           epo: dict[str, Any]) -> None:
    base = fixture("bundle-first-line")
    base["entry"] = [e for e in base["entry"] if not e["resource"]["id"].startswith("epo")]
    patient = next(e["resource"] for e in base["entry"] if e["resource"]["resourceType"] == "Patient")
    observation = obs("epo-gt", "15061-5", when="2026-11-10", subject={"reference": f"Patient/{patient['id']}"}) | epo
    base["entry"].append({"fullUrl": "https://ehr.example.org/fhir/Observation/epo-gt", "resource": observation})
    result = bundle_to_case(base, runtime.dictionary, AS_OF)
    assert (result.case["facts"]["serum_epo"]["value"], result.case["facts"]["serum_epo"]["comparator"]) == (500, ">")
    facts = runtime.parse_case(result.case, as_of=AS_OF).facts
    statuses = {c.text: c.status.value for d in ("luspatercept", "epoetin alfa")
                for c in runtime.evaluate(facts, d).criteria}
    assert statuses["Serum erythropoietin ≤500 mU/mL"] == "not_met"
    assert statuses["Serum erythropoietin ≤500 mU/mL, drawn before ESA therapy"] == "not_met"
    assert next(v for k, v in statuses.items() if k.startswith("Serum erythropoietin >500")) == "met"


@pytest.mark.parametrize(("comparator", "value", "at_most_500", "above_500"), [
    ("<", 200, "met", "not_met"), ("<=", 500, "met", "not_met"), (">=", 500, "unknown", "unknown"),
    (">", 100, "unknown", "unknown"), (">", 500, "not_met", "met"), ("<", 600, "unknown", "unknown"),
])
def test_bounds_are_decided_only_when_the_interval_lies_on_one_side(
    runtime: Runtime, comparator: str, value: float, at_most_500: str, above_500: str
) -> None:
    case = {"facts": {"serum_epo": {"value": value, "unit": "mU/mL", "comparator": comparator}}}
    det = runtime.evaluate(runtime.parse_case(case, as_of=AS_OF).facts, "luspatercept")
    statuses = {c.text: c.status.value for c in det.criteria}
    assert statuses["Serum erythropoietin ≤500 mU/mL"] == at_most_500
    assert next(v for k, v in statuses.items() if k.startswith("Serum erythropoietin >500")) == above_500


def test_a_bounded_lab_is_no_calculator_input(runtime: Runtime) -> None:
    """'Hb <8' is no exact hemoglobin: the IPSS-R is not computed from it (and nothing crashes)."""
    case = {"facts": {"hemoglobin": {"value": 8, "unit": "g/dL", "comparator": "<"}, "cytogenetic_risk": "good",
                      "marrow_blasts_pct": 3, "platelets": 150, "anc": 2.0}}
    det = runtime.evaluate(runtime.parse_case(case, as_of=AS_OF).facts, "luspatercept").to_dict()
    # spec change (issue 13 item 5): the IPSS-R is not computed *from* the bound, but it may be
    # bounded *without* it (ipss_r_bounds treats the hemoglobin as missing: any value gives <= 4.5)
    cats = [f for f in det["facts"] if f["fact"] == "ipss_r_category"]
    assert all(f["provenance"]["source"] == "calculated: ipss_r_bounds" for f in cats)
    assert all("without hemoglobin" in f["provenance"]["detail"] for f in cats)
