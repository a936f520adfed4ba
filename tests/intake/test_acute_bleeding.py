"""Acute bleeding in questions, notes and FHIR (issue 13): luspatercept's presumption "not a substitute
for transfusion to correct anemia immediately" turns back into a question when acute bleeding is
stated (mds-anemia decisions). Read by the dictionary's names with the shared ConText engine:
stated -> true; negated ("no active bleeding") -> false; hypothetical or a relative's -> not used; a
past bleed ("history of GI bleed") is not acute bleeding. FHIR: an active Condition coded ICD-10-CM
D62 (acute posthemorrhagic anemia).

Held-out: written before the names and the code were added.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mednec.ask import answer
from mednec.intake.fhir import bundle_to_case
from mednec.intake.question import understand
from mednec.runtime import default_runtime

RT = default_runtime()
AS_OF = dt.date(2026, 11, 20)


def _bleeding(text: str) -> Any:
    u = understand(text, RT.catalog, RT.dictionary, AS_OF)
    return next((f.value for f in u.facts if f.fact == "acute_bleeding"), None)


LEAD = "Reblozyl request for lower-risk MDS, Hb 7.9 g/dL. "
STATED = ["Active bleeding from a duodenal ulcer.", "Acute GI bleed last night.", "Patient is actively bleeding.",
          "Acute blood loss after a fall.", "Acute hemorrhage on admission.", "She has an active GI bleed.",
          "Acute bleeding noted."]
NEGATED = ["No active bleeding.", "Denies acute bleeding.", "No signs of acute blood loss.",
           "Not actively bleeding.", "No evidence of active hemorrhage.", "There is no acute bleeding."]
NOT_USED = ["If acute bleeding occurs, hold the drug.", "Her sister had an acute GI bleed.",
            "History of GI bleed in 2019.", "Bleeding risk discussed."]


@pytest.mark.parametrize("sentence", STATED)
def test_stated(sentence: str) -> None:
    assert _bleeding(LEAD + sentence) is True, sentence


@pytest.mark.parametrize("sentence", NEGATED)
def test_negated(sentence: str) -> None:
    assert _bleeding(LEAD + sentence) is False, sentence


@pytest.mark.parametrize("sentence", NOT_USED)
def test_not_used(sentence: str) -> None:
    assert _bleeding(LEAD + sentence) is None, sentence


Q = ("Luspatercept for 70M lower-risk MDS, IPSS-R low, RS 22% with SF3B1 mutation, EPO 210, ESA-naive, "
     "Hb 8.1 g/dL, 2 units every 4 weeks, no del(5q). {s}")


def test_acute_bleeding_makes_the_presumption_a_question() -> None:
    calm = answer(Q.format(s="No active bleeding."), RT, as_of=AS_OF)
    assert calm.determination is not None
    assert calm.determination.determination.value == "meets_criteria", calm.determination.bottom_line
    bleeding = answer(Q.format(s="Active GI bleeding since yesterday."), RT, as_of=AS_OF)
    assert bleeding.determination is not None
    statuses = {c.id: c.status.value for c in bleeding.determination.criteria}
    assert statuses["not_immediate_correction"] == "unknown"
    assert bleeding.determination.determination.value == "insufficient_information"


def test_note() -> None:
    note = ("HEMATOLOGY NOTE\nLower-risk MDS, IPSS-R low. Ring sideroblasts 22%, SF3B1 mutated. No del(5q).\n"
            "Hb 8.1 g/dL on 11/10/2026. Transfused 2 units every 4 weeks. EPO 210. No prior ESA.\n"
            "Interval history: melena this week, acute GI bleed suspected; GI consulted.\n")
    a = answer("Does he meet criteria for Reblozyl?", RT, as_of=AS_OF, note=note)
    assert a.determination is not None
    assert a.determination.fact_set.value("acute_bleeding") is True


def _condition(status: str) -> dict[str, Any]:
    patient = {"resourceType": "Patient", "id": "p", "gender": "male", "birthDate": "1955-01-01"}
    cond = {"resourceType": "Condition", "id": "c", "subject": {"reference": "Patient/p"},
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": status}]},
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "D62",
                                 "display": "Acute posthemorrhagic anemia"}]},
            "recordedDate": "2026-11-18"}
    return {"resourceType": "Bundle", "type": "collection", "timestamp": "2026-11-20T09:00:00Z",
            "entry": [{"resource": patient}, {"resource": cond}]}


def test_fhir_active_d62_is_acute_bleeding() -> None:
    got = bundle_to_case(_condition("active"), RT.dictionary, AS_OF)
    assert got.case["facts"]["acute_bleeding"]["value"] is True


def test_fhir_resolved_d62_is_not_used() -> None:
    got = bundle_to_case(_condition("resolved"), RT.dictionary, AS_OF)
    assert "acute_bleeding" not in got.case["facts"]
