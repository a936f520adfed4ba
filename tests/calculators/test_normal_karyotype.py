"""A normal karyotype is IPSS-R cytogenetic group *good* (Greenberg 2012, Blood 120:2454, the
IPSS-R cytogenetic categories after Schanz 2012: good = normal, del(5q), del(12p), del(20q), double
including del(5q)), however it is written: ``karyotype: normal`` in a case file, an ISCN normal
(``46,XX[20]``, ``46,XY[20]``), "normal karyotype" in a question or a note, a FHIR karyotype
Observation. With the other IPSS-R components documented the category follows; an *abnormal*
karyotype without the report gives no group; a stated group is never overridden.

Held-out: written before the rule for the bare ``normal`` was added.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mednec.ask import answer
from mednec.intake.fhir import bundle_to_case
from mednec.runtime import default_runtime

RT = default_runtime()
AS_OF = dt.date(2026, 11, 20)
COUNTS: dict[str, Any] = {
    "marrow_blasts_pct": 3,
    "hemoglobin": {"value": 8.1, "unit": "g/dL", "date": "2026-11-10"},
    "platelets": {"value": 180, "unit": "10^9/L", "date": "2026-11-10"},
    "anc": {"value": 2.1, "unit": "10^9/L", "date": "2026-11-10"},
}
# good (1) + blasts 3 % (1) + Hb 8.1 (1) + platelets 180 (0) + ANC 2.1 (0) = 3: low (Greenberg 2012)
SCORE, CATEGORY = 3.0, "low"


def _derived(facts: dict[str, Any]) -> Any:
    case = RT.parse_case({"patient": {"birth_date": "1950-01-01", "sex": "female"}, "facts": facts}, as_of=AS_OF)
    return RT.evaluate(case.facts, RT.catalog.policy("luspatercept-mds")).fact_set


@pytest.mark.parametrize("karyotype", ["normal", "Normal", "NORMAL", "46,XX[20]", "46,XY[20]", "46,XY[25]",
                                       "46,XX[30]"])
def test_case_file_normal_karyotype_is_good(karyotype: str) -> None:
    fs = _derived({**COUNTS, "karyotype": karyotype})
    assert fs.value("cytogenetic_risk") == "good"
    assert fs.value("ipss_r_score") == SCORE and fs.value("ipss_r_category") == CATEGORY
    assert "karyotype" in (fs["cytogenetic_risk"].provenance.detail or "").lower()


def test_abnormal_without_the_report_gives_no_group() -> None:
    fs = _derived({**COUNTS, "karyotype": "abnormal"})
    assert "cytogenetic_risk" not in fs


def test_a_stated_group_is_kept() -> None:
    fs = _derived({**COUNTS, "karyotype": "normal", "cytogenetic_risk": "good"})
    assert not fs["cytogenetic_risk"].provenance.source.startswith("calculated")


def test_a_stated_group_that_disagrees_is_a_contradiction() -> None:
    with pytest.raises(Exception, match="normal karyotype"):
        _derived({**COUNTS, "karyotype": "normal", "cytogenetic_risk": "poor"})


Q = ("Reblozyl for 72F lower-risk MDS, RS 20%, SF3B1 mutated, {k}, marrow blasts 3%, Hb 8.1 g/dL, "
     "plt 180, ANC 2.1, EPO 210, ESA-naive, 2 units pRBC every 4 weeks")


@pytest.mark.parametrize("k", ["normal karyotype", "karyotype normal", "karyotype 46,XX[20]",
                               "cytogenetics normal", "normal female karyotype 46,XX[20]"])
def test_questions_derive_the_ipss_r(k: str) -> None:
    a = answer(Q.format(k=k), RT, as_of=AS_OF)
    assert a.determination is not None, a.message
    fs = a.determination.fact_set
    assert fs.value("cytogenetic_risk") == "good" and fs.value("ipss_r_category") == CATEGORY, k
    assert a.determination.determination.value == "meets_criteria", a.determination.bottom_line


@pytest.mark.parametrize("line", ["Karyotype: normal.", "Cytogenetics: 46,XY[20].", "Karyotype 46,XX[20] (normal)."])
def test_notes_derive_the_group(line: str) -> None:
    note = ("HEMATOLOGY NOTE\nLower-risk MDS. Bone marrow: blasts 3%, ring sideroblasts 20%, SF3B1 mutated.\n"
            f"{line}\nLabs 11/10/2026: Hb 8.1 g/dL, platelets 180 K/uL, ANC 2.1.\n")
    a = answer("Does she meet criteria for Reblozyl?", RT, as_of=AS_OF, note=note)
    assert a.determination is not None
    assert a.determination.fact_set.value("cytogenetic_risk") == "good", line


def _bundle(value: dict[str, Any]) -> dict[str, Any]:
    patient = {"resourceType": "Patient", "id": "p", "gender": "female", "birthDate": "1950-01-01"}
    obs = {"resourceType": "Observation", "id": "k", "status": "final", "subject": {"reference": "Patient/p"},
           "code": {"text": "Karyotype"}, "effectiveDateTime": "2026-10-01", **value}
    return {"resourceType": "Bundle", "type": "collection", "timestamp": "2026-11-20T09:00:00Z",
            "entry": [{"resource": patient}, {"resource": obs}]}


@pytest.mark.parametrize("value", [{"valueString": "46,XX[20]"}, {"valueString": "normal"},
                                   {"valueString": "Normal female karyotype"},
                                   {"valueCodeableConcept": {"text": "Normal"}}],
                         ids=["iscn", "normal", "normal-female", "concept-normal"])
def test_fhir_karyotype_derives_the_group(value: dict[str, Any]) -> None:
    got = bundle_to_case(_bundle(value), RT.dictionary, AS_OF)
    facts = {**got.case["facts"], **COUNTS}
    fs = _derived(facts)
    assert fs.value("karyotype") == "normal"
    assert fs.value("cytogenetic_risk") == "good" and fs.value("ipss_r_category") == CATEGORY
