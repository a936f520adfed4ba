"""Running chunks on a Dask cluster: an existing one (``--scheduler tcp://host:8786``) or a
local one started for the run (``--workers N``: N worker processes on 127.0.0.1).

Each chunk is one task (:func:`mednec.population.runner.process_chunk`) carrying its own data,
so workers need mednec (with the ``population`` extra) installed but not the input files; the
client keeps at most two tasks per worker in flight and writes each result as it arrives.
A script that starts a local cluster must guard its entry point with
``if __name__ == "__main__":`` (worker processes import the main module); the ``mednec``
command does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mednec.errors import InputError
from mednec.population.inputs import BatchSettings, ChunkTask
from mednec.population.results import ChunkResult
from mednec.population.runner import Executor, LocalExecutor, process_chunk

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
            pending.add(self.client.submit(process_chunk, task, settings, pure=False,
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
def executor_for(scheduler: str | None, workers: int | None) -> Iterator[Executor]:
    """The executor a run asked for: a Dask scheduler's address, a local cluster of ``workers``
    processes, or (neither) this process."""
    if scheduler and workers:
        raise InputError("give either --scheduler (an existing cluster) or --workers (a local one), not both",
                         field="--workers")
    if not scheduler and not workers:
        yield LocalExecutor()
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
    if workers < 1:
        raise InputError("--workers must be at least 1", field="--workers")
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield DaskExecutor(client)
