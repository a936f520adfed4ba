"""Shared fixtures for text intake: the labelled corpora, run once per session."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mednec.ask import answer
from mednec.labels import Case, Result, load_notes, load_questions, run
from mednec.runtime import Runtime

HERE = Path(__file__).resolve().parent
AS_OF = dt.date(2026, 11, 20)


@pytest.fixture(scope="session")
def question_cases() -> list[Case]:
    as_of, cases = load_questions(HERE / "questions.yaml")
    assert as_of == AS_OF
    return cases


@pytest.fixture(scope="session")
def note_cases() -> list[Case]:
    return load_notes(HERE / "notes")


@pytest.fixture(scope="session")
def question_results(runtime: Runtime, question_cases: list[Case]) -> list[Result]:
    return run(question_cases, runtime, AS_OF)


@pytest.fixture(scope="session")
def note_results(runtime: Runtime, note_cases: list[Case]) -> list[Result]:
    return run(note_cases, runtime, AS_OF)


def criterion_status(runtime: Runtime, text: str, criterion: str) -> tuple[str, str]:
    """The determination of the question ``text`` (as of :data:`AS_OF`) and one criterion's status in it
    (``absent`` when the policy has no such criterion)."""
    a = answer(text, runtime, as_of=AS_OF)
    assert a.determination is not None, (text, a.kind, a.message)
    d = a.determination
    return d.determination.value, {c.id: c.status.value for c in d.criteria}.get(criterion, "absent")
