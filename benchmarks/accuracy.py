"""Text intake accuracy and latency on the labelled questions and notes.

    python benchmarks/accuracy.py [--runs 5] [--generated N] [--seed S]

Prints, for each set apart -- hand-labelled questions and notes (tests/intake/questions.yaml,
tests/intake/notes), the blind set (tests/intake/blind, written before the rules were changed
for it) and the generated questions (tests/intake/phrasings.py, N of them) -- per fact type
precision and recall, fact-level exact match (right values over every value labelled or
extracted), items with every fact right, and answer accuracy (answer kind, drug and
determination all as labelled); then extraction latency: one question (after start-up) and one two-page note (after the medspaCy pipeline
is built). Targets: >= 0.95 precision and recall per fact type, 100 % answers, a question
< 20 ms, a two-page note < 150 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

from mednec.labels import Score, load_notes, load_questions, run, score
from mednec.runtime import default_runtime

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.intake.phrasings
ROOT = Path(__file__).resolve().parents[1] / "tests" / "intake"
TWO_PAGE_NOTE = "n20-two-page-first-line.txt"


def _summary(title: str, s: Score) -> None:
    print(f"{title:28s} answers {s.answers_ok:5d}/{s.answers:<5d} ({100 * s.answer_match:5.1f} %)   "
          f"fact-level exact match {100 * s.fact_match:5.1f} % ({s.slots_ok}/{s.slots})   "
          f"items all facts right {s.items_exact}/{s.answers}")


def _table(title: str, s: Score, *, errors: int = 0) -> None:
    print(f"\n{title}: answers {s.answers_ok}/{s.answers} ({100 * s.answer_match:.1f} %), "
          f"fact-level exact match {100 * s.fact_match:.1f} %")
    print(f"  {'fact':40s} {'precision':>9s} {'recall':>7s} {'n':>5s}")
    for f in s.facts:
        n = s.tp.get(f, 0) + s.fn.get(f, 0)
        print(f"  {f:40s} {s.precision(f):9.3f} {s.recall(f):7.3f} {n:5d}")
    for e in s.errors[:errors]:
        print(f"  mismatch: {e}")
    if len(s.errors) > errors > 0:
        print(f"  ... {len(s.errors) - errors} more mismatches")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="timing runs per text (best and median reported)")
    ap.add_argument("--generated", type=int, default=0, help="generated questions to score (0: none)")
    ap.add_argument("--seed", type=int, default=31, help="seed of the generated questions (31: not looked at while fixing rules)")
    args = ap.parse_args()
    rt = default_runtime()
    as_of, questions = load_questions(ROOT / "questions.yaml")
    notes = load_notes(ROOT / "notes")
    note_as_of = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of))

    from mednec.intake.notes import pipeline, read_note
    from mednec.intake.question import understand

    t0 = time.perf_counter()
    understand("warm-up: Reblozyl for MDS", rt.catalog, rt.dictionary, note_as_of)
    q_start = time.perf_counter() - t0
    t0 = time.perf_counter()
    pipeline(rt.catalog)
    n_start = time.perf_counter() - t0

    qs = score(run(questions, rt, note_as_of), rt.dictionary, note_as_of)
    ns = score(run(notes, rt, note_as_of), rt.dictionary, note_as_of)
    _, blind_q = load_questions(ROOT / "blind" / "questions.yaml")
    blind_n = load_notes(ROOT / "blind" / "notes")
    bq = score(run(blind_q, rt, note_as_of), rt.dictionary, note_as_of)
    bn = score(run(blind_n, rt, note_as_of), rt.dictionary, note_as_of)
    gen = None
    if args.generated:
        from tests.intake.phrasings import generate

        gen_cases = generate(args.generated, seed=args.seed)
        gen = score(run(gen_cases, rt, note_as_of), rt.dictionary, note_as_of)
    hand = Score()
    for s_ in (qs, ns):
        hand.add(s_)
    _table(f"Hand-labelled questions ({len(questions)})", qs, errors=20)
    _table(f"Hand-labelled notes ({len(notes)})", ns, errors=20)
    _table(f"Blind questions ({len(blind_q)})", bq, errors=60)
    _table(f"Blind notes ({len(blind_n)})", bn, errors=60)
    if gen is not None:
        _table(f"Generated questions ({args.generated}, seed {args.seed})", gen, errors=30)
    worst = min((min(hand.precision(f), hand.recall(f)), f) for f in hand.facts)
    print(f"\nhand-labelled lowest per-fact score: {worst[0]:.3f} ({worst[1]})")
    print("\nSummary")
    _summary("hand-labelled questions", qs)
    _summary("hand-labelled notes", ns)
    _summary("blind questions", bq)
    _summary("blind notes", bn)
    if gen is not None:
        _summary("generated questions", gen)

    q_times = []
    for c in questions:
        best = min(_time(lambda c=c: understand(c.text, rt.catalog, rt.dictionary, note_as_of)) for _ in range(args.runs))  # noqa: E501
        q_times.append(best)
    note = next(c for c in notes if c.name == TWO_PAGE_NOTE)
    n_times = [_time(lambda: read_note(note.text, rt.catalog, rt.dictionary, note_as_of, name=note.name))
               for _ in range(args.runs)]
    print("\nLatency (after start-up)")
    print(f"  question start-up (rules compiled):     {q_start * 1000:8.1f} ms")
    print(f"  one question: median {statistics.median(q_times) * 1000:.2f} ms, "
          f"p95 {sorted(q_times)[int(0.95 * len(q_times))] * 1000:.2f} ms, max {max(q_times) * 1000:.2f} ms  (target < 20 ms)")  # noqa: E501
    print(f"  note pipeline start-up (medspaCy):      {n_start * 1000:8.1f} ms")
    n_cpu = [_cpu(lambda: read_note(note.text, rt.catalog, rt.dictionary, note_as_of, name=note.name))
             for _ in range(args.runs)]
    print(f"  two-page note ({len(note.text)} chars): best {min(n_times) * 1000:.1f} ms, "
          f"median {statistics.median(n_times) * 1000:.1f} ms wall; "
          f"best {min(n_cpu) * 1000:.1f} ms CPU  (target < 150 ms)")


def _time(fn: object) -> float:
    t0 = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - t0


def _cpu(fn: object) -> float:
    t0 = time.process_time()
    fn()  # type: ignore[operator]
    return time.process_time() - t0


if __name__ == "__main__":
    main()
