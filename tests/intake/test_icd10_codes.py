"""A diagnosis written as an ICD-10-CM code gives what the code means, however it is written and wherever it comes
from (held-out codes8).

Family: the ICD-10-CM codes a policy's criterion relies on -- clinical ASCVD (acute MI I21.x, old MI I25.2, unstable
angina I20.0, coronary atherosclerosis I25.1x, TIA G45.9, symptomatic PAD I70.21-I70.26, bypass or stent status Z95.1
/ Z95.5, ischemic stroke I63.0-I63.5, I63.8, I63.9 with their lateralised children), familial hypercholesterolemia
E78.01x, type 2 / type 1 diabetes E11.x / E10.x at every depth, hypertension I10, obstructive sleep apnea G47.33,
the MDS codes D46.x -- x how a request writes them (with or without the dot, lower case, a description after the
code) x where they come from (case file, question, FHIR Condition). Before, a code that was not itself a diagnosis
value was refused in a case file ("'I21.4' is not a value of diagnosis") and not read in a question, a listed value
(I63.9, I25.2, E78.5) gave its condition fact only through FHIR, and a FHIR Condition coded I63.6 (a venous
infarction) gave prior_ischemic_stroke through the category I63. Now one rule (mednec.facts.icd10: a boolean fact's
listed code and every code under it) serves the three. Controls: codes outside the listed ones stay refused in a
case file and unread elsewhere (I63.6 venous, G45.4 transient global amnesia, I70.201 unspecified atherosclerosis,
the bare category I63, D47.1).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mednec.errors import InputError
from mednec.facts.icd10 import canonical as icd_canonical
from mednec.intake.fhir import bundle_to_case
from mednec.intake.question import understand
from mednec.runtime import Runtime
from tests.code_systems import ICD10 as ICD
from tests.fhir.test_fhir_heldout_families import _bundle, _cond

AS_OF = dt.date(2026, 12, 6)

#: code -> (the diagnosis value it is, or None; the condition facts it gives)
CODES: dict[str, tuple[str | None, set[str]]] = {
    "I21.4": (None, {"prior_mi"}), "I21.A1": (None, {"prior_mi"}), "I22.0": (None, {"prior_mi"}),
    "I25.2": ("I25.2", {"prior_mi"}), "I20.0": (None, {"angina"}), "I20.9": (None, {"angina"}),
    "I25.10": ("I25.10", {"ascvd_stated"}), "I25.110": (None, {"ascvd_stated"}), "I25.119": (None, {"ascvd_stated"}),
    "G45.9": (None, {"tia"}), "I70.211": (None, {"symptomatic_pad"}), "I70.222": (None, {"symptomatic_pad"}),
    "I70.263": (None, {"symptomatic_pad"}), "Z95.1": (None, {"arterial_revascularization"}),
    "Z95.5": (None, {"arterial_revascularization"}), "I63.9": ("I63.9", {"prior_ischemic_stroke"}),
    "I63.011": (None, {"prior_ischemic_stroke"}), "I63.512": (None, {"prior_ischemic_stroke"}),
    "I63.81": ("I63.81", {"prior_ischemic_stroke"}), "E78.011": (None, {"fh_stated", "dyslipidemia"}),
    "E78.010": (None, {"fh_stated", "hofh", "dyslipidemia"}), "E11.9": ("E11.9", {"type2_diabetes"}),
    "E11.40": (None, {"type2_diabetes"}), "E11.3553": (None, {"type2_diabetes"}), "E11": (None, {"type2_diabetes"}),
    "E10.9": (None, {"type1_diabetes"}), "I10": (None, {"hypertension"}), "G47.33": (None, {"obstructive_sleep_apnea"}),
    "E78.5": ("E78.5", {"dyslipidemia"}), "D46.A": ("D46.A", set()), "D46.20": ("D46.20", set()),
    # codes9: the hyperlipidemias E78.0-E78.5 (dyslipidemia), MEN 2A / 2B, a thyroid cancer of a kind not stated or a
    # family cancer of "other organs" (MTC not ruled out: asked), a pregnancy's supervision or weeks of gestation
    "E78.00": ("E78.00", {"dyslipidemia"}), "E78.01": ("E78.01", {"dyslipidemia", "fh_stated"}),
    "E78.2": ("E78.2", {"dyslipidemia"}), "E78.1": (None, {"dyslipidemia"}), "E78.3": (None, {"dyslipidemia"}),
    "E78.49": (None, {"dyslipidemia"}), "E78.41": (None, {"dyslipidemia"}),
    "E31.22": (None, {"mtc_men2_history"}), "E31.23": (None, {"mtc_men2_history"}),
    "C73": (None, {"mtc_men2_possible"}), "Z85.850": (None, {"mtc_men2_possible"}),
    "Z80.8": (None, {"mtc_men2_possible"}), "O09.523": (None, {"pregnant"}), "O09.90": (None, {"pregnant"}),
    "Z3A.20": (None, {"pregnant"}), "Z33.1": (None, {"pregnant"}),
}
#: outside every list: E78.6 lipoprotein deficiency, E31.21 MEN 1, Z80.0 family cancer of digestive organs, Z33.2
#: elective termination of pregnancy
CONTROLS = ["I63.6", "G45.4", "I70.201", "I63", "D47.1", "I20.1", "E78.6", "E31.21", "Z80.0", "Z33.2"]


def _forms(code: str) -> list[str]:
    return [code, code.replace(".", ""), code.lower(), f"{code} as documented"]


def _case(diagnosis: str) -> dict[str, Any]:
    return {"as_of": AS_OF.isoformat(), "patient": {"birth_date": "1961-03-02", "sex": "female"},
            "facts": {"diagnosis": diagnosis}}


@pytest.mark.parametrize(("code", "written"), [(c, w) for c in CODES for w in _forms(c)])
def test_a_case_file_code_gives_its_value_and_facts(runtime: Runtime, code: str, written: str) -> None:
    value, facts = CODES[code]
    got = {k: fv.value for k, fv in runtime.parse_case(_case(written)).facts.items()}
    assert got.get("diagnosis") == value, (written, got)
    # a listed value is read as that value and gives its condition facts too (codes9: I63.9 on a Wegovy request is a
    # prior ischemic stroke; before, the value gave none); another code gives its facts
    assert {k for k, v in got.items() if v is True} == facts, (written, got)


@pytest.mark.parametrize("code", CONTROLS)
def test_a_code_outside_the_lists_stays_refused(runtime: Runtime, code: str) -> None:
    with pytest.raises(InputError) as exc:
        runtime.parse_case(_case(code))
    assert "diagnosis" in str(exc.value.field)


@pytest.mark.parametrize(("code", "written"), [(c, w) for c in CODES if c != "E11" for w in _forms(c)[:3]])
def test_a_question_writing_the_code_gives_its_facts(runtime: Runtime, code: str, written: str) -> None:
    value, facts = CODES[code]
    u = understand(f"Prior authorization for a 64 year old with {written}, LDL 88", runtime.catalog,
                   runtime.dictionary, AS_OF)
    got = {k: fv.value for k, fv in runtime.parse_case(u.case, as_of=AS_OF).facts.items()}
    assert facts <= {k for k, v in got.items() if v is True}, (written, got)
    if value is not None:
        assert got.get("diagnosis") == value, (written, got)


@pytest.mark.parametrize("code", CONTROLS)
def test_a_question_writing_a_code_outside_the_lists_reads_nothing_from_it(runtime: Runtime, code: str) -> None:
    u = understand(f"Prior authorization for a 64 year old with {code}, LDL 88", runtime.catalog, runtime.dictionary, AS_OF)
    got = {k for k, fv in runtime.parse_case(u.case, as_of=AS_OF).facts.items() if fv.value is True}
    assert not got & {"prior_ischemic_stroke", "tia", "symptomatic_pad", "angina"}, (code, got)


@pytest.mark.parametrize("code", [c for c, (_, f) in CODES.items() if f and "." in c])
def test_a_fhir_condition_coded_so_gives_the_same_facts(runtime: Runtime, code: str) -> None:
    case = bundle_to_case(_bundle(_cond(ICD, code)), runtime.dictionary, AS_OF).case
    got = {k for k, v in case["facts"].items() if (v["value"] if isinstance(v, dict) else v) is True}
    assert CODES[code][1] <= got, (code, got)


@pytest.mark.parametrize("code", ["I63.6", "G45.4", "I70.201", "I20.1"])
def test_a_fhir_condition_coded_outside_the_lists_gives_no_ascvd_fact(runtime: Runtime, code: str) -> None:
    case = bundle_to_case(_bundle(_cond(ICD, code)), runtime.dictionary, AS_OF).case
    assert not set(case["facts"]) & {"prior_ischemic_stroke", "tia", "symptomatic_pad", "angina"}, code


@pytest.mark.parametrize("written", ["E11.9 (provisional)", "I21.4 ruled out", "I63.9 - mother", "I21.4 possible",
                                     "G45.9 ?", "E11.40 suspected"])
def test_a_code_said_with_doubt_or_of_a_relative_is_not_read(runtime: Runtime, written: str) -> None:
    got = {k: fv.value for k, fv in runtime.parse_case(_case(written)).facts.items()}
    assert "diagnosis" not in got and not any(v is True for v in got.values()), (written, got)


@pytest.mark.parametrize(("written", "facts"), [
    ("E31.22 - mother", {"mtc_men2_history"}), ("E31.23 (father)", {"mtc_men2_history"}),
    ("C73 sister", {"mtc_men2_possible"}), ("E31.22 family history", {"mtc_men2_history"}),
    ("E31.22 - mother, possible", set()), ("E31.22 ruled out", set()), ("I21.4 father", set()),
])
def test_a_relative_s_code_gives_only_the_family_history_facts(runtime: Runtime, written: str, facts: set[str]) -> None:
    """A code said of a relative is not the patient's diagnosis, but a fact a relative's condition establishes
    (fhir_family: a family history of MEN 2 contraindicates the GLP-1 agonists) is given; a doubt or negation still
    reads nothing (codes9 c9-g13: "E31.22 - mother" was dropped and the no-MTC presumption met)."""
    got = {k: fv.value for k, fv in runtime.parse_case(_case(written)).facts.items()}
    assert "diagnosis" not in got and {k for k, v in got.items() if v is True} == facts, (written, got)


@pytest.mark.parametrize(("text", "facts"), [
    ("Medullary thyroid carcinoma", {"mtc_men2_possible", "mtc_men2_history"}),
    ("Papillary thyroid carcinoma", {"mtc_men2_possible"}), (None, {"mtc_men2_possible"}),
])
def test_a_code_that_leaves_it_open_lets_the_condition_s_text_settle_it(runtime: Runtime, text: str | None,
                                                                         facts: set[str]) -> None:
    """C73 is every thyroid cancer: it leaves MTC open (asked), and the Condition's text "Medullary thyroid
    carcinoma" still states it (held-out e-g11: before codes9, C73 gave nothing and the text decided; C73 listed
    for mtc_men2_possible must not silence the text)."""
    cond = _cond(ICD, "C73")
    if text:
        cond["code"]["text"] = text
    case = bundle_to_case(_bundle(cond), runtime.dictionary, AS_OF).case
    got = {k for k, v in case["facts"].items() if (v["value"] if isinstance(v, dict) else v) is True}
    assert got & {"mtc_men2_possible", "mtc_men2_history"} == facts, (text, got)


#: codes9: ICD-10-CM Z68 codes name the BMI (adult) or its percentile (pediatric) as the range their title gives
RANGES: dict[str, tuple[str, float, float]] = {
    "Z68.1": ("bmi", 10.0, 19.9), "Z68.20": ("bmi", 20.0, 20.9), "Z68.25": ("bmi", 25.0, 25.9),
    "Z68.27": ("bmi", 27.0, 27.9), "Z68.29": ("bmi", 29.0, 29.9), "Z68.30": ("bmi", 30.0, 30.9),
    "Z68.35": ("bmi", 35.0, 35.9), "Z68.39": ("bmi", 39.0, 39.9), "Z68.41": ("bmi", 40.0, 44.9),
    "Z68.44": ("bmi", 60.0, 69.9), "Z68.45": ("bmi", 70.0, 150.0), "Z68.2": ("bmi", 20.0, 29.9),
    "Z68.3": ("bmi", 30.0, 39.9), "Z68.4": ("bmi", 40.0, 150.0), "Z68.53": ("bmi_percentile", 85.0, 94.99),
    "Z68.54": ("bmi_percentile", 95.0, 100.0), "Z68.56": ("bmi_percentile", 95.0, 100.0),
}


@pytest.mark.parametrize(("code", "written"), [(c, w) for c in RANGES for w in _forms(c)])
def test_a_bmi_code_gives_the_bmi_as_its_range(runtime: Runtime, code: str, written: str) -> None:
    fact, low, high = RANGES[code]
    got = runtime.parse_case(_case(written)).facts
    value = got[fact].value
    assert (value.low, value.high) == (low, high) and "diagnosis" not in got, (written, value)


#: (code, the Wegovy determination with a 6-month lifestyle programme, the comorbidities stated): a range wholly on
#: one side of a threshold decides it; one that straddles it is asked
WEGOVY = [("Z68.35", {}, "meets_criteria"), ("Z68.30", {}, "meets_criteria"), ("Z68.27", {"hypertension": True},
          "meets_criteria"), ("Z68.25", {"hypertension": True}, "does_not_meet_criteria"),
          ("Z68.2", {"hypertension": True}, "insufficient_information"), ("Z68.29", {}, "insufficient_information"),
          ("Z68.1", {}, "does_not_meet_criteria")]


@pytest.mark.parametrize(("code", "stated", "want"), WEGOVY)
def test_a_bmi_range_decides_a_threshold_only_when_wholly_on_one_side(runtime: Runtime, code: str,
                                                                      stated: dict[str, bool], want: str) -> None:
    case = _case(code)
    case["facts"].update({"lifestyle_program_months": 6, **stated})
    det = runtime.evaluate(runtime.parse_case(case).facts, runtime.catalog.find_drug("Wegovy"))
    assert det.determination == want, (code, det.determination)


@pytest.mark.parametrize("code", ["Z68.35", "z6827", "Z68.41"])
def test_a_question_writing_a_bmi_code_gives_the_bmi_range(runtime: Runtime, code: str) -> None:
    fact, low, high = RANGES[icd_canonical(code)]
    u = understand(f"Wegovy for a 40 year old woman, {code}, lifestyle program for 6 months", runtime.catalog,
                   runtime.dictionary, AS_OF)
    value = runtime.parse_case(u.case, as_of=AS_OF).facts[fact].value
    assert (value.low, value.high) == (low, high), (code, value)


@pytest.mark.parametrize(("code", "bound"), [("Z68.36", {"value": 36.0, "comparator": ">="}),
                                             ("Z68.45", {"value": 70.0, "comparator": ">="}),
                                             ("Z68.1", {"value": 19.9, "comparator": "<="})])
def test_a_fhir_condition_coded_with_a_bmi_code_gives_a_bmi_bound(runtime: Runtime, code: str,
                                                                  bound: dict[str, Any]) -> None:
    """A FHIR case value holds one bound: the range's low end (its high end when it starts at the plausible
    minimum); a threshold inside the range stays asked."""
    case = bundle_to_case(_bundle(_cond(ICD, code)), runtime.dictionary, AS_OF).case
    got = case["facts"]["bmi"]
    assert {k: got[k] for k in bound} == bound, (code, got)
