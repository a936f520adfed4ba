"""Fixtures for population runs: small synthetic populations in each input form."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mednec.population.inputs import BatchSettings, PolicySpec
from mednec.population.synthetic import AS_OF, write_bulk, write_cases, write_table
from mednec.runtime import Runtime, default_runtime


@pytest.fixture(scope="session")
def rt() -> Runtime:
    return default_runtime()


@pytest.fixture(scope="session")
def population_dir(tmp_path_factory: pytest.TempPathFactory, rt: Runtime) -> Path:
    """120 synthetic patients as a Parquet table, a CSV table, case files and a Bulk export."""
    root = tmp_path_factory.mktemp("population")
    write_table(120, root / "members.parquet", rt.dictionary, seed=7)
    write_table(120, root / "members.csv", rt.dictionary, seed=7)
    write_cases(40, root / "cases", seed=7)
    write_bulk(30, root / "bulk", seed=7)
    return root


def settings_for(rt: Runtime, *names: str, phase: str = "initial", as_of: dt.date = AS_OF,
                 fixed: bool = False, engine: str = "rowwise", full: bool = False) -> BatchSettings:
    specs = tuple(PolicySpec(rt.catalog.policy(n).id, rt.catalog.policy(n).version) for n in names)
    return BatchSettings(specs, phase, as_of, fixed, engine, full)
