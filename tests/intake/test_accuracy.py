"""The labelled questions and notes: per-fact precision and recall >= 0.95 and every answer
(kind, drug, determination) as labelled. `python benchmarks/accuracy.py` prints the tables."""

from __future__ import annotations

from mednec.labels import Case, Result, Score, score
from mednec.runtime import Runtime
from tests.intake.conftest import AS_OF

TARGET = 0.95


def _check(s: Score) -> None:
    low = [f"{f}: precision {s.precision(f):.3f}, recall {s.recall(f):.3f}" for f in s.facts
           if s.precision(f) < TARGET or s.recall(f) < TARGET]
    assert not low, "below target:\n" + "\n".join(low) + "\nmismatches:\n" + "\n".join(s.errors)


def test_corpus_sizes(question_cases: list[Case], note_cases: list[Case]) -> None:
    assert len(question_cases) >= 80
    assert len(note_cases) >= 20
    assert len({c.id for c in question_cases}) == len(question_cases)
    kinds = {c.answer for c in question_cases}
    assert kinds == {"determination", "no_policy", "not_necessity", "choose_drug"}
    dets = {c.determination for c in question_cases + note_cases if c.determination}
    assert dets == {"meets_criteria", "does_not_meet_criteria", "insufficient_information"}


def test_example_page_questions_are_in_the_set(question_cases: list[Case]) -> None:
    texts = {c.text for c in question_cases}
    assert ("Is Luspatercept-aamt (Luspatercept) medically necessary and appropriate for a patient with "
            "myelodysplastic syndrome (MDS) who has a history of red blood cell transfusions?") in texts
    assert sum(c.id.startswith("seed-related") for c in question_cases) == 11


def test_question_facts(runtime: Runtime, question_results: list[Result]) -> None:
    _check(score(question_results, runtime.dictionary, AS_OF))


def test_note_facts(runtime: Runtime, note_results: list[Result]) -> None:
    _check(score(note_results, runtime.dictionary, AS_OF))


def test_every_answer_as_labelled(question_results: list[Result], note_results: list[Result]) -> None:
    wrong = [f"{r.case.id}: got {r.answer}/{r.drug}/{r.determination}, labelled "
             f"{r.case.answer}/{r.case.drug}/{r.case.determination}"
             for r in question_results + note_results if not r.answer_ok]
    assert not wrong, "\n".join(wrong)
