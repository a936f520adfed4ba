"""The GLP-1 labels' contraindications as records phrase them (family from the held-out GLP-1 set,
tests/heldout h20, h42, hn01): a relative's medullary thyroid carcinoma counts (the label's
contraindication covers family history) and was not read, a confident wrong approval; "since her 2nd
pregnancy" read as pregnant now, a confident wrong denial."""

from __future__ import annotations

import datetime as dt

import pytest

from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
MTC = ["medullary thyroid cancer", "medullary thyroid carcinoma", "MTC", "MEN 2", "MEN2A", "MEN-2B",
       "multiple endocrine neoplasia type 2"]


def _facts(runtime: Runtime, text: str) -> dict[str, object]:
    return {f.fact: f.value for f in understand(text, runtime.catalog, runtime.dictionary, AS_OF).facts}


@pytest.mark.parametrize("name", MTC)
@pytest.mark.parametrize("form", ["Wegovy, history of {x}", "Wegovy for a patient whose mother had {x}",
                                  "Zepbound; family history of {x} (father)", "Ozempic. FHx: sister - {x}",
                                  "Mounjaro, personal history of {x}"])
def test_personal_or_family_mtc_is_a_contraindication(runtime: Runtime, name: str, form: str) -> None:
    text = form.format(x=name)
    assert _facts(runtime, text).get("mtc_men2_history") is True, text


@pytest.mark.parametrize("name", [*MTC, "thyroid cancer"])
@pytest.mark.parametrize("form", ["Wegovy, no family history of {x}", "Wegovy, denies personal or family history of {x}",
                                  "Wegovy; no personal/family hx of {x}", "Wegovy, negative for {x}"])
def test_negated_mtc(runtime: Runtime, name: str, form: str) -> None:
    text = form.format(x=name)
    assert _facts(runtime, text).get("mtc_men2_history") is False, text


def test_another_thyroid_cancer_says_nothing(runtime: Runtime) -> None:
    assert "mtc_men2_history" not in _facts(runtime, "Wegovy, history of papillary thyroid cancer")


@pytest.mark.parametrize(("text", "want"), [
    ("Wegovy; weight gain since her 2nd pregnancy", None), ("Wegovy, gained 20 kg after pregnancy", None),
    ("Wegovy, pregnancy in 2019", None), ("Wegovy, currently pregnant", True), ("Wegovy, she is pregnant", True),
    ("Wegovy, 16 weeks pregnant", True), ("Wegovy, pregnant (16 weeks)", True), ("Wegovy, not pregnant", False),
    ("Wegovy, urine pregnancy test negative", False), ("Wegovy, negative pregnancy test", False),
    ("Wegovy, positive hCG", True),
])
def test_pregnancy_now_not_history(runtime: Runtime, text: str, want: bool | None) -> None:
    assert _facts(runtime, text).get("pregnant") is want, text
