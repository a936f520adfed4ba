"""Policy versions follow logic: a policy whose logic digest changed while its version stayed the
same fails `mednec policies check` (mednec.packcheck.versions), with a message saying how to bump
and record; wording and citations do not count (mednec.policies.logic)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mednec.cli import app
from mednec.facts.dictionary import load_dictionary
from mednec.packcheck.check import check_all
from mednec.packcheck.versions import record_versions, version_problems
from mednec.packdirs import shipped_packs_dir
from mednec.policies.loader import load_catalog, read_yaml
from mednec.policies.logic import RECORD_FILE, logic_digest, logic_view
from mednec.runtime import default_runtime

SHIPPED = shipped_packs_dir()


def _packs(root: Path):  # type: ignore[no-untyped-def]
    catalog, report = load_catalog(load_dictionary(root), root, strict=False)
    assert report.ok, report.problems
    return catalog.packs


def _copy(tmp_path: Path, pack: str = "mds_anemia") -> Path:
    dest = tmp_path / pack
    shutil.copytree(SHIPPED / pack, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert text.count(old) >= 1, old
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_every_shipped_pack_records_every_policy_version() -> None:
    packs = _packs(SHIPPED)
    assert {p.id for p in packs} >= {"mds_anemia", "glp1_weight_diabetes", "ldl_lowering"}
    for pack in packs:
        assert (Path(pack.path) / RECORD_FILE).is_file(), pack.id
        assert version_problems(pack) == [], pack.id
        record = read_yaml(Path(pack.path) / RECORD_FILE)
        assert set(record) == {p.id for p in pack.policies}, pack.id


def test_the_mds_policies_changed_after_their_first_version_carry_a_new_one() -> None:
    """The MDS policies' logic changed under 2026.11.1 (presumptions, inferences, del(5q) rules); the
    record keeps 2026.11.1's first digest, different from the version now in force."""
    mds = next(p for p in _packs(SHIPPED) if p.id == "mds_anemia")
    record = read_yaml(Path(mds.path) / RECORD_FILE)
    for policy in mds.policies:
        assert policy.version != "2026.11.1", policy.id
        assert record[policy.id]["2026.11.1"] != record[policy.id][policy.version], policy.id


@pytest.mark.parametrize(("old", "new"), [
    ("lt: 11.5", "lt: 11.0"),                      # a threshold
    ("{fact: del5q, is: false, infer", "{fact: sf3b1_mutation, is: false, infer"),  # the fact a leaf reads
    ("is: false", "is: true"),                      # an operand
])
def test_a_logic_change_under_the_same_version_is_a_problem(tmp_path: Path, old: str, new: str) -> None:
    root = _copy(tmp_path)
    _edit(root / "luspatercept" / "policy.yaml", old, new)
    pack = next(p for p in _packs(root) if p.id == "mds_anemia")
    problems = [m for _, m in version_problems(pack)]
    assert len(problems) == 1, problems
    version = next(p.version for p in pack.policies if p.id == "luspatercept-mds")
    assert f"its version is still {version}" in problems[0]
    assert "--record-versions" in problems[0] and "changes:" in problems[0]


@pytest.mark.parametrize(("old", "new"), [
    ("text: Hemoglobin", "text: Haemoglobin"),           # wording
    ("cite: [mednec-mds-decisions]", "cite: [reblozyl-pi]"),  # a citation
    ("notes:\n", "notes:\n  - One more note.\n"),        # notes
    ("if_unmet: ", "if_unmet: Reworded - "),          # what would change the answer, in words
])
def test_wording_and_citations_do_not_change_the_digest(tmp_path: Path, old: str, new: str) -> None:
    root = _copy(tmp_path)
    path = root / "luspatercept" / "policy.yaml"
    before = logic_digest(read_yaml(path))
    _edit(path, old, new)
    assert logic_digest(read_yaml(path)) == before


def test_bump_and_record_clears_the_problem_and_keeps_the_old_digest(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / "luspatercept" / "policy.yaml"
    version = str(read_yaml(path)["version"])
    _edit(path, "lt: 11.5", "lt: 11.0")
    _edit(path, f'version: "{version}"', 'version: "2099.1.1"')
    pack = next(p for p in _packs(root) if p.id == "mds_anemia")
    assert any("has no logic digest" in m for _, m in version_problems(pack))
    before = read_yaml(root / RECORD_FILE)["luspatercept-mds"]
    assert record_versions(pack) == ["luspatercept-mds@2099.1.1"]
    after = read_yaml(root / RECORD_FILE)["luspatercept-mds"]
    assert {k: after[k] for k in before} == before  # recorded versions are never rewritten
    assert after["2099.1.1"] == logic_digest(read_yaml(path))
    assert version_problems(pack) == []
    assert record_versions(pack) == []


def test_recording_never_rewrites_a_version_whose_logic_changed(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root / "luspatercept" / "policy.yaml", "lt: 11.5", "lt: 11.0")
    pack = next(p for p in _packs(root) if p.id == "mds_anemia")
    assert record_versions(pack) == []
    assert any("its version is still" in m for _, m in version_problems(pack))


def test_policies_check_runs_the_version_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              request: pytest.FixtureRequest) -> None:
    root = _copy(tmp_path, "ldl_lowering")
    _edit(root / "nexlizet" / "policy.yaml", "value: 70", "value: 55")
    report = check_all(root)
    found = [m for ms in report.problems.values() for m in ms]
    assert any("its version is still" in m for m in found), found
    # the command checks the shipped packs: here the copy stands in for them (and no runtime cached
    # meanwhile outlives the test)
    request.addfinalizer(default_runtime.cache_clear)
    monkeypatch.setattr("mednec.packdirs.shipped_packs_dir", lambda: tmp_path)
    result = CliRunner().invoke(app, ["policies", "check", "--format", "json"])
    assert result.exit_code == 1 and "its version is still" in result.output, result.output


def test_a_pack_outside_the_package_is_checked_once_it_keeps_a_record(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / RECORD_FILE).unlink()
    pack = next(p for p in _packs(root) if p.id == "mds_anemia")
    assert version_problems(pack) == []  # opted out: no record
    record_versions(pack)
    assert (root / RECORD_FILE).is_file() and version_problems(pack) == []


def test_logic_view_keeps_parameter_names_and_numbers_as_numbers() -> None:
    raw = {"version": "1", "text": "x", "parameters": {"text": {"value": 70, "text": "LDL", "cite": ["r"]}},
           "common": [{"id": "a", "fact": "ldl_c", "ge": 70, "text": "t", "cite": ["r"]}]}
    assert logic_view(raw) == {"parameters": {"text": {"value": 70.0}},
                               "common": [{"id": "a", "fact": "ldl_c", "ge": 70.0}]}
    assert logic_digest({"ge": 70}) == logic_digest({"ge": 70.0}) != logic_digest({"ge": 70.5})
    assert logic_digest({"a": 1, "b": 2}) == logic_digest({"b": 2, "a": 1})
    assert logic_digest({"l": [1, 2]}) != logic_digest({"l": [2, 1]})
