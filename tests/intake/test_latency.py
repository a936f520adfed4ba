"""Extraction latency after start-up: one question < 20 ms, one two-page note < 150 ms.

Each text takes its best of several runs, timed as this process's CPU time (``time.process_time``):
what extraction costs, without the waits a machine busy with other work adds to the wall clock.
`python benchmarks/accuracy.py` reports wall-clock times as well.
"""

from __future__ import annotations

import time

from mednec.intake.notes import read_note
from mednec.intake.question import understand
from mednec.labels import Case
from mednec.runtime import Runtime
from tests.intake.conftest import AS_OF


def _best(fn: object, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        t0 = time.process_time()
        fn()  # type: ignore[operator]
        best = min(best, time.process_time() - t0)
    return best


def test_one_question_under_20_ms(runtime: Runtime, question_cases: list[Case]) -> None:
    understand("warm-up", runtime.catalog, runtime.dictionary, AS_OF)
    slow = {}
    for c in question_cases:
        t = _best(lambda c=c: understand(c.text, runtime.catalog, runtime.dictionary, AS_OF))
        if t >= 0.020:
            slow[c.id] = round(t * 1000, 1)
    assert not slow, f"questions over 20 ms: {slow}"


def test_two_page_note_under_150_ms(runtime: Runtime, note_cases: list[Case]) -> None:
    note = next(c for c in note_cases if c.name == "n20-two-page-first-line.txt")
    assert len(note.text) >= 6000  # two pages
    read_note("warm-up", runtime.catalog, runtime.dictionary, AS_OF)
    t = _best(lambda: read_note(note.text, runtime.catalog, runtime.dictionary, AS_OF, name=note.name), runs=7)
    assert t < 0.150, f"two-page note took {t * 1000:.0f} ms"
