"""A treatment history read from a question or a note names some drugs, never every treatment the
patient had: "failed lenalidomide" says nothing of ESAs, "on atorvastatin 80 mg" nothing of
ezetimibe, "intolerant of atorvastatin" nothing of metformin. A class the text does not mention
stays undocumented (its derived facts unknown, so the answer asks), where a case file's or an EHR
list's history is the whole history. Within a class the text does mention, the history is read as
before ("on atorvastatin 80 mg for 6 months": 26 weeks of high-intensity statin).

Held-out: written before the rule was changed (found while closing issue 13's never-given gap:
"failed lenalidomide" in a question made the patient ESA-naive).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mednec.ask import answer
from mednec.runtime import default_runtime

RT = default_runtime()
AS_OF = dt.date(2026, 11, 20)


def _derived(text: str, note: str | None = None) -> dict[str, Any]:
    a = answer(text, RT, as_of=AS_OF, note=note)
    assert a.determination is not None, a.message
    return {f["fact"]: f["value"] for f in a.determination.to_dict()["facts"]}


UNDOCUMENTED: list[tuple[str, str]] = [
    ("Is Reblozyl medically necessary for MDS-RS, IPSS-R low, RS 20%, 2 units every 4 weeks, failed lenalidomide "
     "after 4 months?", "esa_status"),
    ("Rytelo for lower-risk MDS, IPSS-R low, EPO 600, 4 units every 8 weeks, intolerant of Revlimid", "esa_status"),
    ("Is Repatha medically necessary after an MI, LDL 130 mg/dL, on atorvastatin 80 mg for 6 months?",
     "ezetimibe_weeks"),
    ("Leqvio for clinical ASCVD, LDL 120 mg/dL, intolerant of ezetimibe", "statin_high_intensity_weeks"),
    ("Ozempic for type 2 diabetes, HbA1c 8.4%, intolerant of atorvastatin", "oral_antidiabetic_days_since"),
]


@pytest.mark.parametrize(("text", "fact"), UNDOCUMENTED)
def test_a_class_the_text_does_not_mention_stays_undocumented(text: str, fact: str) -> None:
    assert fact not in _derived(text), text


def test_a_note_names_some_drugs_only() -> None:
    note = ("Hematology 2026-11-01\nMDS-RS, IPSS-R low, RS 25%.\nLenalidomide 10 mg daily from 2025-01-01 to "
            "2025-06-01, stopped for grade 4 neutropenia.\nPlan: Reblozyl.\n")
    assert "esa_status" not in _derived("Is Reblozyl medically necessary?", note)


def test_within_a_mentioned_class_the_history_is_read() -> None:
    facts = _derived("Is Repatha medically necessary after an MI, LDL 130 mg/dL, on atorvastatin 80 mg for 6 months?")
    assert facts["statin_high_intensity_weeks"] == pytest.approx(26, abs=1)
    facts = _derived("Ozempic for type 2 diabetes, HbA1c 8.4%, failed metformin after 6 months")
    assert facts["oral_antidiabetic_failed"] is True


def test_a_case_file_history_is_the_whole_history() -> None:
    case = RT.parse_case({"facts": {"diagnosis": "D46.1", "medication_history": [
        {"drug": "lenalidomide", "start": "2025-01-01", "end": "2025-06-01", "response": "intolerant"}]}},
        as_of=AS_OF, source="case")
    det = RT.evaluate(case.facts, RT.catalog.find_drug("Reblozyl")).to_dict()
    assert {f["fact"]: f["value"] for f in det["facts"]}["esa_status"] == "naive"
