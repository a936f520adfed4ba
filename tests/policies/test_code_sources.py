"""A code that decides a fact rests on a primary source: `mednec policies check` fails on a code marked
secondary (except the few listed as pending verification, a list that only shrinks) and on a code whose
`source:` is not a confirmed reference of its pack (or of facts/references.yaml for the core)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from mednec.facts.dictionary import Code, load_dictionary
from mednec.packcheck import codes
from mednec.packcheck.check import check_all
from mednec.packcheck.codes import PENDING, code_problems, core_references, dictionary_codes
from mednec.policies.loader import load_catalog
from mednec.policies.references import Reference


def _ref(status: str) -> Reference:
    return Reference(id="r", kind="terminology", title="A code system release", year=2025, status=status)


def _world(*fact_codes: Code, refs: dict[str, Reference] | None = None) -> tuple[Any, Any]:
    """A dictionary with one fact of the pack 'toy' carrying ``fact_codes``, and that pack's references."""
    fact = SimpleNamespace(pack="toy", codes=fact_codes, values={}, code_ranges=())
    dictionary = SimpleNamespace(facts={"thing": fact})
    pack = SimpleNamespace(id="toy", path="packs/toy", references=refs or {})
    return dictionary, SimpleNamespace(packs=[pack])


@pytest.fixture
def no_pending(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codes, "PENDING", {})


@pytest.mark.usefixtures("no_pending")
@pytest.mark.parametrize(("code", "refs", "expect"), [
    (Code("ICD-10-CM", "X00", status="secondary"), {}, "rests on a secondary source"),
    (Code("LOINC", "1-1", source="nowhere"), {}, "source 'nowhere' is not in references.yaml"),
    (Code("LOINC", "1-1", source="r"), {"r": _ref("secondary")}, "source 'r' is itself secondary"),
    (Code("LOINC", "1-1", source="r"), {"r": _ref("unverified")}, "source 'r' is itself unverified"),
    (Code("LOINC", "1-1", status="probable"), {}, "status 'probable' is not one of"),
    (Code("LOINC", "1-1", status="local"), {}, "only mednec's own codes are local"),
])
def test_a_code_without_a_primary_source_is_a_problem(code: Code, refs: dict[str, Reference], expect: str) -> None:
    problems = code_problems(*_world(code, refs=refs))
    assert len(problems) == 1
    file, message = problems[0]
    assert file == "packs/toy/facts.yaml"
    assert expect in message and f"{code.system} {code.code}" in message


@pytest.mark.usefixtures("no_pending")
@pytest.mark.parametrize("code", [
    Code("ICD-10-CM", "X00", status="confirmed", source="r"),
    Code("ICD-10-CM", "X00"),  # confirmed before sources were recorded
    Code("mednec", "own", status="local"),
])
def test_a_confirmed_or_local_code_passes(code: Code) -> None:
    assert code_problems(*_world(code, refs={"r": _ref("confirmed")})) == []


def test_a_pending_code_passes_while_secondary_and_its_entry_must_go_once_it_is_not(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codes, "PENDING", {("toy", "LOINC", "1-1"): "searched in vain",
                                           ("elsewhere", "LOINC", "2-2"): "a pack not checked here"})
    assert code_problems(*_world(Code("LOINC", "1-1", status="secondary"))) == []
    (file, message), = code_problems(*_world(Code("LOINC", "1-1", status="confirmed", source="r"),
                                             refs={"r": _ref("confirmed")}))
    assert file.endswith("codes.py") and "remove it" in message and "LOINC 1-1" in message


def test_the_shipped_codes_pass_and_only_the_pending_ones_are_secondary() -> None:
    dictionary = load_dictionary()
    catalog, _ = load_catalog(dictionary, None, strict=False)
    assert code_problems(dictionary, catalog) == []
    secondary = {(pack, c.system, c.code) for pack, _, c in dictionary_codes(dictionary) if c.status == "secondary"}
    assert secondary == set(PENDING)


def test_every_shipped_icd10cm_code_names_the_release_it_was_read_in() -> None:
    dictionary = load_dictionary()
    catalog, _ = load_catalog(dictionary, None, strict=False)
    refs = {p.id: p.references for p in catalog.packs}
    icd = [(pack, c) for pack, _, c in dictionary_codes(dictionary) if c.system == "ICD-10-CM"]
    assert icd
    for pack, c in icd:
        assert c.source == "icd10cm-fy2026", c
        ref = refs[pack][c.source] if pack else core_references()[c.source]
        assert ref.status == "confirmed" and ref.kind == "terminology"
        assert f"{c.code} '" in ref.note, f"{c.code} is not among the codes the reference says were read"


def test_policies_check_reports_a_secondary_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codes, "PENDING", {})
    report = check_all()
    flagged = [m for ms in report.problems.values() for m in ms if "rests on a secondary source" in m]
    assert len(flagged) == len(PENDING)
    assert not report.ok


def test_every_shipped_code_with_a_source_is_among_the_codes_its_reference_says_were_read() -> None:
    dictionary = load_dictionary()
    catalog, _ = load_catalog(dictionary, None, strict=False)
    refs = {p.id: p.references for p in catalog.packs}
    sourced = [(pack, c) for pack, _, c in dictionary_codes(dictionary) if c.source]
    assert len(sourced) >= 50
    for pack, c in sourced:
        ref = refs[pack][c.source] if pack else core_references()[c.source]
        assert ref.kind == "terminology", c
        assert f"{c.code} '" in ref.note, f"{c.system} {c.code}: not among the codes {c.source} says were read"
