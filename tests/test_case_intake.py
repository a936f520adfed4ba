"""Case intake: unit conversions, accepted value forms, and errors that name the field.

Works on the parser directly (``Runtime.parse_case`` / ``parse_case_text`` /
``load_case_file``); tests/test_cli_errors.py checks the same errors through the CLI.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from mednec.errors import (
    CaseFormatError,
    ContradictionError,
    FutureDateError,
    ImplausibleValueError,
    InputError,
    MednecError,
    UnitError,
    UnknownDrugError,
    UnknownFactError,
)
from mednec.facts.factset import FactSet
from mednec.intake.case_file import load_case_file, parse_case_text
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 11, 20)


@pytest.fixture(scope="module")
def rt() -> Runtime:
    return Runtime.load()


def parse(rt: Runtime, facts: Mapping[str, Any], **top: Any) -> FactSet:
    return rt.parse_case({"facts": dict(facts), **top}, as_of=AS_OF).facts


def error(rt: Runtime, data: Mapping[str, Any]) -> MednecError:
    with pytest.raises(MednecError) as info:
        rt.parse_case(data, as_of=AS_OF)
    return info.value


# --- unit conversions --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fact", "raw", "expected"),
    [
        # hemoglobin, canonical g/dL: g/L x 0.1
        ("hemoglobin", 8.1, 8.1),
        ("hemoglobin", {"value": 8.1, "unit": "g/dL"}, 8.1),
        ("hemoglobin", {"value": 81, "unit": "g/L"}, 8.1),
        ("hemoglobin", "81 g/L", 8.1),
        ("hemoglobin", "8.1 g/dL", 8.1),
        ("hemoglobin", "8.1g/dL", 8.1),
        ("hemoglobin", " 8.1 ", 8.1),
        ("hemoglobin", "8.1 G/DL", 8.1),  # unit spelling is case-insensitive
        # platelets, canonical 10^9/L: /µL x 0.001
        ("platelets", {"value": 120000, "unit": "/µL"}, 120.0),
        ("platelets", {"value": 120000, "unit": "/uL"}, 120.0),
        ("platelets", "120000 /µL", 120.0),
        ("platelets", "120000 /mm3", 120.0),
        ("platelets", {"value": 120, "unit": "10^9/L"}, 120.0),
        ("platelets", {"value": 120, "unit": "x10^9/L"}, 120.0),
        ("platelets", {"value": 120, "unit": "× 10^9/L"}, 120.0),
        ("platelets", "120 K/uL", 120.0),
        # ANC
        ("anc", {"value": 1500, "unit": "/µL"}, 1.5),
        ("anc", "1.5 G/L", 1.5),
        # serum EPO, canonical mU/mL = IU/L = mIU/mL
        ("serum_epo", {"value": 210, "unit": "IU/L"}, 210.0),
        ("serum_epo", "210 IU/L", 210.0),
        ("serum_epo", {"value": 210, "unit": "mIU/mL"}, 210.0),
        ("serum_epo", {"value": 210, "unit": "U/L"}, 210.0),
        ("serum_epo", 210, 210.0),
        # percentages
        ("marrow_blasts_pct", "3 %", 3.0),
        ("marrow_blasts_pct", {"value": 3, "unit": "percent"}, 3.0),
    ],
)
def test_unit_conversion(rt: Runtime, fact: str, raw: Any, expected: float) -> None:
    fv = parse(rt, {fact: raw})[fact]
    assert fv.value == pytest.approx(expected, abs=1e-9)
    assert fv.unit == rt.dictionary.facts[fact].unit


def test_hemoglobin_mmol_per_litre(rt: Runtime) -> None:
    # 1 mmol/L (Hb monomer) = 1.611 g/dL: 5.03 mmol/L = 8.103 g/dL
    fv = parse(rt, {"hemoglobin": {"value": 5.03, "unit": "mmol/L"}})["hemoglobin"]
    assert fv.value == pytest.approx(8.1, abs=0.01)
    assert fv.unit == "g/dL"


def test_g_per_litre_equals_g_per_decilitre(rt: Runtime) -> None:
    a = parse(rt, {"hemoglobin": {"value": 81, "unit": "g/L"}})["hemoglobin"].value
    b = parse(rt, {"hemoglobin": "8.1 g/dL"})["hemoglobin"].value
    assert a == b == 8.1


def test_platelets_per_microlitre_equal_10e9_per_litre(rt: Runtime) -> None:
    a = parse(rt, {"platelets": {"value": 120000, "unit": "/µL"}})["platelets"].value
    b = parse(rt, {"platelets": 120})["platelets"].value
    assert a == b == 120.0


# --- value forms -------------------------------------------------------------------------
def test_observation_date_and_source(rt: Runtime) -> None:
    facts = parse(rt, {
        "hemoglobin": {"value": 8.1, "unit": "g/dL", "date": "2026-11-10", "source": "CBC 11/10"},
        "platelets": 180,
    })
    assert facts["hemoglobin"].observed == dt.date(2026, 11, 10)
    assert facts["hemoglobin"].provenance.source == "CBC 11/10"
    assert facts["platelets"].observed == AS_OF  # no date: observed on the evaluation date


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(True, True), (False, False), ("yes", True), ("no", False), ("positive", True),
     ("negative", False), ("present", True), ("absent", False), ("Detected", True),
     ("not detected", False)],
)
def test_boolean_forms(rt: Runtime, raw: Any, expected: bool) -> None:
    assert parse(rt, {"sf3b1_mutation": raw})["sf3b1_mutation"].value is expected


@pytest.mark.parametrize(
    ("fact", "raw", "expected"),
    [
        ("diagnosis", "D46.1", "D46.1"),
        ("diagnosis", "MDS-RS", "D46.1"),
        ("diagnosis", "mds-rs", "D46.1"),
        ("diagnosis", "RAEB-1", "D46.21"),
        ("ipss_category", "int-1", "intermediate_1"),
        ("ipss_r_category", "very low", "very_low"),
        ("cytogenetic_risk", "Very Good", "very_good"),
    ],
)
def test_category_forms(rt: Runtime, fact: str, raw: str, expected: str) -> None:
    assert parse(rt, {fact: raw})[fact].value == expected


def test_null_means_unknown(rt: Runtime) -> None:
    facts = parse(rt, {"hemoglobin": None, "serum_epo": {"value": None}, "platelets": 100})
    assert "hemoglobin" not in facts
    assert "serum_epo" not in facts
    assert "platelets" in facts


def test_events_are_sorted_and_observed_on_the_latest(rt: Runtime) -> None:
    fv = parse(rt, {"rbc_transfusions": [
        {"date": "2026-10-01", "units": 2},
        {"date": "2026-09-01", "units": 1},
    ]})["rbc_transfusions"]
    assert [e["date"] for e in fv.value] == [dt.date(2026, 9, 1), dt.date(2026, 10, 1)]
    assert [e["units"] for e in fv.value] == [1.0, 2.0]
    assert fv.observed == dt.date(2026, 10, 1)


def test_empty_esa_history_is_naive_not_unknown(rt: Runtime) -> None:
    facts = parse(rt, {"esa_history": []})
    assert facts["esa_history"].value == ()


def test_patient_section(rt: Runtime) -> None:
    facts = rt.parse_case(
        {"patient": {"birth_date": "1956-02-14", "sex": "male"}, "facts": {}}, as_of=AS_OF
    ).facts
    assert facts.value("birth_date") == dt.date(1956, 2, 14)
    assert facts.value("sex") == "male"


def test_as_of_from_the_case_and_overridden(rt: Runtime) -> None:
    data = {"as_of": "2026-01-15", "facts": {"hemoglobin": 9}}
    assert rt.parse_case(data).facts.as_of == dt.date(2026, 1, 15)
    assert rt.parse_case(data, as_of=AS_OF).facts.as_of == AS_OF


def test_case_descriptive_fields(rt: Runtime) -> None:
    case = rt.parse_case({"id": "c1", "title": "T", "description": "D", "facts": {}}, as_of=AS_OF)
    assert (case.id, case.title, case.description) == ("c1", "T", "D")


def test_the_example_case_file_loads(rt: Runtime) -> None:
    path = Path(__file__).resolve().parents[1] / "examples" / "luspatercept-first-line.yaml"
    case = rt.read_case(path)
    assert case.facts.as_of == dt.date(2026, 11, 20)
    assert case.facts.value("hemoglobin") == 8.1
    assert len(case.facts.value("rbc_transfusions")) == 6


# --- errors: each names the field --------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "kind", "field", "words"),
    [
        pytest.param({"facts": {"hemoglobn": 8.1}}, UnknownFactError, "facts.hemoglobn",
                     ["hemoglobn", "did you mean", "'hemoglobin'"], id="unknown-fact"),
        pytest.param({"facts": {"hemoglobin": {"value": 8.1, "unit": "mg"}}}, UnitError,
                     "facts.hemoglobin.unit", ["'mg'", "g/dL", "g/L", "mmol/L"], id="wrong-unit"),
        pytest.param({"facts": {"hemoglobin": "8.1 mg"}}, UnitError,
                     "facts.hemoglobin.unit", ["'mg'", "g/dL"], id="wrong-unit-in-string"),
        pytest.param({"facts": {"hemoglobin": 150}}, ImplausibleValueError, "facts.hemoglobin",
                     ["150", "plausible", "2 to 25 g/dL"], id="implausible-hemoglobin"),
        pytest.param({"facts": {"platelets": -5}}, ImplausibleValueError, "facts.platelets",
                     ["plausible"], id="negative-platelets"),
        pytest.param({"facts": {"hemoglobin": {"value": 8.1, "date": "2027-01-01"}}},
                     FutureDateError, "facts.hemoglobin.date", ["2027-01-01", "2026-11-20"],
                     id="future-observation"),
        pytest.param({"patient": {"birth_date": "2030-01-01"}}, FutureDateError,
                     "patient.birth_date", ["2030-01-01"], id="future-birth-date"),
        pytest.param({"facts": {"rbc_transfusions": [{"date": "2026-12-01", "units": 2}]}},
                     FutureDateError, "facts.rbc_transfusions[0].date", ["2026-12-01"],
                     id="future-transfusion"),
        pytest.param({"facts": {"del5q": True, "karyotype": "normal"}}, ContradictionError,
                     "facts.del5q, facts.karyotype", ["del(5q)", "normal karyotype"],
                     id="contradiction-del5q-normal-karyotype"),
        pytest.param({"facts": {"karyotype": "normal", "cytogenetic_risk": "poor"}},
                     ContradictionError, "facts.karyotype, facts.cytogenetic_risk", ["good"],
                     id="contradiction-normal-karyotype-poor-risk"),
        pytest.param({"facts": {}, "pateint": {}}, CaseFormatError, "pateint",
                     ["pateint", "patient", "facts", "as_of"], id="unknown-top-level-key"),
        pytest.param({"patient": {"dob": "1950-01-01"}}, CaseFormatError, "patient.dob",
                     ["dob", "birth_date"], id="unknown-patient-key"),
        pytest.param({"facts": {"rbc_units_8w": 4}}, CaseFormatError, "facts.rbc_units_8w",
                     ["calculated", "transfusion_burden"], id="derived-fact-given"),
        pytest.param({"patient": {"age": 70}, "facts": {"age": 70}}, CaseFormatError,
                     "facts.age", ["twice"], id="given-twice"),
        pytest.param({"facts": {"sex": "x"}}, CaseFormatError, "facts.sex",
                     ["male", "female"], id="bad-category"),
        pytest.param({"facts": {"del5q": "maybe"}}, CaseFormatError, "facts.del5q",
                     ["true or false"], id="bad-boolean"),
        pytest.param({"facts": {"hemoglobin": "low"}}, CaseFormatError, "facts.hemoglobin",
                     ["number"], id="not-a-number"),
        pytest.param({"facts": {"hemoglobin": {"value": "8.1 g/dL", "unit": "g/dL"}}},
                     CaseFormatError, "facts.hemoglobin", ["twice"], id="unit-given-twice"),
        pytest.param({"facts": {"hemoglobin": {"valu": 8.1}}}, CaseFormatError,
                     "facts.hemoglobin", ["valu", "value, unit, date, source"],
                     id="bad-value-mapping-key"),
        pytest.param({"facts": {"del5q": {"value": True, "unit": "g"}}}, CaseFormatError,
                     "facts.del5q.unit", ["no unit"], id="unit-on-boolean"),
        pytest.param({"facts": {"birth_date": "04/02/1956"}}, CaseFormatError,
                     "facts.birth_date", ["YYYY-MM-DD"], id="bad-date"),
        pytest.param({"facts": {"rbc_transfusions": {"date": "2026-10-01"}}}, CaseFormatError,
                     "facts.rbc_transfusions", ["list"], id="events-not-a-list"),
        pytest.param({"facts": {"rbc_transfusions": [{"date": "2026-10-01"}]}}, CaseFormatError,
                     "facts.rbc_transfusions[0].units", ["required"], id="event-missing-field"),
        pytest.param({"facts": {"rbc_transfusions": [{"date": "2026-10-01", "units": 2,
                                                      "bags": 1}]}},
                     CaseFormatError, "facts.rbc_transfusions[0]", ["bags", "date, units"],
                     id="event-unknown-field"),
        pytest.param({"facts": {"rbc_transfusions": [{"date": "2026-10-01", "units": 40}]}},
                     ImplausibleValueError, "facts.rbc_transfusions[0].units", ["40"],
                     id="event-implausible-units"),
        pytest.param({"facts": {"esa_history": [{"drug": "epoetin alfa", "start": "2026-05-01",
                                                 "end": "2026-04-01", "response": "none"}]}},
                     CaseFormatError, "facts.esa_history[0]", ["before start"],
                     id="esa-end-before-start"),
        pytest.param({"facts": {"esa_history": [{"drug": "epoetin alfa", "start": "2026-05-01",
                                                 "response": "great"}]}},
                     CaseFormatError, "facts.esa_history[0].response", ["none", "lost_response"],
                     id="esa-bad-response"),
        pytest.param({"facts": ["hemoglobin"]}, CaseFormatError, "facts", ["mapping"],
                     id="facts-not-a-mapping"),
        pytest.param({"patient": "male"}, CaseFormatError, "patient", ["mapping"],
                     id="patient-not-a-mapping"),
    ],
)
def test_input_errors_name_the_field(
    rt: Runtime, data: dict[str, Any], kind: type[MednecError], field: str, words: list[str]
) -> None:
    err = error(rt, data)
    assert isinstance(err, kind)
    assert isinstance(err, InputError)
    assert err.field == field
    assert str(err).startswith(f"{field}: ")
    for w in words:
        assert w in err.message, (w, err.message)


def test_range_is_checked_after_conversion(rt: Runtime) -> None:
    # 150 g/L is 15 g/dL: plausible (a unit-blind range check would reject it) ...
    assert parse(rt, {"hemoglobin": {"value": 150, "unit": "g/L"}})["hemoglobin"].value == 15.0
    # ... and 8.1 g/L is 0.81 g/dL: not plausible, and the message shows what was written
    err = error(rt, {"facts": {"hemoglobin": {"value": 8.1, "unit": "g/L"}}})
    assert isinstance(err, ImplausibleValueError)
    assert err.field == "facts.hemoglobin"
    assert "8.1 g/L" in err.message


def test_bad_as_of_names_the_field(rt: Runtime) -> None:
    with pytest.raises(CaseFormatError) as info:
        rt.parse_case({"as_of": "yesterday", "facts": {}})
    assert info.value.field == "as_of"


# --- malformed text and files ------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param("facts:\n  hemoglobin: [8.1\n", ["malformed YAML", "line"], id="yaml"),
        pytest.param("facts: {hemoglobin: 8.1\n", ["malformed YAML"], id="yaml-flow"),
        pytest.param('{"facts": {"hemoglobin": 8.1,}}', ["malformed JSON", "line 1"], id="json"),
        pytest.param("[1, 2]", ["mapping"], id="json-list"),
        pytest.param("- a\n- b\n", ["mapping"], id="yaml-list"),
        pytest.param("just a string", ["mapping"], id="scalar"),
        pytest.param("", ["mapping"], id="empty"),
    ],
)
def test_malformed_text(text: str, words: list[str]) -> None:
    with pytest.raises(CaseFormatError) as info:
        parse_case_text(text, name="my-case.yaml")
    assert info.value.field == "my-case.yaml"
    for w in words:
        assert w in info.value.message


def test_json_and_yaml_give_the_same_case() -> None:
    y = parse_case_text("facts:\n  hemoglobin: 8.1\n")
    j = parse_case_text('{"facts": {"hemoglobin": 8.1}}')
    assert y == j


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(CaseFormatError) as info:
        load_case_file(missing)
    assert info.value.field == str(missing)
    assert "no such file" in info.value.message


def test_undecodable_file(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b"facts:\n  diagnosis: \xe9\n")
    with pytest.raises(CaseFormatError) as info:
        load_case_file(bad)
    assert info.value.field == str(bad)


# --- drugs ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["luspatercept", "Luspatercept-aamt", "REBLOZYL", "ACE-536"])
def test_drug_names(rt: Runtime, name: str) -> None:
    assert rt.catalog.find_drug(name).id == "luspatercept-mds"


def test_unknown_drug_lists_known_drugs(rt: Runtime) -> None:
    with pytest.raises(UnknownDrugError) as info:
        rt.catalog.find_drug("aspirin")
    assert info.value.field == "drug"
    assert "aspirin" in info.value.message
    assert "luspatercept-aamt (Reblozyl)" in info.value.message


def test_misspelt_drug_gets_a_suggestion(rt: Runtime) -> None:
    with pytest.raises(UnknownDrugError) as info:
        rt.catalog.find_drug("luspatercep")
    assert "Did you mean 'luspatercept'" in info.value.message


@pytest.mark.parametrize("key", ["payer", "plan", "insurer", "insurance", "payor", "health_plan", "coverage"])
def test_a_plan_key_says_how_a_plan_is_chosen(rt: Runtime, key: str) -> None:
    """A case file naming the member's plan ("payer: Cigna") is refused, and the error says where the plan goes
    (a payer variant: --variant, or the words of a question), not only that the key is unknown."""
    with pytest.raises(CaseFormatError) as info:
        rt.parse_case({key: "Cigna", "facts": {"age": 60}})
    assert "--variant" in str(info.value) and key in str(info.value)
