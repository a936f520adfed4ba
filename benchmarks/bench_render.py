"""Document rendering benchmark: `python benchmarks/bench_render.py [--repeat N] [--json FILE]`.

Prints, per format (markdown, html, json, pdf) and document (the first-line article for each
audience, and the letter, denial notice and information request of the bundled examples):
* the first render in the process (template compilation, evidence loading, imports);
* the best and median of N renders after that (determination + article + rendering);
* the output size;
* the CPU time of the first render and of the best later one (this process's CPU seconds, all its
  threads): the figure that stays meaningful when other processes share the machine;
and the load average before and after, and the cold start of ``mednec evaluate`` and ``mednec report`` (fresh processes, median of 3).

Target (issue #4): < 200 ms per article after start-up in every format, PDF included (Typst):
the best of the N renders, and the first render of every article but the format's first one
(which pays for start-up: template compilation, for PDF also font loading). For PDF that first
render is a compile Typst has not memoised; later renders of the same document reuse Typst's
memoised layout. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from mednec.render.article import ArticleSources
from mednec.render.formats import render
from mednec.render.letters import build_document
from mednec.runtime import default_runtime

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
JOBS = (
    ("luspatercept-first-line.yaml", "initial", "article", "clinician"),
    ("luspatercept-first-line.yaml", "initial", "article", "payer"),
    ("luspatercept-first-line.yaml", "initial", "article", "patient"),
    ("luspatercept-after-esa-failure.yaml", "initial", "letter", "clinician"),
    ("luspatercept-del5q.yaml", "initial", "denial", "patient"),
    ("luspatercept-missing-epo.yaml", "initial", "info-request", "clinician"),
)
TARGET_S = 0.2


def _build(file: str, phase: str, document: str, audience: str) -> Any:
    rt = default_runtime()
    case = rt.read_case(EXAMPLES / file)
    policy = rt.catalog.find_drug("luspatercept")
    det = rt.evaluate(case.facts, policy, phase=phase)
    src = ArticleSources.of(policy, rt.catalog.pack_of(policy), rt.dictionary, case_name=file, case_title=case.title)
    return build_document(det, src, document=document, audience=audience)


def _time(fn: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def _timed(fn: Any) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds of this process, result)."""
    c = time.process_time()
    wall, out = _time(fn)
    return wall, time.process_time() - c, out


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # not every platform has it
        return "n/a"


def _cold(args: list[str]) -> float:
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mednec", *args], capture_output=True, check=True, cwd=ROOT)
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="renders per document and format after the first")
    ap.add_argument("--json", type=Path, help="also write the results as JSON")
    ap.add_argument("--no-pdf", action="store_true", help="skip PDF (Typst)")
    args = ap.parse_args()
    formats = ("markdown", "html", "json") + (() if args.no_pdf else ("pdf",))
    rows = []
    ok = True
    t0 = time.perf_counter()
    default_runtime()
    print(f"runtime load (dictionary + policies): {(time.perf_counter() - t0) * 1000:.0f} ms")
    load_before = _load()
    print(f"load average (1, 5, 15 min) before: {load_before}; {os.cpu_count()} CPUs")
    print(f"{'document':44} {'format':9} {'first':>9} {'best':>9} {'median':>9} {'1st CPU':>9} {'best CPU':>9}  size")
    for fmt in formats:
        repeat = max(1, args.repeat)
        for i, (file, phase, document, audience) in enumerate(JOBS):
            first, first_cpu, out = _timed(lambda: render(_build(file, phase, document, audience), fmt))  # noqa: B023
            runs = [_timed(lambda: render(_build(file, phase, document, audience), fmt))[:2]  # noqa: B023
                    for _ in range(repeat)]
            times = [w for w, _ in runs]
            best, median, best_cpu = min(times), statistics.median(times), min(c for _, c in runs)
            size = f"{len(out):,} bytes"
            name = f"{file.removeprefix('luspatercept-').removesuffix('.yaml')} {document} ({audience})"
            print(f"{name:44} {fmt:9} {first * 1000:7.0f}ms {best * 1000:7.1f}ms {median * 1000:7.1f}ms "
                  f"{first_cpu * 1000:7.0f}ms {best_cpu * 1000:7.1f}ms  {size}")
            if document == "article" and (best >= TARGET_S or (i > 0 and first >= TARGET_S)):
                ok = False
            rows.append({"document": name, "format": fmt, "first_ms": first * 1000, "best_ms": best * 1000,
                         "median_ms": median * 1000, "first_cpu_ms": first_cpu * 1000,
                         "best_cpu_ms": best_cpu * 1000, "size": len(out)})
    case = str(EXAMPLES / "luspatercept-first-line.yaml")
    cold = {
        "evaluate_json": _cold(["evaluate", case, "--drug", "luspatercept", "--format", "json"]),
        "report_markdown": _cold(["report", case, "--drug", "luspatercept"]),
    }
    print(f"cold start: mednec evaluate --format json {cold['evaluate_json']:.2f} s; "
          f"mednec report (markdown) {cold['report_markdown']:.2f} s")
    print(f"load average (1, 5, 15 min) after: {_load()}")
    if args.json:
        args.json.write_text(json.dumps({"renders": rows, "cold_start_s": cold, "load_before": load_before,
                                         "load_after": _load()}, indent=2))
    print("targets met" if ok else f"TARGET MISSED: an article took >= {TARGET_S * 1000:.0f} ms")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
