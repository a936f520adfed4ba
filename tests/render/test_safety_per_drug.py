"""Every GLP-1 / GIP and LDL-lowering drug's documents say what the label warns about (helper docs8).

The MDS pack's patient articles and letters had a "Side effects" section and its clinician articles a "Safety"
and a "Response monitoring" section from the label; the GLP-1 and LDL packs' patient documents had no side
effects at all, and the LDL clinician articles no safety statement. Expected content per pack x drug x
audience, each item from a label section the pack already cites (the boxed warning of every GLP-1 / GIP
agonist; Warnings and Precautions and Contraindications of the LDL labels) or a confirmed clinical fact:

- patient article and letter (plain words, grade 6 or below): the side effects to watch for and whom to tell;
- clinician article: Safety (contraindication, warnings and precautions) and, where the label says what to
  check, Response monitoring.
"""

from __future__ import annotations

import re

import pytest
import textstat  # type: ignore[import-untyped]

from mednec.render.formats import render_markdown
from mednec.runtime import default_runtime

from .cases import Example, document, example
from .text import MARKS

NECK = "lump or swelling in your neck"
# patient side effects: words each drug's patient documents must carry
PATIENT = {
    "Wegovy": [NECK, "blood sugar"],
    "Zepbound": [NECK],
    "Saxenda": [NECK, "nausea", "stomach problems"],
    "Ozempic": [NECK, "nausea", "stomach problems"],
    "Mounjaro": [NECK],
    "Victoza": [NECK],
    "Trulicity": [NECK, "nausea"],
    "Repatha": ["allergic", "latex", "back pain"],
    "Praluent": ["allergic", "where you inject"],
    "Leqvio": ["allergic", "swelling of your face"],
    "Nexletol": ["gout", "tendon", "allergic"],
    "Nexlizet": ["gout", "tendon", "allergic"],
}
# clinician Safety section: words per LDL drug
SAFETY = {
    "Repatha": ["hypersensitivity", "latex", "nasopharyngitis"],
    "Praluent": ["hypersensitivity", "angioedema"],
    "Leqvio": ["hypersensitivity", "anaphylaxis"],
    "Nexletol": ["hypersensitivity", "hyperuricemia", "gout", "tendon rupture"],
    "Nexlizet": ["ezetimibe", "hyperuricemia", "gout", "tendon rupture"],
}
# clinician Response monitoring: what the label says to check
MONITORING = {
    "Praluent": ["4 weeks"],
    "Nexletol": ["uric acid"],
    "Nexlizet": ["uric acid"],
}


def _section(md: str, title: str) -> str:
    parts = re.split(rf"^#+ {re.escape(title)}\s*$", md, flags=re.M)
    assert len(parts) > 1, f"no '{title}' section"
    return re.split(r"^#+ ", parts[1], flags=re.M)[0]


def _general(drug: str) -> Example:
    return Example("general", None, drug, "initial", None, ("article",))


@pytest.mark.parametrize(("drug", "words"), PATIENT.items(), ids=list(PATIENT))
def test_patient_article_lists_the_side_effects_to_watch_for(drug: str, words: list[str]) -> None:
    md = render_markdown(document(_general(drug), "article", "patient"))
    effects = _section(md, "Side effects")
    for w in words:
        assert w.lower() in effects.lower(), (drug, w, effects)
    items = [MARKS.sub("", ln[2:]).strip() for ln in effects.splitlines() if ln.startswith("- ")]
    assert items, drug
    grade = textstat.flesch_kincaid_grade("\n".join(i if i.endswith((".", "?", ":")) else i + "." for i in items))
    assert grade <= 6, (drug, grade, items)


@pytest.mark.parametrize("name", ["wegovy", "ozempic", "repatha"])
def test_patient_letter_lists_the_side_effects(name: str) -> None:
    ex = example(name)
    md = render_markdown(document(ex, "letter", "patient"))
    effects = _section(md, "Side effects")
    for w in PATIENT[ex.drug]:
        assert w.lower() in effects.lower(), (name, w)


@pytest.mark.parametrize(("drug", "words"), SAFETY.items(), ids=list(SAFETY))
def test_ldl_clinician_article_states_the_label_warnings(drug: str, words: list[str]) -> None:
    md = render_markdown(document(_general(drug), "article", "clinician"))
    safety = _section(md, "Safety")
    for w in words:
        assert w.lower() in safety.lower(), (drug, w, safety)


@pytest.mark.parametrize(("drug", "words"), MONITORING.items(), ids=list(MONITORING))
def test_ldl_clinician_article_says_what_to_monitor(drug: str, words: list[str]) -> None:
    md = render_markdown(document(_general(drug), "article", "clinician"))
    monitoring = _section(md, "Response monitoring")
    for w in words:
        assert w.lower() in monitoring.lower(), (drug, w, monitoring)


def test_every_glp1_and_ldl_policy_is_covered() -> None:
    rt = default_runtime()
    brands = {p.drug.brands[0] for p in rt.catalog.policies()
              if rt.catalog.pack_of(p).id in ("glp1_weight_diabetes", "ldl_lowering")}
    assert brands == set(PATIENT), brands ^ set(PATIENT)
