"""del(5q) and lenalidomide (mds-anemia decisions, "Shared definitions"): luspatercept and imetelstat
accept del(5q) after lenalidomide failure, intolerance or contraindication. Unknown is not false: a
treatment history that is not documented leaves the exception *unknown* and the answer asks whether
lenalidomide was given and how it ended; only a documented history decides it (lenalidomide failed,
not tolerated or contraindicated: met; a full history without lenalidomide, or lenalidomide still
working: not met).

Written before the policies changed (held-out): case-file variants of the shipped del(5q) cases,
questions, a note and FHIR bundles, each with the determination a reviewer would give.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from mednec.ask import answer
from mednec.intake.fhir import bundle_to_case
from mednec.runtime import default_runtime

RT = default_runtime()
ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "src" / "mednec" / "packs" / "mds_anemia"
AS_OF = dt.date(2026, 11, 20)

LUSPATERCEPT = yaml.safe_load((PACK / "luspatercept/cases/29-meets-del5q-after-lenalidomide-failure.yaml").read_text())
IMETELSTAT = yaml.safe_load((PACK / "imetelstat/cases/20-meets-del5q-after-lenalidomide-intolerance.yaml").read_text())
LENALIDOMIDE = {"drug": "lenalidomide", "start": "2025-06-01", "end": "2025-12-01"}
EPOETIN = {"drug": "epoetin alfa", "start": "2026-03-01", "end": "2026-06-01", "response": "none"}

MEETS, INSUFFICIENT, NOT_MET = "meets_criteria", "insufficient_information", "does_not_meet_criteria"

# the treatment history written in the case -> (no_del5q, determination)
HISTORIES: list[tuple[str, list[dict[str, Any]] | None, str, str]] = [
    ("not-documented", None, "unknown", INSUFFICIENT),
    ("failed", [{**LENALIDOMIDE, "response": "none"}, EPOETIN], "met", MEETS),
    ("failed-reason-only", [{**LENALIDOMIDE, "response": "partial", "reason_stopped": "inadequate_response"}, EPOETIN],
     "met", MEETS),
    ("partial-ended", [{**LENALIDOMIDE, "response": "partial"}, EPOETIN], "met", MEETS),
    ("lost-response", [{**LENALIDOMIDE, "response": "lost_response"}, EPOETIN], "met", MEETS),
    ("intolerant", [{**LENALIDOMIDE, "response": "intolerant"}, EPOETIN], "met", MEETS),
    ("contraindicated", [{"drug": "Revlimid", "response": "contraindicated"}, EPOETIN], "met", MEETS),
    ("brand-name-failed", [{**LENALIDOMIDE, "drug": "REVLIMID", "response": "none"}, EPOETIN], "met", MEETS),
    ("still-responding", [{"drug": "lenalidomide", "start": "2026-05-01", "response": "ongoing"}, EPOETIN],
     "not_met", NOT_MET),
    ("responded", [{**LENALIDOMIDE, "response": "response", "reason_stopped": "completed"}, EPOETIN], "not_met", NOT_MET),
    ("history-without-lenalidomide", [EPOETIN], "not_met", NOT_MET),
]


def _case(spec: dict[str, Any], history: list[dict[str, Any]] | None) -> dict[str, Any]:
    case = copy.deepcopy(spec["case"])
    case["facts"].pop("medication_history", None)
    if history is not None:
        case["facts"]["medication_history"] = copy.deepcopy(history)
    return case


def _status(det: Any, cid: str) -> str:
    return next(c.status.value for c in det.criteria if c.id == cid)


@pytest.mark.parametrize(("policy_id", "spec"), [("luspatercept-mds", LUSPATERCEPT), ("imetelstat-mds", IMETELSTAT)],
                         ids=["luspatercept", "imetelstat"])
@pytest.mark.parametrize(("name", "history", "status", "determination"), HISTORIES, ids=[h[0] for h in HISTORIES])
def test_case_file_treatment_histories(policy_id: str, spec: dict[str, Any], name: str,
                                       history: list[dict[str, Any]] | None, status: str, determination: str) -> None:
    policy = RT.catalog.policy(policy_id)
    parsed = RT.parse_case(_case(spec, history), as_of=dt.date.fromisoformat(str(spec["as_of"])))
    det = RT.evaluate(parsed.facts, policy)
    assert (_status(det, "no_del5q"), det.determination.value) == (status, determination), det.bottom_line
    if status == "unknown":
        assert det.bottom_line.startswith("Likely to meet once these are documented: "), det.bottom_line
        change = next(c.text for c in det.changes if c.criterion == "no_del5q")
        assert "lenalidomide" in change.lower(), change


def test_the_question_names_lenalidomide() -> None:
    """Added after first contact: the answer asks about lenalidomide itself, not only for 'the
    treatment history'."""
    det = RT.evaluate(RT.parse_case(_case(LUSPATERCEPT, None), as_of=AS_OF).facts, RT.catalog.policy("luspatercept-mds"))
    doc = next(m for m in det.missing_documentation if m.document == "treatment_history")
    want = ("Has the patient had lenalidomide? If so, from when to when, and how did it end "
            "(failure, intolerance or contraindication)?")
    assert want in doc.questions and "no_del5q" in doc.criteria
    assert want in next(c.text for c in det.changes if c.criterion == "no_del5q")


def test_isolated_del5q_diagnosis_without_history_is_unknown_not_denied() -> None:
    """D46.C (MDS with isolated del(5q)) on the first-line pathway: no history documented -> asked."""
    case = _case(LUSPATERCEPT, None)
    case["facts"]["esa_history"] = []
    case["facts"]["ring_sideroblasts_pct"] = 4
    case["facts"]["sf3b1_mutation"] = False
    det = RT.evaluate(RT.parse_case(case, as_of=AS_OF).facts, RT.catalog.policy("luspatercept-mds"))
    assert det.determination.value == INSUFFICIENT, det.bottom_line
    assert _status(det, "no_del5q") == "unknown"
    case["facts"]["medication_history"] = []  # an explicit, empty history: lenalidomide never given
    det = RT.evaluate(RT.parse_case(case, as_of=AS_OF).facts, RT.catalog.policy("luspatercept-mds"))
    assert det.determination.value == NOT_MET, det.bottom_line


BASE_Q = ("Reblozyl for a 74 year old man with lower-risk MDS, IPSS-R low, del(5q) on cytogenetics, "
          "Hb 8.1 g/dL, serum EPO 300 mU/L, ring sideroblasts 22% with SF3B1 mutation, "
          "transfused 2 units every 4 weeks, failed epoetin alfa from March to June 2026")

QUESTIONS: list[tuple[str, str]] = [
    (BASE_Q + ".", INSUFFICIENT),
    (BASE_Q.replace("del(5q) on cytogenetics", "karyotype 46,XY,del(5)(q13q33)[20]") + ".", INSUFFICIENT),
    (BASE_Q.replace("del(5q) on cytogenetics", "5q deletion") + ". Does he qualify?", INSUFFICIENT),
    (BASE_Q + ", then failed lenalidomide after 6 months.", MEETS),
    (BASE_Q + "; intolerant of Revlimid (rash).", MEETS),
    (BASE_Q + ". Lenalidomide is contraindicated.", MEETS),
    (BASE_Q + "; currently on lenalidomide.", NOT_MET),
]


@pytest.mark.parametrize(("text", "determination"), QUESTIONS, ids=[f"q{i}" for i in range(len(QUESTIONS))])
def test_questions(text: str, determination: str) -> None:
    a = answer(text, RT, as_of=AS_OF)
    assert a.kind == "determination" and a.determination is not None, a.message
    assert a.determination.determination.value == determination, (text, a.determination.bottom_line)


NOTE = """HEMATOLOGY CLINIC NOTE

Assessment: 74M with lower-risk MDS (IPSS-R low). Bone marrow 10/2026: blasts 3%, ring sideroblasts 22%,
SF3B1 mutated. Karyotype 46,XY,del(5)(q13q33)[20].
Labs 11/10/2026: Hb 8.1 g/dL, platelets 180 K/uL, ANC 2.1.
Serum EPO 300 mU/mL (02/2026).
Transfusions: 2 units pRBC every 4 weeks since September.
Treatment: epoetin alfa 40,000 units weekly 03/2026-06/2026, no response.
Plan: request luspatercept.
"""


def test_note_without_lenalidomide_history_asks() -> None:
    a = answer("Does this patient meet criteria for Reblozyl?", RT, as_of=AS_OF, note=NOTE)
    assert a.determination is not None
    assert a.determination.determination.value == INSUFFICIENT, a.determination.bottom_line
    assert _status(a.determination, "no_del5q") == "unknown"


def test_note_with_lenalidomide_failure_meets() -> None:
    note = NOTE.replace("no response.\n", "no response. Lenalidomide 10 mg 2025, failed.\n")
    a = answer("Does this patient meet criteria for Reblozyl?", RT, as_of=AS_OF, note=note)
    assert a.determination is not None
    assert _status(a.determination, "no_del5q") == "met", a.determination.bottom_line


def _bundle_case(extra: list[dict[str, Any]]) -> Any:
    bundle = json.loads((ROOT / "tests/fixtures/fhir/bundle-del5q.json").read_text())
    # the fixture's questionnaire answer "no earlier treatment" (added with this change, so that the
    # example stays a denial) is taken out: these bundles say nothing about earlier treatment
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "QuestionnaireResponse"]
    bundle["entry"] += [{"resource": r} for r in extra]
    got = bundle_to_case(bundle, RT.dictionary, AS_OF, drug="luspatercept", drugs=RT.catalog.calculators.drugs)
    return RT.evaluate(RT.parse_case(got.case, as_of=AS_OF).facts, RT.catalog.policy("luspatercept-mds"))


def _statement(status: str, reason: str | None) -> dict[str, Any]:
    r: dict[str, Any] = {"resourceType": "MedicationStatement", "id": "len", "status": status,
                         "subject": {"reference": "Patient/p-del5q"},
                         "medicationCodeableConcept": {"text": "lenalidomide 10 mg capsule"},
                         "effectivePeriod": {"start": "2025-06-01", "end": "2025-12-01"}}
    if reason:
        r["statusReason"] = [{"text": reason}]
    return r


def test_fhir_bundle_without_lenalidomide_asks() -> None:
    det = _bundle_case([])
    assert (det.determination.value, _status(det, "no_del5q")) == (INSUFFICIENT, "unknown"), det.bottom_line


@pytest.mark.parametrize("reason", ["no response", "intolerance"])
def test_fhir_bundle_with_lenalidomide_stopped_meets(reason: str) -> None:
    det = _bundle_case([_statement("stopped", reason)])
    assert _status(det, "no_del5q") == "met", det.bottom_line
    assert det.determination.value == MEETS, det.bottom_line
