"""Where a run's chunks are evaluated: this process; worker processes of this machine
(``--workers N``: :class:`mednec.population.pool.ProcessExecutor`, forked workers that read and
write their own chunks); or a Dask cluster, an existing one (``--scheduler tcp://host:8786``) or a
local one started for the run (``--workers N --dask``: N worker processes on 127.0.0.1).

On one machine the process pool is the faster of the two: a Dask client reads the input and
ships every chunk's data to the workers and every result back, and the cluster takes seconds to
start. Dask is for machines that do not share a disk, or a cluster that is already running.

Each chunk is one task (:func:`mednec.population.runner.process_chunk`) carrying its own data,
so workers need mednec (with the ``population`` extra) installed but not the input files; the
client keeps at most two tasks per worker in flight and writes each result as it arrives.
A script that starts a local cluster must guard its entry point with
``if __name__ == "__main__":`` (worker processes import the main module); the ``mednec``
command does.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mednec.errors import InputError
from mednec.population.inputs import BatchSettings, ChunkTask
from mednec.population.results import ChunkResult
from mednec.population.runner import Executor, LocalExecutor, WritingExecutor, process_chunk

__all__ = ["DaskExecutor", "executor_for"]


class DaskExecutor:
    """Chunks as Dask tasks, a bounded number in flight, results in the order they finish."""

    def __init__(self, client: Any, *, per_worker: int = 2) -> None:
        self.client = client
        self.workers = max(1, len(client.scheduler_info().get("workers", {})))
        self.per_worker = per_worker

    def run(self, tasks: Iterator[ChunkTask], settings: BatchSettings) -> Iterator[ChunkResult]:
        from distributed import as_completed

        pending = as_completed()
        submitted = 0

        def submit() -> bool:
            nonlocal submitted
            task = next(tasks, None)
            if task is None:
                return False
            pending.add(self.client.submit(process_chunk, task.loaded(), settings, pure=False,
                                           key=f"mednec-chunk-{task.index}-{submitted}"))
            submitted += 1
            return True

        for _ in range(self.workers * self.per_worker):
            if not submit():
                break
        for future in pending:
            result: ChunkResult = future.result()
            future.release()
            submit()
            yield result


@contextmanager
def executor_for(scheduler: str | None, workers: int | None, *,
                 dask: bool = False) -> Iterator[Executor | WritingExecutor]:
    """The executor a run asked for: a Dask scheduler's address; ``workers`` processes of this
    machine (a local Dask cluster of them with ``dask``, or where processes cannot be forked, as on
    Windows); or (neither) this process."""
    if scheduler and workers:
        raise InputError("give either --scheduler (an existing cluster) or --workers (a local one), not both",
                         field="--workers")
    if workers is not None and workers < 1:
        raise InputError("--workers must be at least 1", field="--workers")
    if dask and not workers:
        raise InputError("--dask starts a local Dask cluster of --workers processes: give --workers too",
                         field="--dask")
    if not scheduler and (not workers or workers == 1 and not dask):
        yield LocalExecutor()
        return
    if not scheduler and not dask and "fork" in multiprocessing.get_all_start_methods():
        from mednec.population.pool import ProcessExecutor

        assert workers is not None
        yield ProcessExecutor(workers)
        return
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise InputError(f"cannot reach the Dask scheduler: {exc}", field="--scheduler") from None
        try:
            yield DaskExecutor(client)
        finally:
            client.close()
        return
    assert workers is not None
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield DaskExecutor(client)
