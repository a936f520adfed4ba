"""The patient's "The facts we used" names the facts the rules were checked on, in every pack
(helper docs7). A Wegovy article for a 14-year-old, a Zepbound denial for a family history of
medullary thyroid cancer and a Repatha answer for a stroke survivor listed one fact each: "You are
14 years old." Only MDS facts had wording (``phrases.yaml`` ``fact_plain``), so the BMI, its
percentile, the weight, the diet programme, the thyroid-cancer history, the pregnancy, the A1c and
the LDL-C of the GLP-1 and LDL packs were left out of the list that says "These facts from your
records were checked against the rules".

The family: every yes/no or number fact a policy's test case states (not calculated) and a criterion
of its determination reads, in every pack, has a sentence; scores a grade-6 sentence cannot explain
are named below and left out on purpose.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import textstat  # type: ignore[import-untyped]
import yaml

from mednec.render.phrases import phrases
from mednec.render.plain import facts_in_words
from mednec.runtime import default_runtime

# A chart score or a cytogenetic count has no grade-6 sentence that says what it means; the
# rules it decides are in the page's rule lists already.
UNSAID = {"dlcn_score", "simon_broome", "additional_cytogenetic_abnormalities", "chromosome7_abnormality"}


def _stated_facts() -> list[tuple[str, str, str]]:
    """(pack, fact, a case naming it): given yes/no and number facts criteria read, per pack."""
    rt = default_runtime()
    seen: dict[tuple[str, str], str] = {}
    for policy in rt.catalog.policies():
        folder = Path(rt.catalog.pack_of(policy).path)
        for path in sorted(folder.glob("*/cases/*.yaml")):
            raw: dict[str, Any] = yaml.safe_load(path.read_text("utf-8"))
            if not isinstance(raw, dict) or "case" not in raw or path.parent.parent.name not in policy.id.replace("-", "_"):
                continue
            as_of = raw.get("as_of")
            case = rt.parse_case(raw["case"], as_of=as_of if isinstance(as_of, dt.date) else None)
            det = rt.evaluate(case.facts, policy, phase=raw.get("phase", "initial"))
            for c in det.criteria:
                for e in c.evidence:
                    fact = getattr(e, "fact", None)
                    if fact is None or hasattr(e, "label") or e.derived:
                        continue
                    if isinstance(e.value, bool | int | float):
                        seen.setdefault((rt.catalog.pack_of(policy).id, fact), path.name)
    return sorted((pack, fact, case) for (pack, fact), case in seen.items())


STATED = _stated_facts()


def test_every_pack_is_covered() -> None:
    assert {p for p, _, _ in STATED} == {"mds_anemia", "glp1_weight_diabetes", "ldl_lowering"}


@pytest.mark.parametrize(("pack", "fact", "case"), STATED, ids=[f"{p}-{f}" for p, f, _ in STATED])
def test_a_stated_fact_has_a_sentence(pack: str, fact: str, case: str) -> None:
    if fact in UNSAID:
        pytest.skip("a score with no grade-6 sentence (decided)")
    assert fact in phrases()["fact_plain"], f"{fact} ({case}) has no wording in phrases.yaml fact_plain"


def test_the_sentences_read_at_grade_8_or_below() -> None:
    for fact, entry in phrases()["fact_plain"].items():
        for text in entry.values():
            filled = str(text).format(n="8.1", n1="8.1", n0="8", value="low", date="10 November 2026")
            assert textstat.flesch_kincaid_grade(filled) <= 8, (fact, filled)


@pytest.mark.parametrize(("name", "drug", "phase", "want"), [
    ("c05", "Wegovy", "initial", ["You are 14 years old.", "your weight for your height, was 35.1",
                                  "higher than that of 99 in 100 young people", "diet and exercise plan for 12 months",
                                  "You weighed 92 kg on 25 November 2026."]),
    ("c08", "Wegovy", "continuation", ["you weighed 121 kg on 20 April 2026", "lost 9.1 percent",
                                       "You take the full dose"]),
    ("c09", "Repatha", "initial", ["LDL cholesterol, the bad kind, was 64 on 10 November 2026",
                                   "You have had a stroke"]),
])
def test_new_cases_list_their_facts(name: str, drug: str, phase: str, want: list[str]) -> None:
    cases = {
        "c05": {"as_of": "2026-12-02", "patient": {"birth_date": "2012-04-03", "sex": "female"},
                "facts": {"diagnosis": "E66.811", "weight": {"value": 92, "unit": "kg", "date": "2026-11-25"},
                          "height": {"value": 162, "unit": "cm", "date": "2026-11-25"},
                          "lifestyle_program_months": 12, "mtc_men2_history": False, "concurrent_glp1": False,
                          "pregnant": False}},
        "c08": {"as_of": "2026-12-02", "patient": {"birth_date": "1975-07-07", "sex": "male"},
                "facts": {"diagnosis": "E66.812", "weight": {"value": 110, "unit": "kg", "date": "2026-11-28"},
                          "height": {"value": 180, "unit": "cm", "date": "2026-11-28"},
                          "weight_baseline": {"value": 121, "unit": "kg", "date": "2026-04-20"},
                          "requested_drug_start": "2026-05-01", "on_maintenance_dose": True,
                          "lifestyle_continued": True, "mtc_men2_history": False, "concurrent_glp1": False}},
        "c09": {"as_of": "2026-12-01", "patient": {"birth_date": "1958-10-05", "sex": "female"},
                "facts": {"prior_ischemic_stroke": True, "ldl_c": {"value": 64, "unit": "mg/dL", "date": "2026-11-10"},
                          "medication_history": [{"drug": "rosuvastatin", "dose": 40, "dose_unit": "mg",
                                                  "start": "2026-01-05", "response": "ongoing"}],
                          "concurrent_pcsk9": False}},
    }
    rt = default_runtime()
    raw = cases[name]
    case = rt.parse_case(raw, as_of=dt.date.fromisoformat(str(raw["as_of"])))
    det = rt.evaluate(case.facts, rt.catalog.find_drug(drug), phase=phase)
    text = " ".join(c.text for c in facts_in_words(det, rt.dictionary, None))  # type: ignore[arg-type]
    for w in want:
        assert w in text, (w, text)
