"""Family test (held-out round 4, f52): a finding stated with doubt is neither present nor absent.
"?MI in 2020 (troponin leak, never confirmed)" was read as a prior MI (a confident "meets" for Wegovy's
cardiovascular pathway). A doubt -- "?" right before the finding, "possible", "probable", "questionable",
"suspected", "concern for", "cannot rule out", or "never confirmed" / "unconfirmed" after it -- leaves the
finding unused (its criterion stays unknown and is asked), for every condition fact of every pack; the same
words without the doubt are still read, and the diagnostic categories "possible FH" (Simon Broome) and
"probable FH" (Dutch Lipid Clinic) are no doubt. A warning sign or contraindication said with doubt
("acute GI bleed suspected", "possible MEN 2", "possible pregnancy") is kept: it must never be presumed absent
because it was doubted. A doubted contraindication is kept as its warning sign, not as the contraindication
("possible MEN 2" is mtc_men2_possible, which makes the criterion a question: a confident "does not meet" on a
doubt was as wrong as a silent yes; tests/intake/test_doubtful_contraindications.py, 2026-12-07)."""

from __future__ import annotations

import itertools

import pytest

from mednec.intake.question import understand
from mednec.runtime import Runtime
from tests.intake.conftest import AS_OF

#: (drug the question names, words of the finding, fact, the value read without doubt)
FINDINGS = [
    ("Repatha", "MI", "prior_mi", True),
    ("Wegovy", "heart attack", "prior_mi", True),
    ("Leqvio", "ischemic stroke", "prior_ischemic_stroke", True),
    ("Praluent", "PAD", "symptomatic_pad", True),
    ("Zepbound", "OSA", "obstructive_sleep_apnea", True),
    ("Saxenda", "hypertension", "hypertension", True),
    ("Repatha", "TIA", "tia", True),
]
BEFORE = ["?{w}", "? {w}", "possible {w}", "probable {w}", "questionable {w}", "suspected {w}", "query {w}",
          "concern for {w}", "cannot rule out {w}", "possibly {w}"]
AFTER = ["{w} in 2020 (never confirmed)", "{w}, not confirmed", "{w} - unconfirmed", "{w} (suspected)"]


def _facts(text: str, runtime: Runtime) -> dict[str, object]:
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    return {f.fact: f.value for f in u.findings}


CASES = [(f"{drug}: BMI 31, LDL 120, {form.format(w=w)}, 3 months of diet", fact)
         for (drug, w, fact, _v), form in itertools.product(FINDINGS, BEFORE + AFTER)]


@pytest.mark.parametrize(("text", "fact"), CASES)
def test_a_doubtful_finding_is_not_read(runtime: Runtime, text: str, fact: str) -> None:
    assert fact not in _facts(text, runtime)


@pytest.mark.parametrize(("drug", "w", "fact", "value"), FINDINGS)
def test_the_same_words_without_doubt_are_read(runtime: Runtime, drug: str, w: str, fact: str, value: object) -> None:
    assert _facts(f"{drug}: BMI 31, LDL 120, {w} in 2020, 3 months of diet", runtime).get(fact) is value


@pytest.mark.parametrize("text", [
    "Praluent: probable FH (DLCN 7), LDL 130",
    "Repatha: Dutch Lipid Clinic score 7, probable FH, LDL 150",
    "Does she qualify? MI in 2020, LDL 110 on atorvastatin 80",
])
def test_categories_and_question_marks_are_no_doubt(runtime: Runtime, text: str) -> None:
    f = _facts(text, runtime)
    if "DLCN" in text or "Dutch" in text:
        assert f.get("dlcn_score") == 7
    else:
        assert f.get("prior_mi") is True


@pytest.mark.parametrize(("text", "fact"), [
    ("Wegovy: BMI 31, 3 months of diet, possible MEN 2", "mtc_men2_possible"),
    ("Wegovy: BMI 31, 3 months of diet, ?medullary thyroid carcinoma in 2019", "mtc_men2_possible"),
    ("Reblozyl for MDS IPSS-R low, RS 22%, Hb 8.1, suspected acute GI bleed", "acute_bleeding"),
    ("Reblozyl for MDS IPSS-R low, RS 22%, Hb 8.1, acute GI bleed suspected", "acute_bleeding"),
])
def test_a_doubtful_warning_sign_is_kept(runtime: Runtime, text: str, fact: str) -> None:
    assert _facts(text, runtime).get(fact) is True
