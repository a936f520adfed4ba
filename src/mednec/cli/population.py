"""`mednec batch` (a population against one or more policies) and `mednec impact` (what a draft
policy version would change)."""

from __future__ import annotations

import datetime as dt
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mednec.cli.common import Phase, as_of_date, case_path, emit_json, output_folder, runtime, text_or_json
from mednec.errors import InputError

if TYPE_CHECKING:
    from mednec.population.inputs import PolicySpec

__all__ = ["register"]


class Engine(str, Enum):
    rowwise = "rowwise"
    columnar = "columnar"
    auto = "auto"


def _specs(names: list[str] | None, phase: Phase) -> tuple[PolicySpec, ...]:
    from mednec.population.policies import shipped_spec

    rt = runtime()
    if not names:
        policies = [p for p in rt.catalog.policies() if phase is Phase.initial or p.continuation is not None]
        return tuple(shipped_spec(rt, p.id) for p in policies)
    specs = tuple(dict.fromkeys(shipped_spec(rt, n) for n in names))
    if phase is Phase.continuation:
        for s in specs:
            if rt.catalog.policy(s.id).continuation is None:
                raise InputError(f"policy {s.id} has no continuation criteria", field="--phase")
    return specs


def _progress(quiet: bool) -> tuple[Any, Any, Any]:
    """A progress bar on standard error (patients done, patients per second), or nothing."""
    if quiet:
        return None, None, None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn("patients"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        TextColumn("{task.fields[rate]}"), console=Console(stderr=True), transient=False)
    state: dict[str, Any] = {}

    def on_start(total: int | None, done: int) -> None:
        import time

        state["task"] = progress.add_task("run", total=total, completed=done, rate="")
        state["t0"], state["n"] = time.perf_counter(), 0
        progress.start()

    def on_chunk(result: Any) -> None:
        import time

        state["n"] += result.patients
        rate = state["n"] / max(1e-9, time.perf_counter() - state["t0"])
        progress.update(state["task"], advance=result.patients, rate=f"{rate:,.0f} patients/s")

    return progress, on_start, on_chunk


def batch(
    population: Annotated[Path, typer.Argument(help="A Parquet or CSV fact table, a folder of case files, or a FHIR Bulk Data export folder (*.ndjson).", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (results/*.parquet, errors/, manifest.json).")],
    policy: Annotated[list[str] | None, typer.Option("--policy", "-p", help="Policy id or drug name; repeat for several (default: every policy).")] = None,
    phase: Annotated[Phase, typer.Option(help="initial request or continuation (re-authorisation).")] = Phase.initial,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Evaluation date YYYY-MM-DD for every patient (default: each patient's own date, else the export's date, else the day the run started).")] = None,
    engine: Annotated[Engine, typer.Option(help="rowwise (the engine, one patient at a time), columnar (compiled column by column from the policies: the same answers, much faster; a FHIR Bulk export is read column by column, patients with resources that reader does not model through the per-bundle intake) or auto (columnar where it applies).")] = Engine.rowwise,
    full: Annotated[bool, typer.Option("--full", help="Also store each full determination as JSON (determination_json).")] = False,
    ndjson: Annotated[bool, typer.Option("--ndjson", help="Also write the rows as NDJSON (ndjson/*.ndjson).")] = False,
    chunk_size: Annotated[int | None, typer.Option("--chunk-size", min=1, max=1_000_000, help="Patients per chunk (the unit of output, resuming and distribution; default 20,000 for a fact table evaluated column-wise in one process, 10,000 with --workers N, else 5,000).", show_default=False)] = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, max=256, help="Evaluate on this many worker processes of this machine (each reads its own chunks and writes their files).")] = None,
    dask: Annotated[bool, typer.Option("--dask", help="With --workers: start a local Dask cluster of that many workers instead (slower on one machine: the data goes through the client).")] = False,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786.")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace a different run found in --out instead of refusing.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Summary as text or json.")] = "text",
) -> None:
    """Evaluate a population against one or more policies: one row per patient and policy."""
    from mednec.population.bulk import export_date
    from mednec.population.cluster import executor_for
    from mednec.population.inputs import BatchSettings, InputKind, detect_kind
    from mednec.population.runner import run_batch

    text_or_json(fmt)
    fixed = as_of_date(as_of)
    if str(population) == "-":
        case_path(population, "POPULATION")
    kind = detect_kind(population)
    output_folder(out)
    run_date = fixed or (None if overwrite else _resumed_date(out)) or (
        dt.date.fromisoformat(d) if kind is InputKind.bulk and (d := export_date(population)) else dt.date.today())
    settings = BatchSettings(_specs(policy, phase), phase.value, run_date, fixed is not None, engine.value, full)
    progress, on_start, on_chunk = _progress(quiet)
    try:
        with executor_for(scheduler, workers, dask=dask) as executor:
            summary = run_batch(population, out, settings, chunk_size=chunk_size, executor=executor, ndjson=ndjson,
                                overwrite=overwrite, on_start=on_start, on_chunk=on_chunk)
    finally:
        if progress is not None:
            progress.stop()
    totals = summary.totals
    report = {"out": str(out), "complete": summary.complete, "seconds": round(summary.seconds, 2),
              "chunks_run": summary.chunks_run, "spill_errors": summary.spill_errors, **totals}
    if fmt == "json":
        emit_json(report)
        return
    rate = totals["patients"] / summary.seconds if summary.chunks_run and summary.seconds else 0
    sys.stdout.write(
        f"{totals['patients']:,} patients, {totals['rows']:,} results, {totals['errors']:,} errors "
        f"({'complete' if summary.complete else 'incomplete'}; {summary.chunks_run} chunk(s) this run, "
        f"{summary.seconds:.1f} s{f', {rate:,.0f} patients/s' if rate else ''})\n")
    for k, v in totals["determinations"].items():
        sys.stdout.write(f"  {k.replace('_', ' ')}: {v:,}\n")
    if "bulk_read_rowwise" in totals:
        sys.stdout.write(f"  FHIR Bulk read column-wise: {totals['patients'] - totals['bulk_read_rowwise']:,} of "
                         f"{totals['patients']:,} patients (the others through the per-bundle intake)\n")
    for note in totals["notes"]:
        sys.stdout.write(f"  note: {note}\n")
    if summary.spill_errors:
        sys.stdout.write(f"  {summary.spill_errors:,} export line(s) not used: see {out}/_spill/errors.ndjson\n")
    if totals["errors"]:
        sys.stdout.write(f"  patient errors: {out}/errors/*.ndjson\n")
    sys.stdout.write(f"results: {out}/results/ (Parquet)\n")


def _resumed_date(out: Path) -> dt.date | None:
    """The evaluation date of a run already in ``out`` (a resume keeps it)."""
    import json

    try:
        data = json.loads((out / "manifest.json").read_text("utf-8"))
        return dt.date.fromisoformat(data["settings"]["as_of"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def register(app: typer.Typer) -> None:
    """Add ``batch`` and ``impact`` to the mednec app."""
    app.command("batch")(batch)
    app.command("impact")(impact)


def _impact_text(report: dict[str, Any]) -> None:
    from rich.table import Table

    from mednec.cli.common import out

    console = out()
    console.print(f"[bold]{report['policy']}[/bold]: draft {report['draft']} against published {report['published']}"
                  f" -- {report['population']}")
    console.print(f"{report['patients']:,} patients compared, {report['moved']:,} change determination, "
                  f"{report['pathway_changes']:,} change pathway only, {report['errors']:,} could not be compared")
    table = Table(title="published (rows) -> draft (columns)")
    names = [r["from"] for r in report["table"]]
    table.add_column("")
    for n in names:
        table.add_column(n.replace("_", " "), justify="right")
    table.add_column("total", justify="right")
    for r in report["table"]:
        table.add_row(r["from"].replace("_", " "), *(f"{r['to'][n]:,}" for n in names), f"{r['total']:,}")
    console.print(table)
    for m in report["moves"]:
        console.print(f"[bold]{m['from'].replace('_', ' ')} -> {m['to'].replace('_', ' ')}[/bold]: {m['count']:,}")
        for d in m["drivers"]:
            console.print(f"    {d['criterion']}: {d['was']} -> {d['now']} ({d['count']:,})")
        if m.get("samples"):
            console.print(f"    e.g. {', '.join(m['samples'])}")


def impact(
    policy: Annotated[str, typer.Option("--policy", "-p", help="Policy id or drug name.")],
    draft: Annotated[str, typer.Option("--draft", help="The version to compare with the published one (drafted with POST /policies/{id}/versions).")],
    population: Annotated[Path | None, typer.Option("--population", help="Compare on a population (fact table, case folder or FHIR Bulk export) instead of the stored cases.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="With --population: keep both versions' results here (default: a temporary folder).")] = None,
    phase: Annotated[Phase, typer.Option(help="With --population: initial or continuation.")] = Phase.initial,
    as_of: Annotated[str | None, typer.Option("--as-of", help="With --population: evaluation date YYYY-MM-DD.")] = None,
    engine: Annotated[Engine, typer.Option(help="With --population: the engine (see mednec batch).")] = Engine.rowwise,
    workers: Annotated[int | None, typer.Option("--workers", min=1, max=256, help="With --population: this many worker processes of this machine.")] = None,
    dask: Annotated[bool, typer.Option("--dask", help="With --population and --workers: a local Dask cluster of that many workers instead.")] = False,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="With --population: an existing Dask scheduler's address.")] = None,
    org: Annotated[str | None, typer.Option("--org", help="Without --population: the stored cases of this organisation only (default: every organisation's; the operator's view).")] = None,
    database_url: Annotated[str | None, typer.Option("--database-url", envvar="MEDNEC_DATABASE_URL", help="The store holding the draft and the cases (default: the local store).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """What publishing a draft policy version would change: transitions, driving criteria, sample cases."""
    from mednec.store.db import Database
    from mednec.store.impact import stored_impact
    from mednec.store.models import PolicyVersion
    from mednec.store.service import Service

    text_or_json(fmt)
    as_of_date(as_of)  # the cheap checks first: a bad date or a missing population before the store is opened
    if population is not None and str(population) == "-":
        case_path(population, "--population")
    if population is not None and not population.exists():
        raise InputError(f"{population}: no such file or folder", field="--population")
    if out is not None:
        output_folder(out)
    rt = runtime()
    try:
        target = rt.catalog.policy(policy)
    except InputError:
        target = rt.catalog.find_drug(policy)
    db = Database(database_url)
    db.upgrade()
    service = Service(db, rt)
    service.policies.sync_shipped(service.now())
    with db.reading() as s:
        row = s.get(PolicyVersion, (target.id, draft))
        if row is None:
            raise InputError(f"no version {draft} of {target.id} in the store (draft it with POST "
                             f"/policies/{target.id}/versions)", field="--draft")
        draft_yaml = row.yaml_text
        published, _ = service.policies.current(target)
        base_row = s.get(PolicyVersion, (target.id, published.version))
        base_yaml = "" if published.version == target.version or base_row is None else base_row.yaml_text
    if population is None:
        report = stored_impact(service, target.id, draft, org_id=org).to_dict()
    else:
        from mednec.population.inputs import PolicySpec

        base = PolicySpec(target.id, published.version, base_yaml)
        report = _population_impact(population, out, base, PolicySpec(target.id, draft, draft_yaml), phase, as_of,
                                    engine, workers, scheduler, dask)
    if fmt == "json":
        emit_json(report)
    else:
        _impact_text(report)


def _population_impact(population: Path, out: Path | None, base: PolicySpec, spec: PolicySpec, phase: Phase,
                       as_of: str | None, engine: Engine, workers: int | None, scheduler: str | None,
                       dask: bool = False) -> dict[str, Any]:
    import tempfile

    from mednec.population.cluster import executor_for
    from mednec.population.impact import pair_rows, summarize
    from mednec.population.inputs import BatchSettings
    from mednec.population.runner import run_batch

    fixed = as_of_date(as_of)
    settings = BatchSettings((base, spec), phase.value, fixed or dt.date.today(), fixed is not None, engine.value)
    with tempfile.TemporaryDirectory(prefix="mednec-impact-") as tmp:
        folder = out or Path(tmp)
        with executor_for(scheduler, workers, dask=dask) as executor:
            run_batch(population, folder, settings, executor=executor, overwrite=out is None)
        import pyarrow.parquet as pq

        rows = pq.read_table(folder / "results",
                             columns=["patient_id", "policy_version", "determination", "pathway", "criteria"])
        pairs = pair_rows(rows.to_pylist(), base.version, spec.version)
        errored = {e for f in sorted((folder / "errors").glob("*.ndjson"))
                   for e in (_json_line(line)["patient_id"] for line in f.read_text("utf-8").splitlines() if line)}
    seen = {p for p, _, _ in pairs}
    pairs += [(p, None, None) for p in sorted(errored - seen)]
    return summarize(pairs, policy_id=spec.id, published=base.version, draft=spec.version,
                     population=str(population)).to_dict()


def _json_line(line: str) -> dict[str, Any]:
    import json

    return dict(json.loads(line))
