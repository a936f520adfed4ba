"""The blind set (tests/intake/blind): 40 questions and 10 notes written before the rules were tuned
for them. Its labels must agree with the policies on main (a label's determination is what the
policies give on its own facts), and it is scored by `python benchmarks/accuracy.py`."""

from __future__ import annotations

from pathlib import Path

import pytest

from mednec.labels import Case, label_determination, load_notes, load_questions
from mednec.runtime import Runtime
from tests.intake.conftest import AS_OF

BLIND = Path(__file__).resolve().parent / "blind"


@pytest.fixture(scope="module")
def blind_cases() -> list[Case]:
    as_of, qs = load_questions(BLIND / "questions.yaml")
    assert as_of == AS_OF
    return qs + load_notes(BLIND / "notes")


def test_blind_set_size(blind_cases: list[Case]) -> None:
    assert sum(c.kind == "question" for c in blind_cases) == 40
    assert sum(c.kind == "note" for c in blind_cases) == 10
    assert len({c.id for c in blind_cases}) == len(blind_cases)


def test_blind_labels_follow_the_policies(runtime: Runtime, blind_cases: list[Case]) -> None:
    """A labelled determination is the current policies' answer on the labelled facts (when a policy
    changes, the label changes with it, in a commit that says so)."""
    wrong = [f"{c.id}: labelled {c.determination}, policies give {d}" for c in blind_cases
             if c.answer == "determination" and not c.question
             and (d := label_determination(c, runtime, AS_OF)) != c.determination]
    assert not wrong, "\n".join(wrong)
