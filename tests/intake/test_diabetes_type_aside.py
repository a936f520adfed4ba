"""A diabetes type with a bracketed aside between the type and the word "diabetes" (held-out round 5 v44:
"adult with type 2 (not type 1) diabetes"): the aside's "not" negated the diagnosis, so type 2 diabetes was
not read and the Mounjaro request asked for it. Generated over asides and forms; type 2 must be read, and
"not type 1" read as no type 1. Controls: "no (type 2) diabetes" stays a denial."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.question import understand
from mednec.runtime import default_runtime

AS_OF = dt.date(2026, 12, 6)
RT = default_runtime()

ASIDES = ["(not type 1)", "(NOT type 1)", "(not type I)", "(non-insulin dependent)", "(adult onset)", "(on orals)"]
FORMS = ["type 2 {a} diabetes", "type II {a} diabetes mellitus", "type 2 {a} DM"]
DRUGS = ["Mounjaro", "Ozempic"]


def _facts(text: str) -> dict[str, object]:
    u = understand(text, RT.catalog, RT.dictionary, AS_OF)
    return {k: v.value for k, v in RT.parse_case(u.case, as_of=AS_OF).facts.items()}


@pytest.mark.parametrize(("aside", "form", "drug"), list(itertools.product(ASIDES, FORMS, DRUGS)))
def test_the_type_is_read_across_the_aside(aside: str, form: str, drug: str) -> None:
    text = f"{drug} request: adult with {form.format(a=aside)}, A1c 8.2, on glipizide 10 mg daily"
    got = _facts(text)
    assert got.get("type2_diabetes") is True or str(got.get("diagnosis", "")).startswith("E11"), (text, got)
    assert got.get("type1_diabetes") is not True, (text, got)
    if "type" in aside.lower():
        assert got.get("type1_diabetes") is False, (text, got)


def test_a_denial_stays_a_denial() -> None:
    got = _facts("Wegovy for BMI 31, no (type 2) diabetes, 4 months of a diet program")
    assert got.get("type2_diabetes") is not True, got
