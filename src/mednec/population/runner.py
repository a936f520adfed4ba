"""A whole population run: cut the input into chunks, evaluate them here or on a Dask cluster,
write each chunk's results as it arrives, and keep the manifest current.

::

    summary = run_batch(Path("members.parquet"), Path("out"), settings, executor=LocalExecutor())

The chunks are independent, so the same run on one process, on worker processes of this machine
(:class:`mednec.population.pool.ProcessExecutor`), on a local or on a remote Dask cluster gives the
same files (a chunk's rows do not depend on where it ran). For a Dask cluster the client reads the
input and sends each chunk's data with its task (workers need mednec installed, not the input
files), keeping at most a few chunks in flight so memory stays bounded; local worker processes
read their own row ranges of a Parquet table and write their own chunk files
(an executor with ``reads_input`` and ``run_written``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from mednec.errors import InputError
from mednec.population.inputs import (
    BatchSettings,
    ChunkTask,
    InputKind,
    TableSlice,
    chunk_ranges,
    detect_kind,
    fingerprint,
    input_files,
)
from mednec.population.manifest import ChunkWriter, Manifest, WrittenChunk
from mednec.population.results import ChunkResult

__all__ = ["Executor", "LocalExecutor", "RunSummary", "WritingExecutor", "default_chunk_size", "process_chunk", "run_batch",
           "warm_up"]


def process_chunk(task: ChunkTask, settings: BatchSettings) -> ChunkResult:
    """Evaluate one chunk (what a worker runs)."""
    started = time.perf_counter()
    if settings.engine == "rowwise":
        from mednec.population.rowwise import evaluate_chunk_rowwise

        result = evaluate_chunk_rowwise(task, settings)
    elif task.columns is not None:
        from mednec.population.bulk_columns import evaluate_bulk_chunk

        result = evaluate_bulk_chunk(task, settings)
    else:
        from mednec.population.columnar.run import evaluate_chunk_columnar

        result = evaluate_chunk_columnar(task, settings)
    result.full = settings.full
    result.seconds = time.perf_counter() - started
    return result


def warm_up(settings: BatchSettings) -> None:
    """Load what every chunk of the run needs (the runtime, the policies and their columnar
    programs, the fingerprints of the row-wise code): done once before worker processes fork."""
    import pyarrow.parquet  # noqa: F401  (what every chunk's results are written with)

    from mednec.population.policies import resolve
    from mednec.runtime import default_runtime

    default_runtime()
    resolved = [resolve(spec) for spec in settings.policies]
    if settings.engine != "rowwise":
        from mednec.population.columnar.calculators import twin_for
        from mednec.population.columnar.digests import PARTS, matches
        from mednec.population.columnar.run import program_for

        for part in PARTS:
            matches(part)
        for policy, pack in resolved:
            program_for(policy, settings.phase, pack.calculators)
            for calc in pack.calculators:
                twin_for(calc)


class Executor(Protocol):
    """Runs :func:`process_chunk` over tasks, yielding results as they finish."""

    workers: int

    def run(self, tasks: Iterator[ChunkTask], settings: BatchSettings) -> Iterator[ChunkResult]: ...


class WritingExecutor(Protocol):
    """Runs tasks where their files can be written (the run's folder on this machine): each chunk
    is evaluated and written by the worker, which gives back only the manifest entry. A task may
    carry only where its data is (``ChunkTask.source``); the worker reads it."""

    workers: int
    reads_input: bool

    def run_written(self, tasks: Iterator[ChunkTask], settings: BatchSettings,
                    writer: ChunkWriter) -> Iterator[WrittenChunk]: ...


class LocalExecutor:
    """This process, one chunk at a time."""

    workers = 1

    def run(self, tasks: Iterator[ChunkTask], settings: BatchSettings) -> Iterator[ChunkResult]:
        for task in tasks:
            yield process_chunk(task.loaded(), settings)


def _rechunk(batches: Iterator[Any], size: int) -> Iterator[Any]:
    """Arrow record batches of any sizes -> tables of exactly ``size`` rows (the last may be shorter)."""
    import pyarrow as pa

    pending: list[Any] = []
    have = 0
    for batch in batches:
        if not batch.num_rows:
            continue
        pending.append(batch)
        have += batch.num_rows
        while have >= size:
            t = pa.Table.from_batches(pending)
            rest = t.slice(size)
            yield t.slice(0, size).combine_chunks()
            pending, have = (rest.to_batches() if rest.num_rows else []), rest.num_rows
    if have:
        yield pa.Table.from_batches(pending).combine_chunks()


def _slice_tasks(path: Path, chunk_size: int, skip: set[int], workers: int) -> tuple[int, int, Iterator[ChunkTask]]:
    """Fixed row ranges of a Parquet table as tasks that carry only the range (the worker reads it).

    The chunks that start in the same row group are grouped (``TableSlice.group``): a worker takes
    them together and reads the row group once, as one process does. When that gives fewer than
    three groups per worker (a small table, or large row groups), each chunk is its own group, so
    the work still spreads evenly (a worker then decodes the rows of a row group before its chunk)."""
    import bisect

    import pyarrow.parquet as pq

    md = pq.ParquetFile(path).metadata
    total = md.num_rows
    chunks = -(-total // chunk_size)
    starts = [0]
    for g in range(md.num_row_groups):
        starts.append(starts[-1] + md.row_group(g).num_rows)
    group_of = [bisect.bisect_right(starts, k * chunk_size) - 1 for k in range(chunks)]
    if len(set(group_of)) < 3 * max(1, workers):
        group_of = list(range(chunks))
    name = str(path.resolve())

    def tasks() -> Iterator[ChunkTask]:
        for k in range(chunks):
            if k not in skip:
                start = k * chunk_size
                yield ChunkTask(k, InputKind.table,
                                source=TableSlice(name, start, min(total, start + chunk_size), group_of[k]))

    return chunks, total, tasks()


def _csv_batches(path: Path, convert: Any) -> Iterator[Any]:
    """The CSV's record batches; a malformed CSV (a quote left open, a row with more cells than the
    header) is the user's input: refused naming the file and Arrow's reason, never an internal error.
    Chunks already written stay in the manifest, so the run resumes once the file is mended."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        yield from pacsv.open_csv(path, convert_options=convert, read_options=pacsv.ReadOptions(block_size=4 << 20))
    except pa.ArrowInvalid as exc:
        raise InputError(f"not a readable CSV table ({str(exc).splitlines()[0][:160]})", field=str(path)) from None


def _table_tasks(path: Path, chunk_size: int, skip: set[int]) -> tuple[int | None, int | None, Iterator[ChunkTask]]:
    """Fixed row ranges of a Parquet or CSV table, read as a stream."""
    batches: Iterator[Any]
    if path.suffix.lower() == ".csv":
        import csv

        import pyarrow as pa
        import pyarrow.csv as pacsv

        with path.open(newline="", encoding="utf-8") as fh:
            header = next(csv.reader(fh), [])
        # every column is read as text and checked as a case file's value is (the same
        # messages for "8.1" and "81 g/L"); an empty cell is an undocumented fact
        convert = pacsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=True)
        batches = _csv_batches(path, convert)
        total: int | None = -1  # rows, for the progress bar (quoted line breaks would overcount)
        with path.open("rb") as raw:
            while block := raw.read(1 << 22):
                total = (total or 0) + block.count(b"\n")
        chunks = None
    else:
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        total = pf.metadata.num_rows
        chunks = -(-total // chunk_size)
        batches = pf.iter_batches(batch_size=min(chunk_size, 65536))

    def tasks() -> Iterator[ChunkTask]:
        for k, part in enumerate(_rechunk(batches, chunk_size)):
            if k not in skip:
                yield ChunkTask(k, InputKind.table, table=part)

    return chunks, total, tasks()


def _case_tasks(path: Path, chunk_size: int, skip: set[int]) -> tuple[int | None, int | None, Iterator[ChunkTask]]:
    files = input_files(path, InputKind.cases)

    def tasks() -> Iterator[ChunkTask]:
        for k, start, stop in chunk_ranges(len(files), chunk_size):
            if k in skip:
                continue
            items = []
            for f in files[start:stop]:
                try:
                    text = f.read_text("utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    text = f"\x00unreadable: {exc}"
                items.append((f.name.rsplit(".", 1)[0], f.name, text))
            yield ChunkTask(k, InputKind.cases, items=items)

    return -(-len(files) // chunk_size) if files else 0, len(files), tasks()


#: patients per chunk: a fact table evaluated column-wise (in one process, over several), anything else
COLUMNAR_TABLE_CHUNK = 20_000
COLUMNAR_TABLE_CHUNK_WORKERS = 10_000
COLUMNAR_BULK_CHUNK = 10_000
CHUNK = 5_000


def default_chunk_size(kind: InputKind, engine: str, workers: int = 1) -> int:
    """Patients per chunk when the run does not say: 20,000 for a fact table evaluated column-wise
    in one process (a chunk has a fixed cost -- the rows checked against the row-wise engine, the
    could-meet search, a file -- about 28 ms, a fifth of a 5,000-patient chunk's time for five
    policies), 10,000 when several workers each hold a chunk (1,000,000 patients on 2 workers peaked
    at 530 MB with 20,000 and 329 MB with 10,000, for 423,000 against 370,000 evaluations/s; quiet
    host, 2026-12-07 02:25 UTC), 10,000 for a Bulk export read column-wise, in one process or several (a
    chunk's fixed cost -- its verification, the evaluations of the course variants, its file, a worker's
    hand-over -- halved: in one process 0.88 against 1.09-1.27 CPU-s per 20,000 synthetic patients after the
    read, peak 301 MB against about 215 MB, loaded host, 2026-12-07 05:00 UTC; with 2 workers 1.06-1.22 s
    against 1.18-1.29 s for the 20,000-patient run, peak 322-343 MB against 308-315 MB, six runs each at
    the loaded host's highest priority, 2026-12-07 14:44 UTC), 5,000 otherwise (a row-wise chunk's cost is
    its patients')."""
    if kind is InputKind.table and engine != "rowwise":
        return COLUMNAR_TABLE_CHUNK if workers <= 1 else COLUMNAR_TABLE_CHUNK_WORKERS
    if kind is InputKind.bulk and engine != "rowwise":
        return COLUMNAR_BULK_CHUNK
    return CHUNK


def _resumed_chunk_size(out: Path) -> int | None:
    """The chunk size of a run already in ``out`` (a resume without ``--chunk-size`` keeps it, even
    when the default has changed since the run started)."""
    import json

    try:
        size = json.loads((out / "manifest.json").read_text("utf-8"))["chunk_size"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return size if isinstance(size, int) and size > 0 else None


@dataclass
class RunSummary:
    """What a run did (the manifest's totals, and where the files are)."""

    out: Path
    totals: dict[str, Any]
    complete: bool
    chunks_run: int
    seconds: float
    spill_errors: int = 0


def run_batch(
    input_path: Path,
    out: Path,
    settings: BatchSettings,
    *,
    chunk_size: int | None = None,
    executor: Executor | WritingExecutor | None = None,
    ndjson: bool = False,
    overwrite: bool = False,
    on_start: Callable[[int | None, int], None] | None = None,
    on_chunk: Callable[[ChunkResult | WrittenChunk], None] | None = None,
) -> RunSummary:
    """Evaluate the population at ``input_path`` into ``out`` (see the module docstring).

    ``on_start(patients, already_done)`` and ``on_chunk(result)`` report progress. ``chunk_size``
    defaults to that of the run being resumed in ``out``, else :func:`default_chunk_size`.
    """
    started = time.perf_counter()
    executor = executor or LocalExecutor()
    kind = detect_kind(input_path)
    chunk_size = chunk_size or (None if overwrite else _resumed_chunk_size(out)) or default_chunk_size(kind, settings.engine, executor.workers)
    self_reading = bool(getattr(executor, "reads_input", False))
    run = {
        "input": {"path": str(input_path.resolve()), "kind": kind.value, "fingerprint": fingerprint(input_path, kind)},
        "settings": settings.to_dict(),
        "chunk_size": chunk_size,
    }
    manifest = Manifest.open(out, run, overwrite=overwrite)
    done = manifest.done
    spill_errors = 0
    total_chunks: int | None
    patients: int | None
    if kind is InputKind.table and self_reading and input_path.suffix.lower() != ".csv":
        total_chunks, patients, tasks = _slice_tasks(input_path, chunk_size, done, executor.workers)
    elif kind is InputKind.table:
        total_chunks, patients, tasks = _table_tasks(input_path, chunk_size, done)
    elif kind is InputKind.cases:
        total_chunks, patients, tasks = _case_tasks(input_path, chunk_size, done)
    elif settings.engine == "rowwise":
        from mednec.population.bulk import spill, spill_tasks

        sp = spill(input_path, out / "_spill", chunk_size)
        total_chunks, patients, tasks = sp.buckets, sp.patients, spill_tasks(sp, done)
        spill_errors = sp.errors
    else:  # columnar or auto: the export read column by column, flagged patients row-wise
        from mednec.population.bulk_columns import read_export, spill_column_tasks, warm_up_bulk

        # worker processes of this machine read byte ranges of the export, then each its own buckets
        processes = executor.workers if self_reading else 1

        def warm() -> None:  # before the workers fork, loaded while the export is read
            warm_up(settings)
            warm_up_bulk(settings)

        cs = read_export(input_path, out / "_spill", chunk_size, processes=processes,
                         meanwhile=warm if self_reading else None)
        total_chunks, patients, tasks = cs.buckets, cs.patients, spill_column_tasks(cs, done, lazy=self_reading)
        spill_errors = cs.errors
    manifest.set_total(total_chunks, patients)
    manifest.save()
    already = sum(int(c["patients"]) for c in manifest.data["chunks"].values())
    if on_start is not None:
        on_start(patients, already)
    ran = 0
    finished: Iterator[ChunkResult | WrittenChunk]
    if hasattr(executor, "run_written"):
        finished = executor.run_written(tasks, settings, ChunkWriter(str(out), ndjson))
    else:
        finished = executor.run(tasks, settings)
    for item in finished:
        if isinstance(item, WrittenChunk):
            manifest.enter(item)
        else:
            manifest.record(item, ndjson=ndjson)
        ran += 1
        if on_chunk is not None:
            on_chunk(item)
    totals = manifest.finish(complete=True)
    return RunSummary(out, totals, bool(manifest.data["complete"]), ran, time.perf_counter() - started, spill_errors)
