"""Text intake accuracy and latency on the labelled questions and notes.

    python benchmarks/accuracy.py [--runs 5]

Prints per fact type precision and recall (questions and notes together, and apart),
answer accuracy (answer kind, drug and determination all as labelled), and extraction
latency: one question (after start-up) and one two-page note (after the medspaCy pipeline
is built). Targets: >= 0.95 precision and recall per fact type, 100 % answers, a question
< 20 ms, a two-page note < 150 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from pathlib import Path

from mednec.intake.labels import Score, load_notes, load_questions, run, score
from mednec.runtime import default_runtime

ROOT = Path(__file__).resolve().parents[1] / "tests" / "intake"
TWO_PAGE_NOTE = "n20-two-page-first-line.txt"


def _table(title: str, s: Score) -> None:
    print(f"\n{title}: answers {s.answers_ok}/{s.answers} ({100 * s.answers_ok / max(1, s.answers):.1f} %)")
    print(f"  {'fact':40s} {'precision':>9s} {'recall':>7s} {'n':>4s}")
    for f in s.facts:
        n = s.tp.get(f, 0) + s.fn.get(f, 0)
        print(f"  {f:40s} {s.precision(f):9.3f} {s.recall(f):7.3f} {n:4d}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="timing runs per text (best and median reported)")
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
    pipeline(rt.dictionary)
    n_start = time.perf_counter() - t0

    qs = score(run(questions, rt, note_as_of), rt.dictionary, note_as_of)
    ns = score(run(notes, rt, note_as_of), rt.dictionary, note_as_of)
    both = Score()
    for s in (qs, ns):
        for d_all, d in ((both.tp, s.tp), (both.fp, s.fp), (both.fn, s.fn)):
            for k, v in d.items():
                d_all[k] = d_all.get(k, 0) + v
        both.answers += s.answers
        both.answers_ok += s.answers_ok
        both.errors += s.errors
    _table(f"Questions ({len(questions)})", qs)
    _table(f"Notes ({len(notes)})", ns)
    _table("All", both)
    worst = min((min(both.precision(f), both.recall(f)), f) for f in both.facts)
    print(f"\nlowest per-fact score: {worst[0]:.3f} ({worst[1]})")
    for e in both.errors:
        print(f"  mismatch: {e}")

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
