"""The columnar twins' fingerprints cover the code they mirror -- the functions reached, their
classes and constants -- and nothing else: an unrelated edit in the same module leaves a fast path
on, an edit to mirrored code turns it off (and the run says so)."""

from __future__ import annotations

import dataclasses
import importlib.util
import linecache
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pyarrow.parquet as pq
import pytest

from mednec.population.columnar import digests
from mednec.population.columnar.run import evaluate_chunk_columnar
from mednec.population.inputs import BatchSettings, ChunkTask, InputKind, PolicySpec
from mednec.population.synthetic import AS_OF
from mednec.runtime import default_runtime

PROBE = '''
from __future__ import annotations

import re

LIMIT = 3
_PATTERN = re.compile(r"^a+$")
_CACHE: dict[str, int] = {}
TABLE = {
    "a": 1,
    "b": 2,
}


class Box:
    size: int = 1

    def grow(self, n: int) -> int:
        return n + LIMIT


def helper(x: int) -> int:
    return x * TABLE["a"]


def unrelated(x: int) -> int:
    return x - 1


def root(x: int, box: Box) -> int:
    _CACHE[str(x)] = x
    return helper(x) + box.grow(x) + (1 if _PATTERN.match("aa") else 0)
'''


def _load(tmp_path: Path, text: str, n: int) -> ModuleType:
    path = tmp_path / f"probe{n}.py"
    path.write_text(textwrap.dedent(text))
    linecache.checkcache(str(path))
    name = "mednec._fingerprint_probe"  # one name (a digest names what it covers), a new file each time
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def probes(tmp_path: Path) -> Iterator[list[str]]:
    names: list[str] = []
    yield names
    for n in set(names):
        sys.modules.pop(n, None)


def _digest(tmp_path: Path, probes: list[str], text: str) -> str:
    module = _load(tmp_path, text, len(probes))
    probes.append(module.__name__)
    return digests.code_digest(module.root)


def _probe() -> ModuleType:
    return sys.modules["mednec._fingerprint_probe"]


def test_the_fingerprint_covers_the_code_reached_and_nothing_else(tmp_path: Path, probes: list[str]) -> None:
    base = _digest(tmp_path, probes, PROBE)
    module = _probe()
    keys = {k.rsplit(".", 1)[1] for k in digests.reached(module.root)}
    assert {"root", "helper", "Box", "LIMIT", "TABLE", "_PATTERN", "_CACHE"} <= keys
    assert "unrelated" not in keys
    module.root(2, module.Box())  # a cache filled at run time does not change the fingerprint
    assert digests.code_digest(module.root) == base
    same = [
        PROBE.replace("return x - 1", "return x - 2"),  # a function root does not reach
        PROBE + "\n\nOTHER = {'x': 1}\n",  # a new constant
        "\n\n# a comment that moves every line\n" + PROBE,
    ]
    for text in same:
        assert _digest(tmp_path, probes, text) == base, text
    changed = [
        PROBE.replace("return x * TABLE", "return x + TABLE"),  # a helper
        PROBE.replace('"b": 2', '"b": 3'),  # a table the helper reads
        PROBE.replace("LIMIT = 3", "LIMIT = 4"),  # a constant a method reads
        PROBE.replace("return n + LIMIT", "return n - LIMIT"),  # a method of a class in the annotations
        PROBE.replace("size: int = 1", "size: int = 2"),  # a class attribute
        PROBE.replace('r"^a+$"', 'r"^a*$"'),  # a pattern
    ]
    for text in changed:
        assert _digest(tmp_path, probes, text) != base, text


def test_the_fingerprints_are_cheap_and_the_same_in_every_process() -> None:
    """Computed once per process at start-up (a worker process inherits them), so they must be
    quick: no module is parsed (inspect.getsource parsed whole modules: about 0.3 s)."""
    import os
    import subprocess

    code = ("from mednec.runtime import default_runtime; default_runtime();"
            "from mednec.population.columnar import digests as d; import time; t = time.process_time();"
            "print(*(d.code_digest(*f()) for f in d.PARTS.values()), time.process_time() - t)")
    outs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout.split()
            for seed in (1, 2)]
    assert outs[0][:-1] == outs[1][:-1]
    assert outs[0][:-1] == [digests.EXPECTED[p] for p in digests.PARTS]
    assert min(float(outs[0][-1]), float(outs[1][-1])) < 0.15


def test_a_changed_value_parser_is_said_in_the_notes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from mednec.population.synthetic import write_table

    rt = default_runtime()
    write_table(30, tmp_path / "t.parquet", rt.dictionary, seed=3)
    table = pq.read_table(tmp_path / "t.parquet")
    policy = rt.catalog.policy("luspatercept-mds")
    s = BatchSettings((PolicySpec(policy.id, policy.version),), "initial", AS_OF, False, "columnar")
    ok = evaluate_chunk_columnar(ChunkTask(0, InputKind.table, table=table), s)
    assert not ok.notes
    monkeypatch.setattr(digests, "EXPECTED", {**digests.EXPECTED, "values": "0" * 16})
    slow = evaluate_chunk_columnar(ChunkTask(0, InputKind.table, table=table), s)
    assert any("value parsers (intake/values.py) changed" in n for n in slow.notes), slow.notes
    assert slow.arrow().equals(ok.arrow())


def test_the_benchmark_flags_a_run_that_took_a_slow_route(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """bench_population shows the run's notes loudly: with a stale fingerprint every row would take
    the exact but slow route and the benchmark would mislead."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    import bench_population as bench

    from mednec.population.synthetic import write_table

    write_table(40, tmp_path / "t.parquet", default_runtime().dictionary, seed=5)
    r = bench._run("columnar", "parquet", "columnar", 1, 40, tmp_path / "t.parquet", tmp_path / "out")
    assert r.rows > 0 and bench.slow_routes(r) == []  # the fingerprints match: the fast path
    bench._warn(r)
    assert "SLOW ROUTE" not in capsys.readouterr().out
    stale = dataclasses.replace(r, notes=("columnar engine: calculator ipss_r changed since its columnar twin was "
                                          "written; it ran patient by patient",), engines={"columnar": 1, "rowwise": 2})
    assert len(bench.slow_routes(stale)) == 2
    bench._warn(stale)
    out = capsys.readouterr().out
    assert "SLOW ROUTE" in out and "ipss_r changed" in out and "2 chunk(s) answered by the row-wise engine" in out
