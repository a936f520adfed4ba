"""What a population run reads, and how it is cut into chunks of patients.

Three kinds of input, recognised from the path:

* a **fact table**: a Parquet file (``.parquet``) or CSV file (``.csv``), one row per patient
  (columns in :mod:`mednec.population.table`);
* a **folder of case files**: ``*.yaml``, ``*.yml`` and ``*.json`` case files or FHIR R4
  Bundles, one patient each (the patient id is the file's name without its suffix);
* a **FHIR Bulk Data export**: a folder of ``*.ndjson`` (or ``*.ndjson.gz``) files, one
  resource per line, as ``$export`` writes them (:mod:`mednec.population.bulk`).

A chunk is a fixed slice of the input (rows ``k*n`` to ``(k+1)*n``, the ``k``-th ``n`` files,
or the ``k``-th hash bucket of patients), so the same input and chunk size always give the
same chunks: that is what lets an interrupted run resume. A :class:`ChunkTask` carries the
chunk's data itself, so a Dask worker needs no access to the input files; or, for workers on
this machine, only where to read it (``source``: a :class:`TableSlice`, or any object whose
``read()`` gives the loaded task), so the data is read by the process that evaluates it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from mednec.errors import InputError

__all__ = [
    "CASE_SUFFIXES",
    "BatchSettings",
    "ChunkTask",
    "InputKind",
    "PolicySpec",
    "TableSlice",
    "detect_kind",
    "fingerprint",
]

CASE_SUFFIXES = (".yaml", ".yml", ".json")


class InputKind(str, Enum):
    """The kind of population input."""

    table = "table"
    cases = "cases"
    bulk = "bulk"


@dataclass(frozen=True)
class PolicySpec:
    """A policy to run: a shipped one by id (``yaml`` empty), or a version given as YAML text
    (a draft from the store), compiled against the pack of the policy it revises."""

    id: str
    version: str
    yaml: str = ""

    @property
    def label(self) -> str:
        return f"{self.id}@{self.version}"

    def digest(self) -> str:
        return hashlib.sha256(f"{self.id}|{self.version}|{self.yaml}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class BatchSettings:
    """Everything that decides a run's answers (recorded in the manifest; a resume must match).

    ``as_of`` is the evaluation date: with ``as_of_fixed`` it overrides each patient's own
    date (a table's ``as_of`` column, a case file's ``as_of``, a Bundle's timestamp);
    otherwise it is used only where a patient has no date of its own (so a run started
    yesterday and resumed today gives the same answers).
    """

    policies: tuple[PolicySpec, ...]
    phase: str
    as_of: dt.date
    as_of_fixed: bool
    engine: str = "rowwise"
    full: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "policies": [{"id": p.id, "version": p.version, "digest": p.digest()} for p in self.policies],
            "phase": self.phase, "as_of": self.as_of.isoformat(), "as_of_fixed": self.as_of_fixed,
            "engine": self.engine, "full": self.full,
        }


@dataclass
class ChunkTask:
    """One chunk's patients, with their data, ready for a worker.

    ``kind`` says what ``items`` hold: for a table, ``table`` is an Arrow table of the rows;
    for case files, ``items`` are ``(patient_id, file name, text)``; for a Bulk export,
    ``items`` are ``(patient_id, [resource JSON bytes])`` and ``shared`` the resources they
    may reference that belong to no patient (Medication, BiologicallyDerivedProduct).
    """

    index: int
    kind: InputKind
    items: list[Any] = field(default_factory=list)
    table: Any = None
    shared: dict[str, bytes] = field(default_factory=dict)
    #: a Bulk bucket read column-wise (:class:`mednec.population.bulk_columns.BulkColumns`)
    columns: Any = None
    #: where the data is, when the task does not carry it: an object whose ``read()`` returns the
    #: task with its data (:class:`TableSlice`); read by the worker (:meth:`loaded`)
    source: Any = None

    @property
    def size(self) -> int:
        if self.source is not None and self.table is None and self.columns is None and not self.items:
            return int(self.source.size)
        if self.columns is not None:
            return int(self.columns.patients)
        return int(self.table.num_rows) if self.table is not None else len(self.items)


    def loaded(self) -> ChunkTask:
        """The task with its data (read from ``source`` when it carries none)."""
        if self.source is None or self.table is not None or self.columns is not None or self.items:
            return self
        task: ChunkTask = self.source.read(self)
        return task


@dataclass(frozen=True)
class TableSlice:
    """Rows ``start`` to ``stop`` of a Parquet fact table, read by the process that evaluates them.

    ``group`` numbers the run of consecutive chunks one worker takes together (it reads them as
    one stream, as a single process does)."""

    path: str
    start: int
    stop: int
    group: int = 0

    @property
    def size(self) -> int:
        return self.stop - self.start

    def read(self, task: ChunkTask) -> ChunkTask:
        from dataclasses import replace

        return replace(task, table=_parquet_rows(self.path, self.start, self.stop), source=None)


class _ParquetStream:
    """A Parquet file read forward in record batches from a given row: consecutive row ranges
    continue the same stream (each row decoded once); a range elsewhere starts a new stream at
    the row group holding its first row."""

    def __init__(self, path: str, start: int, batch_rows: int) -> None:
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        md = pf.metadata
        group, first = 0, 0
        while group < md.num_row_groups and first + md.row_group(group).num_rows <= start:
            first += md.row_group(group).num_rows
            group += 1
        self.path = path
        self.batch_rows = batch_rows
        self.batches = pf.iter_batches(batch_size=batch_rows, row_groups=list(range(group, md.num_row_groups)))
        self.pos = first  # the row number of the first buffered row
        self.buffer: list[Any] = []
        self.buffered = 0

    def take(self, start: int, stop: int) -> Any:
        import pyarrow as pa

        while self.pos + self.buffered < stop:
            batch = next(self.batches, None)
            if batch is None:
                break
            if batch.num_rows:
                self.buffer.append(batch)
                self.buffered += batch.num_rows
        table = pa.Table.from_batches(self.buffer, schema=self.buffer[0].schema) if self.buffer else None
        if table is None:
            raise InputError(f"rows {start}-{stop} are beyond the end of the table", field=self.path)
        part = table.slice(start - self.pos, stop - start).combine_chunks()
        rest = table.slice(stop - self.pos)
        self.buffer = rest.to_batches() if rest.num_rows else []
        self.buffered, self.pos = rest.num_rows, stop
        return part


_STREAMS: dict[tuple[int, str], _ParquetStream] = {}


def _parquet_rows(path: str, start: int, stop: int) -> Any:
    """Rows ``start`` to ``stop`` of a Parquet file as an Arrow table, continuing this process's
    stream of that file when the rows follow the last ones read (else reading from their row group)."""
    import os

    key = (os.getpid(), path)  # a forked worker never continues its parent's stream
    stream = _STREAMS.get(key)
    if stream is None or stream.pos > start or start > stream.pos + stream.buffered + stream.batch_rows:
        _STREAMS.clear()
        stream = _STREAMS[key] = _ParquetStream(path, start, min(stop - start, 65536))
    return stream.take(start, stop)


def detect_kind(path: Path) -> InputKind:
    """The kind of input at ``path`` (see the module docstring)."""
    if not path.exists():
        raise InputError("no such file or folder", field=str(path))
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix in (".parquet", ".pq"):
            _check_parquet(path)
            return InputKind.table
        if suffix == ".csv":
            return InputKind.table
        raise InputError("a population file is a Parquet (.parquet) or CSV (.csv) fact table; a folder holds "
                         "case files or a FHIR Bulk Data export (*.ndjson)", field=str(path))
    names = [p.name.lower() for p in path.iterdir() if p.is_file()]
    if any(n.endswith((".ndjson", ".ndjson.gz")) for n in names):
        return InputKind.bulk
    if any(n.endswith(CASE_SUFFIXES) for n in names):
        return InputKind.cases
    raise InputError("the folder holds no case files (*.yaml, *.json) and no FHIR Bulk Data files (*.ndjson)",
                     field=str(path))


def _check_parquet(path: Path) -> None:
    """A file named .parquet that Arrow cannot open (its footer) is the user's input, not a failure of
    mednec: refused naming the file, before the run starts."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pq.read_metadata(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"not a readable Parquet file ({str(exc).splitlines()[0][:160]})", field=str(path)) from None


def input_files(path: Path, kind: InputKind) -> list[Path]:
    """The files a run reads, sorted (the order chunks are cut in)."""
    if kind is InputKind.table:
        return [path]
    if kind is InputKind.cases:
        return sorted(p for p in path.iterdir() if p.is_file() and p.name.lower().endswith(CASE_SUFFIXES))
    return sorted(p for p in path.iterdir() if p.is_file() and p.name.lower().endswith((".ndjson", ".ndjson.gz")))


def fingerprint(path: Path, kind: InputKind) -> str:
    """Names, sizes and modification times of the input files: a resume refuses a changed input."""
    h = hashlib.sha256(kind.value.encode())
    for f in input_files(path, kind):
        st = f.stat()
        h.update(f"{f.name}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def chunk_ranges(total: int, size: int) -> Iterator[tuple[int, int, int]]:
    """``(index, start, stop)`` of each chunk of ``size`` over ``total`` items."""
    for k, start in enumerate(range(0, total, size)):
        yield k, start, min(total, start + size)
