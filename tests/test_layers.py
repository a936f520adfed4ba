"""The import graph's layering, computed from the source (every import, also those inside functions
and under ``TYPE_CHECKING``): a lower layer never imports a higher one, packages form no cycle, and
modules form no cycle.

Layers, lowest first (README, "Architecture"); a unit is a top-level package or module of ``mednec``.
Units in one layer may import each other as long as they form no cycle.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = SRC / "mednec"

LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("base", frozenset({"errors", "extras", "yaml_loader", "tri", "states", "settings", "packdirs", "hygiene",
                       "jsontypes"})),
    ("facts", frozenset({"facts"})),
    ("calculators", frozenset({"calculators"})),
    ("policies", frozenset({"policies"})),
    ("engine and intake", frozenset({"engine", "intake"})),
    ("runtime", frozenset({"runtime"})),
    ("render and interop", frozenset({"render", "fhir"})),
    ("services", frozenset({"store", "population", "ask", "compare", "documents", "followup", "labels", "packcheck", "claims"})),
    ("api, web and cli", frozenset({"api", "web", "cli", "__main__", "mednec"})),
)
LAYER = {unit: i for i, (_, units) in enumerate(LAYERS) for unit in units}

#: Units of one layer that stand beside each other: neither imports the other.
BESIDE = (("engine", "intake"), ("render", "fhir"))

#: Persistence (the store) imports no protocol code.
PROTOCOLS = frozenset({"fhir", "api", "web", "cli"})


def _module(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _files() -> dict[str, Path]:
    return {_module(p): p for p in ROOT.rglob("*.py") if "packs" not in p.relative_to(ROOT).parts}


def import_graph() -> dict[str, set[str]]:
    """Module -> the mednec modules it imports (``from pkg import sub`` counts as importing ``pkg.sub``)."""
    files = _files()
    graph: dict[str, set[str]] = {m: set() for m in files}
    for mod, path in files.items():
        package = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                graph[mod] |= {a.name for a in node.names if a.name.split(".")[0] == "mednec"}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package[: len(package) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                if target.split(".")[0] != "mednec":
                    continue
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    graph[mod].add(sub if sub in files else target)
        graph[mod].discard(mod)
    return graph


def unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "mednec"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    x = stack.pop()
                    on.discard(x)
                    comp.append(x)
                    if x == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_every_unit_has_a_layer(graph: dict[str, set[str]]) -> None:
    """A new top-level module or package goes into LAYERS above (and the README's architecture)."""
    assert {unit(m) for m in graph} - set(LAYER) == set(), "add the new unit to LAYERS in tests/test_layers.py"


def test_lower_layers_never_import_higher_ones(graph: dict[str, set[str]]) -> None:
    bad = [f"{a} ({LAYERS[LAYER.get(unit(a), 0)][0]}) imports {b} ({LAYERS[LAYER.get(unit(b), 0)][0]})"
           for a, targets in sorted(graph.items()) for b in sorted(targets)
           if b in graph and LAYER.get(unit(b), 0) > LAYER.get(unit(a), 0)]
    assert bad == []


def test_packages_form_no_cycle(graph: dict[str, set[str]]) -> None:
    units: dict[str, set[str]] = defaultdict(set)
    for a, targets in graph.items():
        units[unit(a)] |= {unit(b) for b in targets if b in graph and unit(b) != unit(a)}
    assert _cycles(dict(units)) == []


def test_modules_form_no_cycle(graph: dict[str, set[str]]) -> None:
    assert _cycles({a: {b for b in targets if b in graph} for a, targets in graph.items()}) == []


@pytest.mark.parametrize(("left", "right"), BESIDE)
def test_units_beside_each_other_do_not_import_each_other(graph: dict[str, set[str]], left: str, right: str) -> None:
    bad = [f"{a} imports {b}" for a, targets in sorted(graph.items()) for b in sorted(targets)
           if {unit(a), unit(b)} == {left, right}]
    assert bad == []


def test_persistence_imports_no_protocol_code(graph: dict[str, set[str]]) -> None:
    bad = [f"{a} imports {b}" for a, targets in sorted(graph.items()) if unit(a) == "store"
           for b in sorted(targets) if unit(b) in PROTOCOLS]
    assert bad == []


def test_the_checks_can_fail() -> None:
    """The cycle finder finds a cycle, and the graph sees imports inside functions."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert "mednec.engine.evaluate" in import_graph()["mednec.render.article"]  # imported inside a function


def test_the_readme_shows_the_layers() -> None:
    """README, "Architecture": one row per layer, lowest first, naming exactly that layer's units."""
    readme = (SRC.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1:3] for line in section.splitlines() if line.startswith("| ") and "`" in line]
    shown = [(name.strip(), {u.strip("`/") for u in units.split()}) for name, units in rows]
    want = [(name, set(units) - {"__main__", "mednec"}) for name, units in LAYERS]
    assert shown == want
