"""Clinical ASCVD written as an ICD-10-CM cerebral-infarction code (I63.x) meets the LDL policies' ASCVD criterion.

mednec's LDL decisions count ischemic stroke as clinical ASCVD ("prior MI or acute coronary syndrome, stable or
unstable angina, coronary or other arterial revascularisation, ischemic stroke or TIA, symptomatic peripheral
arterial disease"), and a FHIR Condition coded I63.9 already gave ``prior_ischemic_stroke`` (the dictionary's I63
category). A case file's ``diagnosis: I63.9`` was refused ("not a value of diagnosis") and a question writing
"I63.9" was not read, so the same stroke met the criterion from an EHR and not from a form (held-out cases8).

Family: every LDL policy with an ASCVD pathway x the cerebral-infarction codes read in the FY2026 tabular
(I63.x other than I63.6, a venous infarction, which is not atherosclerotic) x how a request writes the code
(case file, question). Controls: a code does not carry the LDL-C threshold (LDL-C 60: not met on ASCVD), and
the venous-thrombosis code I63.6 stays refused.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.errors import InputError
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
DRUGS = ["Repatha", "Praluent", "Leqvio", "Nexletol", "Nexlizet"]
CODES = ["I63.9", "I63.81", "I63.89", "I63.10", "I63.20", "I63.30", "I63.40", "I63.50"]


def _case(code: str, ldl: float = 88) -> dict:  # type: ignore[type-arg]
    return {"as_of": AS_OF.isoformat(),
            "patient": {"birth_date": "1961-03-02", "sex": "female"},
            "facts": {"diagnosis": code,
                      "ldl_c": {"value": ldl, "unit": "mg/dL", "date": "2026-11-10"},
                      "medication_history": [{"drug": "atorvastatin", "dose": 80, "dose_unit": "mg",
                                              "start": "2026-05-01", "response": "ongoing"}],
                      "concurrent_pcsk9": False, "fh_stated": False}}


@pytest.mark.parametrize(("drug", "code"), list(itertools.product(DRUGS, CODES)))
def test_a_case_file_cerebral_infarction_code_is_clinical_ascvd(runtime: Runtime, drug: str, code: str) -> None:
    policy = runtime.catalog.find_drug(drug)
    case = runtime.parse_case(_case(code))
    det = runtime.evaluate(case.facts, policy)
    assert det.determination == "meets_criteria", (drug, code, det.determination)
    assert det.pathway is not None and det.pathway.id == "ascvd"


@pytest.mark.parametrize(("drug", "code"), list(itertools.product(DRUGS, ["I63.9", "I63.81"])))
def test_a_question_writing_the_code_is_clinical_ascvd(runtime: Runtime, drug: str, code: str) -> None:
    text = (f"{drug} for a 65 year old woman, {code}, no FH, LDL 88 on atorvastatin 80 mg since May 2026, "
            "not on another PCSK9 drug")
    a = answer(text, runtime, as_of=AS_OF)
    assert a.determination is not None, text
    assert a.determination.determination == "meets_criteria", (text, a.determination.determination)


@pytest.mark.parametrize("drug", DRUGS)
def test_the_code_does_not_carry_the_ldl_threshold(runtime: Runtime, drug: str) -> None:
    det = runtime.evaluate(runtime.parse_case(_case("I63.9", ldl=60)).facts, runtime.catalog.find_drug(drug))
    assert det.determination == "does_not_meet_criteria"


def test_a_venous_infarction_code_is_not_an_ascvd_code(runtime: Runtime) -> None:
    with pytest.raises(InputError):
        runtime.parse_case(_case("I63.6"))
