"""Docs that cannot drift: every CLI command and calculator appears in the README."""

from __future__ import annotations

from pathlib import Path

import mednec
from mednec.cli import app
from mednec.runtime import default_runtime

README = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")


def _commands() -> list[str]:
    out = [f"mednec {c.name or c.callback.__name__}" for c in app.registered_commands]  # type: ignore[union-attr]
    for group in app.registered_groups:
        sub = group.typer_instance
        assert sub is not None
        out += [f"mednec {group.name} {c.name or c.callback.__name__}" for c in sub.registered_commands]  # type: ignore[union-attr]
    return out


def test_every_command_is_documented() -> None:
    commands = _commands()
    assert "mednec evaluate" in commands
    for cmd in commands:
        assert f"`{cmd}" in README, f"{cmd} is not documented in README.md"


def test_every_calculator_is_documented() -> None:
    for calc in default_runtime().catalog.calculators:
        assert f"`{calc.name}`" in README, f"calculator {calc.name} is not documented in README.md"


def test_public_api_is_exactly_all() -> None:
    public = {n for n in dir(mednec) if not n.startswith("_") and not isinstance(getattr(mednec, n), type(mednec))}
    assert public - {"annotations"} == set(mednec.__all__) - {"__version__"}


def test_readme_first_screen_has_the_two_commands() -> None:
    head = README[:1500]
    root = Path(__file__).resolve().parents[1]
    assert "python3 -m pip install -c constraints.txt -e . && mednec evaluate examples/" in head
    test_command = "python3 -m pip install -c constraints.txt -e '.[all,test]' && python3 -m pytest"
    assert test_command in head
    assert test_command in (root / ".ci" / "run").read_text()
    # the lock file the commands use pins every package (name==version), including the test tools
    pins = dict(line.split("==") for line in (root / "constraints.txt").read_text().splitlines()
                if line and not line.startswith((" ", "#")))
    assert {"pytest", "schemathesis", "fastapi", "sqlalchemy", "medspacy", "numpy", "typst"} <= set(pins)
