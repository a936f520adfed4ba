"""Family test (held-out round 3, r69): a negation's scope and a comma. "no ASCVD, type 2 diabetes" must not
turn into a confident "no diabetes": a comma that starts a new affirmative clause ("no history of MI, has
T2DM", "denies chest pain; hypertension", "no CVD. DM2 on metformin") ends the negation; a real list, closed
by "or", "nor" or "and" ("no ASCVD, diabetes or CKD"), is negated whole; a list of commas only, never closed
("no ASCVD, hypertension"), may be either, so its later items are left unknown (asked), never negated."""

from __future__ import annotations

import pytest

from mednec.intake.question import understand
from mednec.runtime import Runtime
from tests.intake.conftest import AS_OF


def _facts(text: str, runtime: Runtime) -> dict[str, object]:
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    return {f.fact: f.value for f in u.facts}


def _diabetes(f: dict[str, object]) -> object:
    if f.get("type2_diabetes") is not None:
        return f["type2_diabetes"]
    return True if str(f.get("diagnosis", "")).startswith("E11") else None


#: (text, fact, expected): ``None`` = not read (asked)
CASES: list[tuple[str, str, object]] = [
    # the negated item itself stays negated
    ("Leqvio, no ASCVD, type 2 diabetes, LDL 115", "ascvd_stated", False),
    ("Leqvio; no history of MI, has T2DM", "prior_mi", False),
    # a new affirmative clause after the comma, semicolon or full stop
    ("Leqvio; no history of MI, has T2DM", "diabetes", True),
    ("Leqvio; no ASCVD, but type 2 diabetes", "diabetes", True),
    ("Leqvio; no CVD. DM2 on metformin", "diabetes", True),
    ("Leqvio; denies chest pain; hypertension", "hypertension", True),
    ("Leqvio; no ASCVD; hypertension", "hypertension", True),
    ("Leqvio; no ASCVD, has hypertension", "hypertension", True),
    # a comma alone, the list never closed: the later item is not negated (asked, or read when its own words say)
    ("Leqvio, no ASCVD, type 2 diabetes, LDL 115", "diabetes_not_false", True),
    ("Leqvio; no ASCVD, hypertension", "hypertension", None),
    ("Leqvio; no MI, stroke, LDL 190", "prior_ischemic_stroke", None),
    # a real list, closed by or / nor / and: every item negated
    ("Leqvio; no ASCVD, hypertension or CKD", "hypertension", False),
    ("Leqvio; no MI, stroke or PAD, LDL 190", "prior_ischemic_stroke", False),
    ("Leqvio; no MI, stroke or PAD, LDL 190", "symptomatic_pad", False),
    ("Leqvio; no history of heart attack, stroke, or PAD", "prior_ischemic_stroke", False),
    ("Leqvio; denies MI, stroke and PAD", "prior_ischemic_stroke", False),
    ("Leqvio; no MI or stroke", "prior_ischemic_stroke", False),
]


@pytest.mark.parametrize(("text", "fact", "want"), CASES)
def test_negation_scope_at_a_comma(runtime: Runtime, text: str, fact: str, want: object) -> None:
    f = _facts(text, runtime)
    if fact == "diabetes":
        assert _diabetes(f) is want
    elif fact == "diabetes_not_false":
        assert _diabetes(f) is not False and f.get("type2_diabetes") is not False
    else:
        assert f.get(fact) is want


@pytest.mark.parametrize(("text", "fact", "want"), [
    # added with the fix: a typed diagnosis with a digit is a list item, not a value ending the list
    ("Leqvio; no ASCVD, type 2 diabetes or CKD", "type2_diabetes_not_true", True),
    ("Leqvio; no MI, type 2 diabetes, LDL 190", "diabetes_not_false", True),
])
def test_a_digit_in_a_name_is_not_a_value(runtime: Runtime, text: str, fact: str, want: object) -> None:
    f = _facts(text, runtime)
    if fact == "type2_diabetes_not_true":
        assert _diabetes(f) is not True
    else:
        assert _diabetes(f) is not False and f.get("type2_diabetes") is not False
