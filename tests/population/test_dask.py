"""The same run on a local Dask cluster (two worker processes on 127.0.0.1) writes the same files."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from mednec.population.cluster import DaskExecutor, executor_for
from mednec.population.runner import run_batch
from mednec.runtime import Runtime
from tests.population.conftest import settings_for


def test_local_cluster_of_two_workers_gives_identical_results(rt: Runtime, population_dir: Path, tmp_path: Path) -> None:
    settings = settings_for(rt, "luspatercept-mds", "lenalidomide-mds")
    for name in ("members.parquet", "bulk"):
        single, dask = tmp_path / f"single-{name}", tmp_path / f"dask-{name}"
        run_batch(population_dir / name, single, settings, chunk_size=20)
        with executor_for(None, 2, dask=True) as executor:
            assert isinstance(executor, DaskExecutor) and executor.workers == 2
            summary = run_batch(population_dir / name, dask, settings, chunk_size=20, executor=executor)
        assert summary.complete and summary.chunks_run >= 2
        a, b = sorted((single / "results").iterdir()), sorted((dask / "results").iterdir())
        assert [f.name for f in a] == [f.name for f in b]
        for fa, fb in zip(a, b, strict=True):
            assert pq.read_table(fa).equals(pq.read_table(fb)), fa.name
        assert sorted(p.name for p in (single / "errors").iterdir()) == sorted(p.name for p in (dask / "errors").iterdir())
