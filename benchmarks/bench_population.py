"""Population benchmark: ``python benchmarks/bench_population.py [--n N] [--rowwise-n N] [--large] [--json FILE]``.

Generates a reproducible synthetic population (``mednec.population.synthetic``, seed 2026) as a
Parquet fact table and as a FHIR Bulk Data export, then runs ``mednec batch`` on each in a fresh
process and prints, side by side in one run:

* columnar and row-wise patients/s (and patient-policy evaluations/s) from the Parquet table;
* row-wise patients/s from the Bulk NDJSON export, parsing included (each patient's resources
  become a Bundle read by the FHIR intake), and column-wise (``--engine columnar``: the export read
  column by column by ``mednec.population.bulk_columns``, patients with resources that reader does not
  model through the per-bundle intake; the share read column-wise is printed);
* each with one process and with every core (``--workers`` = cores: forked worker processes that
  read their own chunks; ``--dask`` adds the same on a local Dask cluster, for comparison);
* mednec's modules are compiled to bytecode first (as ``pip install`` does for an installed package), so
  no run compiles them inside its timed seconds when PYTHONDONTWRITEBYTECODE is set;
* rates use the run's own time (``seconds`` in the JSON summary: reading, evaluating and writing,
  not the ~1 s start-up of the interpreter, which the wall-clock column includes);
* the peak memory of the whole process tree (the run and its workers), sampled every 100 ms from
  /proc: the sum of each process's proportional set size (PSS: a page shared by forked workers
  counted once, split between them; resident size where PSS is not available). Reading a process's
  ``smaps_rollup`` walks its page tables under its memory-map lock, so sampling slows what it measures:
  every 20 ms it added about 0.15 s to the 1-second Bulk run (20,000 patients, two workers: 1.11-1.18 s
  against 0.98-1.03 s unobserved, four runs each, quiet host, 2026-12-07 15:23 UTC); every 100 ms, 0.99-1.19
  s. So each measurement is ``--repeat`` unobserved runs (default 3), the fastest reported, as
  ``bench_engine.py`` reports the best of its passes (a 1-second run on this 2-core virtual machine varies by
  10-30 % between back-to-back runs: the host takes CPU time from it, /proc/stat's steal column grew by up to
  80 ms during one run), and one more run, observed, for its peak memory; the 1,000,000-patient runs are
  made once, observed;
* the CPU time the tree used (interpreter start-up included, about 1-2 s), from the kernel's accounting of
  the reaped processes (``getrusage(RUSAGE_CHILDREN)``: exact, no sampling): evaluations per CPU-second is
  the figure to compare when other work shares the machine;
* a run whose chunks took a slow route (the run's notes: a calculator patient by patient, values
  through the case-file parser, a policy or chunk row-wise) is flagged loudly (``SLOW ROUTE``), since
  its rate says nothing about the columnar engine (a stale fingerprint sends every row there).

The row-wise runs use a smaller population (``--rowwise-n``, default 5,000) so the run finishes
in minutes, the column-wise Bulk run ``--bulk-n`` (default 20,000); rates are per patient, so they
compare. ``--large`` adds the columnar run at
1,000,000 patients (about 2 minutes to generate), for the memory target.

Targets (issue 20, 2 cores): columnar from Parquet >= 200,000 patient-policy evaluations/s; from
Bulk NDJSON including parsing >= 20,000 patients/s; peak memory <= 500 MB at 1,000,000 patients. The issue
does not say for how many policies a Bulk patient is evaluated; its own FHIR figures were for one
(luspatercept), so the column-wise Bulk run is made, and checked against the target, both ways: with the five
MDS policies and with Reblozyl alone. Exits 1 when a target measured in this run is missed or a columnar run
took a slow route. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ("Reblozyl", "imetelstat", "lenalidomide", "epoetin alfa", "darbepoetin alfa")
ONE_POLICY = ("Reblozyl",)
TARGET_EVALS_PER_S = 200_000.0
TARGET_PEAK_MB_1M = 500.0
TARGET_BULK_PATIENTS_PER_S = 20_000.0
#: How often the process tree's memory and CPU are read (see the module docstring: reading them slows the run)
_SAMPLE_S = 0.1


@dataclass
class Result:
    label: str
    source: str
    engine: str
    workers: int
    patients: int
    rows: int
    seconds: float
    wall_seconds: float
    peak_mb: float
    cpu_seconds: float = 0.0
    read_rowwise: int | None = None  # Bulk read column-wise: patients read through the per-bundle intake
    notes: tuple[str, ...] = ()  # the run's notes (a slow route taken, for a columnar run)
    engines: dict[str, int] | None = None  # chunks per engine
    load: tuple[float, float] = (0.0, 0.0)  # the 1-minute load average at the start and the end of the run
    at: str = ""  # when the run started (UTC)
    policies: int = 0  # how many policies each patient was evaluated for

    @property
    def patients_per_cpu_s(self) -> float:
        return self.patients / self.cpu_seconds if self.cpu_seconds else 0.0

    @property
    def evals_per_cpu_s(self) -> float:
        return self.rows / self.cpu_seconds if self.cpu_seconds else 0.0

    @property
    def patients_per_s(self) -> float:
        return self.patients / self.seconds

    @property
    def evals_per_s(self) -> float:
        return self.rows / self.seconds


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                out.extend(int(c) for c in fh.read().split())
    except OSError:
        pass
    return out


def _rss_kb(pid: int) -> int:
    """The process's proportional set size (kB; resident size where /proc has no smaps_rollup)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree(root: int) -> list[int]:
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(_children(pid))
    return out


def _tree_rss_kb(pids: list[int]) -> int:
    return sum(_rss_kb(pid) for pid in pids)


def _run(label: str, source: str, engine: str, workers: int, patients: int, src: Path, out: Path,
         dask: bool = False, policies: tuple[str, ...] = POLICIES, *, observe: bool = True) -> Result:
    """One ``mednec batch`` run. ``observe``: the process tree's memory sampled every ``_SAMPLE_S`` (which slows
    the run: see the module docstring); unobserved, the peak is 0 and the run is timed alone. The CPU time is
    the tree's, from the kernel's accounting of the reaped processes (no sampling)."""
    import resource

    cmd = [sys.executable, "-m", "mednec", "batch", str(src), "--out", str(out), "--engine", engine,
           "--quiet", "--overwrite", "--as-of", "2026-11-20", "--format", "json"]
    for p in policies:
        cmd += ["--policy", p]
    if workers > 1:
        cmd += ["--workers", str(workers)] + (["--dask"] if dask else [])
    load0, at = os.getloadavg()[0], time.strftime("%H:%M:%S", time.gmtime())
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = 0
    if observe:
        while proc.poll() is None:
            peak = max(peak, _tree_rss_kb(_tree(proc.pid)))
            time.sleep(_SAMPLE_S)
    stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{label}: mednec batch exited {proc.returncode}\n{stderr.decode(errors='replace')[-2000:]}")
    summary = json.loads(stdout or b"{}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    read_rowwise = summary.get("bulk_read_rowwise")
    return Result(label, source, engine, workers, patients, int(summary["rows"]), float(summary["seconds"]), seconds,
                  peak / 1024, cpu, None if read_rowwise is None else int(read_rowwise),
                  tuple(summary.get("notes", ())), dict(summary.get("engines", {})), (load0, os.getloadavg()[0]), at,
                  len(policies))


def _best(times: int, *args: Any) -> Result:
    """The fastest of ``times`` unobserved runs of :func:`_run` (``args``), with the peak memory of one more run,
    observed, and the notes of all."""
    results = [_run(*args, observe=False) for _ in range(max(1, times))]
    observed = _run(*args, observe=True)
    best = min(results, key=lambda r: r.seconds)
    notes = tuple(dict.fromkeys(n for r in (*results, observed) for n in r.notes))
    return replace(best, peak_mb=observed.peak_mb, notes=notes)


def slow_routes(r: Result) -> list[str]:
    """Why a columnar run's rate does not measure the columnar engine: its notes (each a slow route
    some chunk took) and the chunks the row-wise engine answered."""
    if r.engine != "columnar":
        return []
    out = list(r.notes)
    rowwise = (r.engines or {}).get("rowwise", 0)
    if rowwise:
        out.append(f"{rowwise} chunk(s) answered by the row-wise engine")
    return out


def _warn(r: Result) -> None:
    why = slow_routes(r)
    if why:
        bar = "!" * 100
        text = "\n".join([bar, f"SLOW ROUTE: {r.label}: some chunks did not take the columnar fast path, so this "
                                "rate does not measure it:", *(f"  - {w}" for w in why), bar])
        print(text, flush=True)
        print(text, file=sys.stderr, flush=True)


def _line(r: Result) -> str:
    return (f"{r.label:50} {r.patients:>9,} patients {r.patients_per_s:>9,.0f} patients/s "
            f"{r.evals_per_s:>10,.0f} evals/s  wall {r.wall_seconds:6.1f} s  peak {r.peak_mb:5,.0f} MB  "
            f"CPU {r.cpu_seconds:6.1f} s ({r.evals_per_cpu_s:,.0f} evals, {r.patients_per_cpu_s:,.0f} patients "
            f"per CPU-second)  {r.at} UTC, load {r.load[0]:.1f}-{r.load[1]:.1f}" + ("" if r.read_rowwise is None else
                                 f"  read column-wise {r.patients - r.read_rowwise:,} of {r.patients:,}"))


def _compile_mednec() -> None:
    """mednec's modules compiled to bytecode once, before any run is timed, as an installed package is
    (pip compiles what it installs): a checkout run with PYTHONDONTWRITEBYTECODE=1 would otherwise compile
    the modules a run imports inside its own timed seconds (about 0.3 s per run on the 2-core host)."""
    import compileall

    import mednec

    compileall.compile_dir(str(Path(mednec.__file__).parent), quiet=1)


def _generate(n: int, folder: Path, bulk: bool) -> tuple[Path, Path | None]:
    from mednec.facts.dictionary import load_dictionary
    from mednec.population.synthetic import write_bulk, write_table

    table = folder / f"members-{n}.parquet"
    write_table(n, table, load_dictionary())
    export = None
    if bulk:
        export = folder / f"export-{n}"
        write_bulk(n, export)
    return table, export


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="patients for the columnar runs (default 100,000)")
    ap.add_argument("--rowwise-n", type=int, default=5_000, help="patients for the row-wise runs (default 5,000)")
    ap.add_argument("--bulk-n", type=int, default=20_000, help="patients for the column-wise Bulk runs (default 20,000)")
    ap.add_argument("--large", action="store_true", help="also run columnar at 1,000,000 patients")
    ap.add_argument("--dask", action="store_true", help="also run the all-cores runs on a local Dask cluster")
    ap.add_argument("--repeat", type=int, default=3,
                    help="unobserved runs of each measurement, the fastest reported, plus one observed for its peak "
                         "memory (default 3; the 1,000,000-patient runs once, observed)")
    ap.add_argument("--json", type=Path, help="write the results as JSON")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    _compile_mednec()
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="mednec-bench-pop-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        table, _ = _generate(args.n, folder, bulk=False)
        small_table, export = _generate(args.rowwise_n, folder, bulk=True)
        _, bulk_export = _generate(args.bulk_n, folder, bulk=True)
        print(f"generated {args.n:,} + {args.rowwise_n:,} + {args.bulk_n:,} patients in "
              f"{time.perf_counter() - t0:.1f} s", flush=True)
        assert export is not None and bulk_export is not None
        plan = [
            ("columnar, Parquet", "parquet", "columnar", args.n, table, POLICIES),
            ("row-wise, Parquet", "parquet", "rowwise", args.rowwise_n, small_table, POLICIES),
            ("row-wise, Bulk NDJSON", "bulk", "rowwise", args.rowwise_n, export, POLICIES),
            ("columnar, Bulk NDJSON", "bulk", "columnar", args.bulk_n, bulk_export, POLICIES),
            # one policy, as issue 20 measured its FHIR figures (luspatercept, ~170-220 patients/s from bundles)
            ("columnar, Bulk NDJSON, Reblozyl only", "bulk", "columnar", args.bulk_n, bulk_export, ONE_POLICY),
        ]
        for label, source, engine, n, src, policies in plan:
            runs = [(w, False) for w in sorted({1, cores})] + ([(cores, True)] if args.dask and cores > 1 else [])
            for workers, dask in runs:
                how = f"{workers} process{'es' if workers > 1 else ''}" + (" (local Dask)" if dask else "")
                r = _best(args.repeat, f"{label}, {how}", source, engine, workers, n, src,
                          folder / f"out-{source}-{engine}-{workers}-{len(policies)}{'-dask' if dask else ''}", dask,
                          policies)
                results.append(r)
                print(_line(r), flush=True)
                _warn(r)
        if args.large:
            big, _ = _generate(1_000_000, folder, bulk=False)
            for workers in sorted({1, cores}):
                r = _run(f"columnar, Parquet, 1,000,000 patients, {workers} process{'es' if workers > 1 else ''}",
                         "parquet", "columnar", workers, 1_000_000, big, folder / f"out-large-{workers}")
                results.append(r)
                print(_line(r), flush=True)
                _warn(r)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) | {"patients_per_s": r.patients_per_s, "evals_per_s": r.evals_per_s,
                                                      "evals_per_cpu_s": r.evals_per_cpu_s,
                                                      "patients_per_cpu_s": r.patients_per_cpu_s} for r in results],
                                        indent=2))
    failed = False
    slow = [r for r in results if slow_routes(r)]
    if slow:
        print(f"SLOW ROUTE in {len(slow)} columnar run(s): {', '.join(r.label for r in slow)} (see above)")
        failed = True
    best_columnar = max((r.evals_per_s for r in results if r.engine == "columnar"), default=0.0)
    if best_columnar < TARGET_EVALS_PER_S:
        print(f"MISSED: columnar {best_columnar:,.0f} evaluations/s < {TARGET_EVALS_PER_S:,.0f}")
        failed = True
    for count, what in ((len(POLICIES), "five policies"), (len(ONE_POLICY), "one policy")):
        best_bulk = max((r.patients_per_s for r in results if r.engine == "columnar" and r.source == "bulk"
                         and r.policies == count), default=0.0)
        if best_bulk < TARGET_BULK_PATIENTS_PER_S:
            print(f"MISSED: columnar from Bulk NDJSON, {what}: {best_bulk:,.0f} patients/s < "
                  f"{TARGET_BULK_PATIENTS_PER_S:,.0f}")
            failed = True
    for r in results:
        if r.patients >= 1_000_000 and r.peak_mb > TARGET_PEAK_MB_1M:
            print(f"MISSED: peak {r.peak_mb:,.0f} MB > {TARGET_PEAK_MB_1M:,.0f} MB at {r.patients:,} patients")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
