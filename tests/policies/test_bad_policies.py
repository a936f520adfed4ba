"""Broken-policy fixtures: one small invalid policy per validator message (tests/policies/bad/).

Each fixture is tests/policies/small_policy.yaml (valid) changed in one place; its ``# expect:``
lines are exactly the problems the validator reports, in order. A message the validator can
give (a literal or f-string in mednec.policies.compile) that no fixture expects fails
``test_every_message_has_a_fixture``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from mednec.errors import ConfigError
from mednec.policies import compile as compile_module
from mednec.policies.compile import compile_with_variants
from mednec.policies.schema import parse_policy
from mednec.runtime import Runtime

HERE = Path(__file__).resolve().parent
BAD = sorted((HERE / "bad").glob("*.yaml"))


@pytest.fixture(scope="module")
def runtime() -> Runtime:
    return Runtime.load()


def _expected(path: Path) -> list[str]:
    return [line.removeprefix("# expect:").strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith("# expect:")]


def _problems(path: Path, runtime: Runtime) -> list[ConfigError]:
    model = parse_policy(yaml.safe_load(path.read_text(encoding="utf-8")))
    pack = next(p for p in runtime.catalog.packs if p.id == "mds_anemia")
    _, problems = compile_with_variants(model, runtime.dictionary, pack.references, source=path.name, pack=pack.id)
    return problems


def test_the_small_policy_is_valid(runtime: Runtime) -> None:
    assert _problems(HERE / "small_policy.yaml", runtime) == []


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_a_broken_policy_reports_its_message(path: Path, runtime: Runtime) -> None:
    expected = _expected(path)
    assert expected, f"{path.name} has no '# expect:' line"
    problems = _problems(path, runtime)
    assert [p.message for p in problems] == expected
    assert all(p.field for p in problems)  # every problem names the place in the file


def _templates() -> list[re.Pattern[str]]:
    """The validator's messages as patterns: each problem(...) or ConfigError(...) call in
    mednec.policies.compile whose message is a literal or an f-string (placeholders match anything)."""
    tree = ast.parse(Path(compile_module.__file__).read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        msg = node.args[-1] if name == "problem" else node.args[0] if name == "ConfigError" else None
        if isinstance(msg, ast.Constant) and isinstance(msg.value, str):
            out.append(re.compile(re.escape(msg.value)))
        elif isinstance(msg, ast.JoinedStr):
            parts = [re.escape(v.value) if isinstance(v, ast.Constant) else ".+" for v in msg.values]
            out.append(re.compile("".join(parts)))
    return out


def test_every_message_has_a_fixture() -> None:
    templates = _templates()
    assert len(templates) >= 25
    expected = [m for path in BAD for m in _expected(path)]
    missing = [t.pattern for t in templates if not any(t.fullmatch(m) for m in expected)]
    assert missing == []


def test_the_unknown_fact_message_has_a_fixture() -> None:
    """The one message built by a call (FactDictionary.unknown_message), not a literal."""
    assert any(m.startswith("unknown fact ") for path in BAD for m in _expected(path))
