"""Family test (held-out round 4, fn06): "Denies personal or family history of thyroid cancer, MTC or MEN2"
was read as an MTC history (a confident "does not meet" for Wegovy), and "denies personal or family
history of MI, stroke or PAD" as a stroke and PAD (a confident "meets" for an LDL drug): the "or" of
"personal or family" was taken as the end of the negation's object. A negation of a personal-or-family
history reaches the whole list after it, and denies the patient's own history too (not only a
relative's); a relative's history stated without "personal" stays the relative's."""

from __future__ import annotations

import itertools

import pytest

from mednec.intake.question import understand
from mednec.runtime import Runtime
from tests.intake.conftest import AS_OF

CUES = ["no", "denies", "No", "negative for", "no known"]
WHOSE = ["personal or family history of", "personal/family hx of", "personal and family history of",
         "personal history or family history of", "personal or family hx of", "personal and/or family history of"]
#: (drug, list, facts of the list)
LISTS = [
    ("Wegovy", "thyroid cancer, MTC or MEN2", ["mtc_men2_history"]),
    ("Zepbound", "MTC or MEN 2", ["mtc_men2_history"]),
    ("Repatha", "MI, stroke or PAD", ["prior_mi", "prior_ischemic_stroke", "symptomatic_pad"]),
    ("Leqvio", "heart attack or stroke", ["prior_mi", "prior_ischemic_stroke"]),
]


def _read(text: str, runtime: Runtime) -> list[tuple[str, object]]:
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    return [(f.fact, f.value) for f in u.findings]


CASES = [(f"{drug}: BMI 35, LDL 120, {cue} {whose} {items}. 6 months of diet", facts)
         for cue, whose, (drug, items, facts) in itertools.product(CUES, WHOSE, LISTS)]


@pytest.mark.parametrize(("text", "facts"), CASES)
def test_denied_for_the_patient_and_never_read_present(runtime: Runtime, text: str, facts: list[str]) -> None:
    read = _read(text, runtime)
    assert not [f for f, v in read if f in facts and v is True]
    for fact in facts:
        assert (fact, False) in read


@pytest.mark.parametrize("text", [
    "Repatha: LDL 120, family history of MI in his father",
    "Repatha: LDL 120, father had an MI at 50",
])
def test_a_relatives_history_alone_is_not_the_patients(runtime: Runtime, text: str) -> None:
    assert "prior_mi" not in dict(_read(text, runtime))
