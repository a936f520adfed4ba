"""Shared fixtures, and collection of each policy's YAML test cases as pytest items."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mednec.runtime import Runtime, default_runtime


@pytest.fixture(scope="session", autouse=True)
def _isolated_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Commands that keep cases (`mednec ask`) write to a throw-away database, not the user's."""
    import os

    old = os.environ.get("MEDNEC_DATABASE_URL")
    os.environ["MEDNEC_DATABASE_URL"] = f"sqlite:///{tmp_path_factory.mktemp('store') / 'mednec.db'}"
    yield
    if old is None:
        os.environ.pop("MEDNEC_DATABASE_URL", None)
    else:
        os.environ["MEDNEC_DATABASE_URL"] = old


@pytest.fixture(scope="session")
def runtime() -> Runtime:
    """The fact dictionary and the shipped policy packs, loaded once."""
    return default_runtime()


class PolicyCaseItem(pytest.Item):
    """One YAML case beside a policy: facts -> expected determination and reasons."""

    def __init__(self, *, policy_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.policy_id = policy_id

    def runtest(self) -> None:
        from mednec.packcheck.cases import run_case

        rt = default_runtime()
        result = run_case(rt, rt.catalog.policy(self.policy_id), Path(self.path))
        if not result.ok:
            raise AssertionError("\n".join(result.failures))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{self.policy_id}: {self.name}"


class PolicyCaseFile(pytest.File):
    def collect(self) -> Iterator[PolicyCaseItem]:
        policy_file = self.path.parent.parent / "policy.yaml"
        import yaml

        policy_id = yaml.safe_load(policy_file.read_text("utf-8"))["id"]
        yield PolicyCaseItem.from_parent(self, name=self.path.stem, policy_id=policy_id)


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> PolicyCaseFile | None:
    if file_path.suffix == ".yaml" and file_path.parent.name == "cases" and (
        file_path.parent.parent / "policy.yaml"
    ).is_file():
        return PolicyCaseFile.from_parent(parent, path=file_path)
    return None
