"""Several processes on this machine: forked workers that read their own chunks and write their
own files, the parent only handing out work and keeping the manifest.

::

    with ProcessExecutor(2) as executor:
        run_batch(Path("members.parquet"), Path("out"), settings, executor=executor)

The workers are forked once the parent has loaded what every chunk needs (the runtime, the
policies, the compiled columnar programs), so they start in milliseconds and share that memory.
A task carries only where its data is (:class:`mednec.population.inputs.TableSlice`: a row range
of a Parquet table; any task with a ``source``) or, for inputs read by the parent, its data; the
worker evaluates it, writes the chunk's files into the run's folder
(:class:`mednec.population.manifest.ChunkWriter`) and sends back the manifest entry. Consecutive
chunks of one row group (``TableSlice.group``) go to one worker together, so each row is decoded
once, as in a single process. The files are the same as a single process writes.

Unlike :class:`mednec.population.cluster.DaskExecutor` (an existing cluster, or workers that do
not share the disk), nothing but a few hundred bytes per chunk crosses between processes.
Linux and macOS only (``fork``).
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import queue
import traceback
from collections.abc import Iterator
from typing import Any

from mednec.population.inputs import BatchSettings, ChunkTask
from mednec.population.manifest import ChunkWriter, WrittenChunk

__all__ = ["ProcessExecutor", "WorkerFailed"]


class WorkerFailed(RuntimeError):
    """A worker process raised (its traceback is the message) or died."""


def _spans(tasks: Iterator[ChunkTask]) -> Iterator[list[ChunkTask]]:
    """Consecutive tasks of the same ``source.group`` together (a task without one alone)."""
    span: list[ChunkTask] = []
    key: Any = None
    for task in tasks:
        group = getattr(task.source, "group", None)
        if span and (group is None or group != key):
            yield span
            span = []
        span.append(task)
        key = group
    if span:
        yield span


def _work(tasks: Any, results: Any, settings: BatchSettings, writer: ChunkWriter) -> None:
    """A worker: evaluate and write each chunk of each span it is given, until told to stop.
    After each chunk the Arrow memory pool gives its free pages back (a worker that keeps them
    grows with every span it starts, and two workers keep twice)."""
    import pyarrow as pa

    from mednec.population.runner import process_chunk

    while True:
        span = tasks.get()
        if span is None:
            return
        for task in span:
            try:
                written = writer.write(process_chunk(task.loaded(), settings))
            except BaseException:  # noqa: BLE001 - reported to the parent, which stops the run
                results.put(("failed", task.index, traceback.format_exc()))
                return
            results.put(("chunk", written, None))
            pa.default_memory_pool().release_unused()
        results.put(("span", None, None))


class ProcessExecutor:
    """``workers`` forked processes on this machine (see the module docstring)."""

    reads_input = True

    def __init__(self, workers: int, *, spans_per_worker: int = 2) -> None:
        self.workers = workers
        self.spans_per_worker = spans_per_worker

    def __enter__(self) -> ProcessExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def run(self, tasks: Iterator[ChunkTask], settings: BatchSettings) -> Iterator[Any]:
        raise TypeError("ProcessExecutor writes its chunks itself: use run_written (run_batch does)")

    def run_written(self, tasks: Iterator[ChunkTask], settings: BatchSettings,
                    writer: ChunkWriter) -> Iterator[WrittenChunk]:
        """Evaluate and write every task's chunk in the workers; the entries as chunks finish."""
        from mednec.population.runner import warm_up

        warm_up(settings)  # loaded once here, shared by the forked workers
        gc.collect()
        gc.freeze()  # the collector then never touches (and so never copies) the objects the workers share
        ctx = mp.get_context("fork")
        todo: Any = ctx.Queue()
        done: Any = ctx.Queue()
        procs = [ctx.Process(target=_work, args=(todo, done, settings, writer), daemon=True,
                             name=f"mednec-batch-worker-{i}") for i in range(self.workers)]
        for p in procs:
            p.start()
        spans = _spans(tasks)
        queued = 0
        try:
            first = next(spans, None)
            # spans that carry their data (read by the parent) wait in this process's memory until a
            # worker takes them: one ahead in all; spans that carry only where their rows are, more
            depth = self.workers * self.spans_per_worker if first and first[0].source is not None else self.workers + 1
            for _ in range(depth):
                span = first if first is not None else next(spans, None)
                first = None
                if span is None:
                    break
                todo.put(span)
                queued += 1
            while queued:
                kind, item, text = self._next(done, procs)
                if kind == "failed":
                    raise WorkerFailed(f"chunk {item} failed in a worker process:\n{text}")
                if kind == "chunk":
                    yield item
                    continue
                queued -= 1  # a span finished: hand out the next one
                span = next(spans, None)
                if span is not None:
                    todo.put(span)
                    queued += 1
            for _ in procs:
                todo.put(None)
            for p in procs:
                p.join()
        finally:
            gc.unfreeze()
            for p in procs:
                if p.is_alive():
                    p.terminate()
                p.join()
            todo.close()
            done.close()

    @staticmethod
    def _next(done: Any, procs: list[Any]) -> tuple[str, Any, Any]:
        """The next message from the workers; a worker that died without one stops the run."""
        while True:
            try:
                message: tuple[str, Any, Any] = done.get(timeout=0.5)
                return message
            except queue.Empty:
                dead = [p for p in procs if p.exitcode not in (None, 0)]
                if dead:
                    raise WorkerFailed(f"worker process {dead[0].name} died (exit code {dead[0].exitcode})") from None
