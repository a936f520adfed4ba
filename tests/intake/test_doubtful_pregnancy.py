"""A pregnancy stated with doubt is asked, never answered (mednec's editorial decision, 2026-12-07).

The GLP-1 weight-management policies presume "not pregnant" when a request is silent (the request
attests it) and do not meet when a pregnancy is stated. A *doubted* pregnancy -- "possible pregnancy",
"? pregnant", "may be pregnant", "hCG pending" -- is neither: it must not be presumed away (a silent
yes) nor read as established (a confident no). It is a warning sign that defeats the presumption, so
the criterion is unknown and the answer asks. Held out: written before the rule (round 4's f38 was
the one item; this is its family), first contact in the commit that adds it.
"""

from __future__ import annotations

import itertools

import pytest

from mednec.ask import answer
from mednec.runtime import Runtime
from tests.intake.conftest import AS_OF

DRUGS = ["Wegovy", "Zepbound", "Saxenda"]
BASE = "{drug} for chronic weight management: 34F, BMI 36, 6 months of diet and exercise; {s}"
DOUBTED = ["possible pregnancy", "possible pregnancy - hCG pending", "? pregnant", "?pregnant", "may be pregnant",
           "might be pregnant", "possibly pregnant", "pregnancy suspected", "suspected pregnancy",
           "cannot rule out pregnancy", "hCG pending", "pregnancy test pending", "beta-hCG pending",
           "LMP 7 weeks ago, pregnancy not yet ruled out", "pregnancy not excluded"]
STATED = ["pregnant", "currently pregnant", "16 weeks pregnant"]
DENIED = ["not pregnant", "negative pregnancy test today, not pregnant"]
SILENT = ["no other medical history"]


def _answer(runtime: Runtime, drug: str, s: str) -> tuple[str, str]:
    a = answer(BASE.format(drug=drug, s=s), runtime, as_of=AS_OF)
    assert a.determination is not None, a.message
    statuses = {c.id: c.status.value for c in a.determination.criteria}
    return a.determination.determination.value, statuses.get("not_pregnant", "absent")


@pytest.mark.parametrize(("drug", "s"), list(itertools.product(DRUGS, DOUBTED)))
def test_a_doubted_pregnancy_is_asked(runtime: Runtime, drug: str, s: str) -> None:
    assert _answer(runtime, drug, s) == ("insufficient_information", "unknown")


@pytest.mark.parametrize(("drug", "s"), list(itertools.product(DRUGS, STATED)))
def test_a_stated_pregnancy_does_not_meet(runtime: Runtime, drug: str, s: str) -> None:
    assert _answer(runtime, drug, s) == ("does_not_meet_criteria", "not_met")


@pytest.mark.parametrize(("drug", "s"), list(itertools.product(DRUGS, DENIED + SILENT)))
def test_a_denied_or_silent_pregnancy_meets(runtime: Runtime, drug: str, s: str) -> None:
    assert _answer(runtime, drug, s) == ("meets_criteria", "met")
