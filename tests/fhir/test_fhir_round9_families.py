"""FHIR shapes the ninth held-out set (tests/heldout/fhir9) showed misread, each as a family of generated inputs.

- The order's drug (r9-g04, r9-g06, fhir7 r7-g13): RxNorm 2601743, 2601755, 2601761, 2601767, 2601773 and 2601784 are
  listed by openFDA for Zepbound (NDC 0002-2457, openfda.rxcui) and 2601773 also for Mounjaro (NDC 50090-8022, with
  2601776): they are the tirzepatide products both brands share, not a brand. The code table gave them the Zepbound
  brand, so an order coded 2601743 and written "[Mounjaro]" was judged on the Zepbound policy. Now the order's own
  name tells the brand; with no name that tells, no policy is chosen (asked) rather than the wrong one.
- An order whose verified brand code and written name disagree (r9-l17, r9-g05, r9-m10: Repatha's code written
  "Praluent", Mounjaro's written "Zepbound", Procrit's written "Aranesp") was judged on the code's policy, the name
  ignored. A reviewer asks which drug is meant: no policy is chosen.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.code_systems import RXNORM

from mednec.fhir.crd import policy_for_order
from mednec.runtime import Runtime

SHARED_TIRZEPATIDE = ["2601743", "2601755", "2601761", "2601767", "2601773", "2601784"]


def _order(code: str, display: str | None = None, text: str | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": RXNORM, "code": code}
    if display is not None:
        coding["display"] = display
    concept: dict[str, Any] = {"coding": [coding]}
    if text is not None:
        concept["text"] = text
    return {"resourceType": "MedicationRequest", "id": "draft-1", "status": "draft", "intent": "order",
            "medicationCodeableConcept": concept, "subject": {"reference": "Patient/p"}, "authoredOn": "2026-12-01"}


def _policy(runtime: Runtime, order: dict[str, Any]) -> str | None:
    found = policy_for_order(order, runtime.catalog)
    return None if found is None else found.id


# --- tirzepatide products both brands share -------------------------------------------------------------------

NAMED = [("tirzepatide {mg} MG in 0.5 ML Auto-Injector [Mounjaro]", None, "tirzepatide-mounjaro"),
         (None, "Mounjaro {mg} mg/0.5 mL pen", "tirzepatide-mounjaro"),
         ("tirzepatide {mg} MG in 0.5 ML Auto-Injector [Zepbound]", None, "tirzepatide-zepbound"),
         (None, "ZEPBOUND {mg} MG/0.5ML SC SOAJ", "tirzepatide-zepbound")]


@pytest.mark.parametrize(("display", "text", "policy"), NAMED)
@pytest.mark.parametrize("code", SHARED_TIRZEPATIDE)
def test_shared_tirzepatide_code_takes_the_brand_from_the_name(runtime: Runtime, code: str, display: str | None,
                                                                text: str | None, policy: str) -> None:
    mg = "5"
    order = _order(code, display and display.format(mg=mg), text and text.format(mg=mg))
    assert _policy(runtime, order) == policy


@pytest.mark.parametrize("code", SHARED_TIRZEPATIDE)
def test_shared_tirzepatide_code_without_a_name_chooses_no_policy(runtime: Runtime, code: str) -> None:
    assert _policy(runtime, _order(code)) is None


# --- a brand code and another brand's name ----------------------------------------------------------------------

# (verified brand code, its policy, another product's name and that product's policy)
CONFLICTS = [
    ("2601776", "tirzepatide-mounjaro", "Zepbound 12.5 mg/0.5 mL pen"),
    ("1665904", "evolocumab-repatha", "Praluent 150 mg/mL pen"),
    ("1665900", "evolocumab-repatha", "Leqvio 284 mg/1.5 mL syringe"),
    ("205913", "epoetin-alfa-mds", "Aranesp 100 mcg/0.5 mL syringe"),
    ("349273", "darbepoetin-alfa-mds", "Procrit 40,000 units/mL"),
    ("1991306", "semaglutide-ozempic", "Wegovy 2.4 mg/0.75 mL pen"),
    ("2262906", "luspatercept-mds", "Rytelo 188 mg vial"),
]


@pytest.mark.parametrize("where", ["display", "text"])
@pytest.mark.parametrize(("code", "policy", "other"), CONFLICTS)
def test_brand_code_and_another_brand_name_chooses_no_policy(runtime: Runtime, code: str, policy: str, other: str,
                                                             where: str) -> None:
    order = _order(code, display=other) if where == "display" else _order(code, text=other)
    assert _policy(runtime, order) is None


@pytest.mark.parametrize(("code", "policy", "other"), CONFLICTS)
def test_brand_code_alone_or_with_its_own_name_keeps_its_policy(runtime: Runtime, code: str, policy: str,
                                                                other: str) -> None:
    assert _policy(runtime, _order(code)) == policy
    own = runtime.catalog.policy(policy).drug.brands[0]
    assert _policy(runtime, _order(code, text=f"{own} as directed")) == policy
    assert _policy(runtime, _order(code, text=f"{own} (switching from {other.split()[0]})")) == policy


# --- a statin's daily dose --------------------------------------------------------------------------------------
# r9-l04 (rosuvastatin 10 mg twice daily), r9-l05 (2 tablets of atorvastatin 20 mg), r9-l15 (a Medication whose
# ingredient strength is 80 mg per tablet, 1 tablet a day): the dose was read per administration (10 mg), or as the
# count of tablets (2, 1), so the statin's intensity (ACC/AHA 2018, a daily dose) was not known and the step asked.

STATINS = {"atorvastatin": ("617310", "atorvastatin 20 MG Oral Tablet", 20.0),
           "rosuvastatin": ("859747", "rosuvastatin calcium 10 MG Oral Tablet", 10.0),
           "simvastatin": ("312961", "simvastatin 20 MG Oral Tablet", 20.0)}
UCUM = "http://unitsofmeasure.org"
TIMINGS = [  # (timing.repeat, times a day; None: not a whole number of doses a day)
    ({"frequency": 1, "period": 1, "periodUnit": "d"}, 1),
    ({"frequency": 2, "period": 1, "periodUnit": "d"}, 2),
    ({"frequency": 1, "period": 12, "periodUnit": "h"}, 2),
    ({"frequency": 3, "period": 1, "periodUnit": "d"}, 3),
    ({"frequency": 1, "period": 2, "periodUnit": "d"}, None),
    ({"frequency": 3, "period": 1, "periodUnit": "wk"}, None),
]
AMOUNTS = [  # (doseQuantity, tablets: the amount is a count of the tablet's strength)
    ({"value": 1, "unit": "tablet", "system": UCUM, "code": "{tbl}"}, 1.0),
    ({"value": 2, "unit": "tablet", "system": UCUM, "code": "{tbl}"}, 2.0),
    ({"value": 2, "unit": "TAB"}, 2.0),
    ({"value": 1, "unit": "mg", "system": UCUM, "code": "mg"}, None),
]


def _statin_request(generic: str, dose: dict[str, Any], repeat: dict[str, Any], *, medication: bool) -> dict[str, Any]:
    code, display, mg = STATINS[generic]
    r: dict[str, Any] = {"resourceType": "MedicationRequest", "id": "rx", "status": "active", "intent": "order",
                         "subject": {"reference": "Patient/p"}, "authoredOn": "2025-05-05",
                         "dosageInstruction": [{"timing": {"repeat": repeat}, "doseAndRate": [{"doseQuantity": dose}]}]}
    if medication:
        r["contained"] = [{"resourceType": "Medication", "id": "m", "code": {"text": generic.title()},
                           "form": {"text": "Oral tablet"},
                           "ingredient": [{"itemCodeableConcept": {"text": generic}, "isActive": True,
                                           "strength": {"numerator": {"value": mg, "unit": "mg", "system": UCUM, "code": "mg"},
                                                        "denominator": {"value": 1, "unit": "TAB", "system": UCUM,
                                                                        "code": "{tbl}"}}}]}]
        r["medicationReference"] = {"reference": "#m"}
    else:
        r["medicationCodeableConcept"] = {"coding": [{"system": RXNORM, "code": code, "display": display}]}
    return r


def _history_dose(runtime: Runtime, resource: dict[str, Any]) -> Any:
    from tests.fhir.family_intake import case_facts, intake

    p = {"resourceType": "Patient", "id": "p", "birthDate": "1960-04-18", "gender": "male"}
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": p}, {"resource": resource}]}
    (entry,) = case_facts(intake(runtime, bundle))["medication_history"]
    return entry.get("dose")


@pytest.mark.parametrize("medication", [False, True], ids=["coded", "medication-strength"])
@pytest.mark.parametrize(("dose", "tablets"), AMOUNTS, ids=["1tbl", "2tbl", "2TAB", "1mg"])
@pytest.mark.parametrize(("repeat", "per_day"), TIMINGS, ids=["qd", "bid", "q12h", "tid", "qod", "3/wk"])
@pytest.mark.parametrize("generic", sorted(STATINS))
def test_statin_daily_dose(runtime: Runtime, generic: str, repeat: dict[str, Any], per_day: int | None,
                           dose: dict[str, Any], tablets: float | None, medication: bool) -> None:
    mg = STATINS[generic][2]
    each = tablets * mg if tablets is not None else float(dose["value"])
    want = None if per_day is None else each * per_day
    assert _history_dose(runtime, _statin_request(generic, dose, repeat, medication=medication)) == want


# --- the units a transfusion's text states ------------------------------------------------------------------------
# r9-m03: "Transfuse 2 units PRBC" counted 1 unit (the default of one per Procedure), so 5 units in 8 weeks were read
# as 3 -- for imetelstat's 4 units in 8 weeks an undercount is a wrong 'does not meet'.

SNOMED_PRBC = ("http://snomed.info/sct", "71493000")
UNIT_TEXTS = [  # (code text, note, units; None: the list unknown)
    ("Transfuse 2 units PRBC", None, 2), ("PRBC 2 units", None, 2), ("Transfuse packed red cells, 3 units", None, 3),
    ("2u PRBC", None, 2), ("RBC transfusion x2 units", None, 2), ("Transfuse two units PRBC", None, 2),
    ("Transfuse 1 unit PRBC", None, 1), ("Transfuse PRBC", "2 units of leukoreduced RBCs given without reaction", 2),
    ("Transfuse 2 units PRBC", "2 units given", 2), ("Transfuse PRBC", None, 1), (None, None, 1),
    ("Transfuse PRBC 1 unit", "2 units ordered, 1 given", None), ("Transfuse 1 unit PRBC over 2 hours", None, 1),
]


@pytest.mark.parametrize(("text", "note", "units"), UNIT_TEXTS)
def test_transfusion_units_the_text_states(runtime: Runtime, text: str | None, note: str | None,
                                           units: int | None) -> None:
    from tests.fhir.family_intake import case_facts, intake

    code: dict[str, Any] = {"coding": [{"system": SNOMED_PRBC[0], "code": SNOMED_PRBC[1]}]}
    if text is not None:
        code["text"] = text
    proc: dict[str, Any] = {"resourceType": "Procedure", "id": "t", "status": "completed", "code": code,
                            "subject": {"reference": "Patient/p"}, "performedDateTime": "2026-11-20T10:00:00-06:00"}
    if note is not None:
        proc["note"] = [{"text": note}]
    p = {"resourceType": "Patient", "id": "p", "birthDate": "1950-04-18", "gender": "male"}
    got = case_facts(intake(runtime, {"resourceType": "Bundle", "type": "collection",
                                      "entry": [{"resource": p}, {"resource": proc}]})).get("rbc_transfusions")
    if units is None:
        assert got is None
    else:
        assert [t["units"] for t in got] == [units]


# --- a past event after "s/p" with its year and an aside ----------------------------------------------------------
# r9-l09: a problem-list Condition with only the text "s/p NSTEMI 2019 with DES to LAD" was not read (the history
# prefixes were "history of", "hx of", "old", "prior" and the rest had to be exactly a name), so the ASCVD was asked.

PAST_TEXTS = [  # (Condition text, the fact it documents; None: nothing)
    ("s/p NSTEMI 2019 with DES to LAD", "prior_mi"), ("S/P STEMI (2018)", "prior_mi"), ("status post MI in 2015", "prior_mi"),
    ("s/p MI, 2017", "prior_mi"), ("s/p NSTEMI - 03/2019", "prior_mi"), ("Hx of MI 2019", "prior_mi"),
    ("History of NSTEMI with PCI", "prior_mi"), ("s/p ischemic stroke 2021 with residual weakness", "prior_ischemic_stroke"),
    ("s/p CVA 2020", "prior_ischemic_stroke"),
    ("s/p MI ruled out", None), ("Family history of MI", None), ("s/p cholecystectomy 2019", None),
    ("s/p chest pain workup 2019, MI ruled out", None), ("NSTEMI 2019 with DES to LAD", None),
]


@pytest.mark.parametrize(("text", "fact"), PAST_TEXTS)
def test_past_event_after_status_post(runtime: Runtime, text: str, fact: str | None) -> None:
    from tests.fhir.family_intake import case_facts, intake

    cond = {"resourceType": "Condition", "id": "c", "subject": {"reference": "Patient/p"}, "code": {"text": text},
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": "active"}]}, "recordedDate": "2026-06-01"}
    p = {"resourceType": "Patient", "id": "p", "birthDate": "1950-04-18", "gender": "male"}
    got = case_facts(intake(runtime, {"resourceType": "Bundle", "type": "collection",
                                      "entry": [{"resource": p}, {"resource": cond}]}))
    past = {f for f in ("prior_mi", "prior_ischemic_stroke") if got.get(f) is True}
    assert past == ({fact} if fact else set())


# --- what the requester is told when the code and the name disagree ---------------------------------------------
# No policy chosen must still ask: the CDS Hooks answer carries an information card saying which drug the code and
# which the name give, and a PAS item is pended with that said (was: no card at all, or "no mednec policy covers
# Praluent ...", which is not what happened).

def _conflict_chart(code: str, name: str) -> tuple[Any, dict[str, Any]]:
    from tests.heldout.fhir_chart import Chart, cc, ldl, old_mi

    c = Chart("p9", "1960-03-04", "male")
    old_mi(c)
    ldl(c, 120, "2026-11-20")
    concept = cc((RXNORM, code, name), text=name)
    order = {"resourceType": "MedicationRequest", "id": "draft-9", "status": "draft", "intent": "order",
             "medicationCodeableConcept": concept, "subject": {"reference": "Patient/p9"}, "authoredOn": "2026-12-06"}
    return c, order


@pytest.mark.parametrize(("code", "policy", "other"), CONFLICTS)
def test_cds_card_says_the_code_and_the_name_disagree(runtime: Runtime, code: str, policy: str, other: str) -> None:
    import datetime as dt

    from tests.heldout.fhir_chart import cds_request

    from mednec.fhir.crd import handle_hook

    c, order = _conflict_chart(code, other)
    req = cds_request(c, "order-sign", order, {"conditions": ["Condition"], "observations": ["Observation"]})
    answer = handle_hook(req, runtime, as_of=dt.date(2026, 12, 6))
    (card,) = answer["cards"]
    brand = runtime.catalog.policy(policy).drug.brands[0]
    assert card["indicator"] == "info" and brand in card["detail"] and other.split()[0] in card["detail"]
    assert "systemActions" not in answer


@pytest.mark.parametrize(("code", "policy", "other"), CONFLICTS[:3])
def test_pas_item_pended_saying_the_code_and_the_name_disagree(runtime: Runtime, code: str, policy: str,
                                                               other: str) -> None:
    import datetime as dt

    from tests.heldout.fhir_chart import cc, pas_bundle

    from mednec.fhir.pas import InMemoryClaimStore, submit

    c, _ = _conflict_chart(code, other)
    bundle = pas_bundle(c, cc((RXNORM, code, other), text=other), [("I25.2", "Old myocardial infarction")])
    answer = submit(bundle, runtime, store=InMemoryClaimStore("t"), as_of=dt.date(2026, 12, 6),
                    now=dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC))
    text = json.dumps(answer)
    brand = runtime.catalog.policy(policy).drug.brands[0]
    assert "which drug is meant" in text and brand in text and other.split()[0] in text
