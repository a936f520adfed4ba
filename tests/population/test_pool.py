"""Worker processes of this machine (``--workers N``) write the same files as one process."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mednec.errors import InputError
from mednec.population.cluster import executor_for
from mednec.population.inputs import ChunkTask, InputKind, TableSlice
from mednec.population.pool import ProcessExecutor, WorkerFailed
from mednec.population.runner import LocalExecutor, run_batch
from mednec.runtime import Runtime
from tests.population.conftest import settings_for


def _manifest(folder: Path) -> dict[str, object]:
    data = json.loads((folder / "manifest.json").read_text())
    for chunk in data["chunks"].values():
        del chunk["seconds"]
    return data


def _same_run(a: Path, b: Path) -> None:
    ma, mb = _manifest(a), _manifest(b)
    assert ma["totals"] == mb["totals"]
    assert ma["chunks"] == mb["chunks"]  # the same files, byte for byte (their SHA-256), and counts
    assert ma["chunks_total"] == mb["chunks_total"] and ma["complete"] and mb["complete"]


@pytest.mark.parametrize(("name", "engine"), [("members.parquet", "columnar"), ("members.parquet", "rowwise"),
                                              ("members.csv", "columnar"), ("cases", "rowwise"),
                                              ("bulk", "rowwise"), ("bulk", "columnar")])
def test_two_worker_processes_write_the_files_one_process_writes(rt: Runtime, population_dir: Path, tmp_path: Path,
                                                                 name: str, engine: str) -> None:
    settings = settings_for(rt, "luspatercept-mds", "lenalidomide-mds", engine=engine)
    one, two = tmp_path / "one", tmp_path / "two"
    run_batch(population_dir / name, one, settings, chunk_size=17, ndjson=True)
    with executor_for(None, 2) as executor:
        assert isinstance(executor, ProcessExecutor) and executor.workers == 2
        summary = run_batch(population_dir / name, two, settings, chunk_size=17, ndjson=True, executor=executor)
    assert summary.complete and summary.chunks_run >= 2
    _same_run(one, two)


def test_one_worker_is_this_process_and_dask_needs_workers() -> None:
    with executor_for(None, 1) as executor:
        assert isinstance(executor, LocalExecutor)
    with pytest.raises(InputError, match="--dask"), executor_for(None, None, dask=True):
        pass


def test_a_slice_reads_the_rows_a_stream_reads(tmp_path: Path) -> None:
    """Row ranges across row groups, read forward, backward and skipping ahead, give the table's rows."""
    path = tmp_path / "t.parquet"
    table = pa.table({"patient_id": [f"p{i}" for i in range(1000)], "x": list(range(1000))})
    pq.write_table(table, path, row_group_size=128)
    ranges = [(0, 70), (70, 140), (140, 300), (300, 301), (290, 400), (900, 1000), (5, 6), (600, 777)]
    for start, stop in ranges:
        task = ChunkTask(0, InputKind.table, source=TableSlice(str(path), start, stop)).loaded()
        assert task.table.equals(table.slice(start, stop - start)), (start, stop)
        assert task.size == stop - start


def test_a_chunk_failing_in_a_worker_stops_the_run_and_is_not_recorded(rt: Runtime, population_dir: Path,
                                                                       tmp_path: Path) -> None:
    settings = settings_for(rt, "luspatercept-mds", engine="columnar")
    src = tmp_path / "bad.parquet"
    pq.write_table(pq.read_table(population_dir / "members.parquet"), src)
    out = tmp_path / "out"
    broken = ProcessExecutor(2)
    tasks_of = broken.run_written

    def run_written(tasks, settings, writer):  # type: ignore[no-untyped-def]
        def damaged():  # type: ignore[no-untyped-def]
            for task in tasks:
                if task.index == 3:
                    task = ChunkTask(3, InputKind.table, source=TableSlice(str(tmp_path / "missing.parquet"), 0, 1))
                yield task
        return tasks_of(damaged(), settings, writer)

    broken.run_written = run_written  # type: ignore[method-assign]
    with pytest.raises(WorkerFailed, match="chunk 3 failed in a worker process"):
        run_batch(src, out, settings, chunk_size=20, executor=broken)
    manifest = json.loads((out / "manifest.json").read_text())
    assert "3" not in manifest["chunks"] and not manifest["complete"]
    summary = run_batch(src, out, settings, chunk_size=20)  # resumed in one process: completes
    assert summary.complete


def test_chunks_grouped_by_row_group_give_the_same_files(rt: Runtime, population_dir: Path, tmp_path: Path) -> None:
    """A table of many row groups: the chunks starting in one row group go to one worker together
    (chunk boundaries that do not meet the row groups'); the files are a single process's."""
    from mednec.population.runner import _slice_tasks

    src = tmp_path / "groups.parquet"
    pq.write_table(pq.read_table(population_dir / "members.parquet"), src, row_group_size=12)
    _, _, tasks = _slice_tasks(src, 5, set(), 2)
    groups = [t.source.group for t in tasks]
    assert groups == sorted(groups) and len(set(groups)) == 10 and len(groups) == 24
    settings = settings_for(rt, "luspatercept-mds", "imetelstat-mds", engine="columnar")
    one, two = tmp_path / "one", tmp_path / "two"
    run_batch(src, one, settings, chunk_size=5)
    with executor_for(None, 2) as executor:
        run_batch(src, two, settings, chunk_size=5, executor=executor)
    _same_run(one, two)


def test_without_fork_the_workers_are_a_local_dask_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where processes cannot be forked (Windows), --workers N starts the local Dask cluster instead."""
    import multiprocessing

    from mednec.population.cluster import DaskExecutor

    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    with executor_for(None, 2) as executor:
        assert isinstance(executor, DaskExecutor) and executor.workers == 2


def test_a_resume_without_a_chunk_size_keeps_the_runs(rt: Runtime, population_dir: Path, tmp_path: Path) -> None:
    """A run started with another chunk size (the default was 5,000 for every input) resumes with
    its own, not today's default."""
    settings = settings_for(rt, "luspatercept-mds", engine="columnar")
    out = tmp_path / "out"
    first = run_batch(population_dir / "members.parquet", out, settings, chunk_size=50)
    assert first.complete and first.chunks_run == 3
    again = run_batch(population_dir / "members.parquet", out, settings)
    assert again.complete and again.chunks_run == 0
    assert json.loads((out / "manifest.json").read_text())["chunk_size"] == 50
