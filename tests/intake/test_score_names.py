"""A risk score named the way clinicians write it: the score's name, then its value, with or without
the word "score" ("IPSS-R 2.5", "IPSS-R of 2.5", "IPSS-R: 3", "R-IPSS 2.5", "revised IPSS 4").
Before, only "IPSS-R score 2.5" was read; the rest were listed as not understood and the answer
asked for a risk category the question had given. The family: every name x separator x value on
both sides of the 3.5 low/intermediate boundary, and a category word after the name is still the
category (never a score taken from a number later in the sentence)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from mednec.intake.question import understand
from mednec.runtime import Runtime
from tests.intake.conftest import AS_OF

NAMES = ("IPSS-R", "IPSS-R score", "R-IPSS", "revised IPSS", "IPSS-R total score")
SEPARATORS = (" ", " of ", ": ", " = ", " was ")
VALUES = ("1", "2.5", "3.5", "4", "6.5")


def _facts(text: str, runtime: Runtime) -> dict[str, Any]:
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    return {k: fv.value for k, fv in runtime.parse_case(u.case, as_of=AS_OF, source="question").facts.items()}


@pytest.mark.parametrize(("name", "sep", "value"), list(itertools.product(NAMES, SEPARATORS, VALUES)))
def test_the_score_is_read_after_its_name(runtime: Runtime, name: str, sep: str, value: str) -> None:
    facts = _facts(f"Is Reblozyl appropriate for MDS with {name}{sep}{value}, transfusing 4 units every 8 weeks?",
                   runtime)
    assert facts.get("ipss_r_score") == pytest.approx(float(value))


@pytest.mark.parametrize(("text", "category"), [
    ("Reblozyl for MDS, IPSS-R very low, 4 units in 8 weeks", "very_low"),
    ("Reblozyl for MDS, IPSS-R low risk, Hb 7.9", "low"),
    ("Reblozyl for MDS, IPSS-R intermediate, 2 units every 4 weeks", "intermediate"),
])
def test_a_category_after_the_name_is_no_score(runtime: Runtime, text: str, category: str) -> None:
    facts = _facts(text, runtime)
    assert facts.get("ipss_r_category") == category
    assert "ipss_r_score" not in facts
