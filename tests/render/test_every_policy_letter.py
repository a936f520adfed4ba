"""Every policy's documents, not only the bundled examples' (issue 17: 'nothing about mednec's
verification status' in a letter): for each policy of every pack, its first test case of each
determination renders its article and the document that fits it, in every audience, without the editors' research
notes or internal paths. Found the lenalidomide letter's 'The label's MDS dose was seen only in a
secondary source' (a policy's dosing text is printed in the letter)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from mednec.engine.determination import INSUFFICIENT, MEETS, NOT_MET
from mednec.render.article import ArticleSources
from mednec.render.formats import render_markdown
from mednec.render.letters import build_document
from mednec.runtime import default_runtime

from .cases import AUDIENCES
from .test_references import NOTES

DOC_FOR = {MEETS: "letter", NOT_MET: "denial", INSUFFICIENT: "info-request"}


def _first_cases() -> list[tuple[str, str, Path]]:
    """(policy id, determination, case file): the first test case of each determination per policy."""
    rt = default_runtime()
    out = []
    for policy in rt.catalog.policies():
        seen: set[str] = set()
        folder = Path(rt.catalog.pack_of(policy).path)
        for path in sorted(folder.glob("*/cases/*.yaml")):
            raw: dict[str, Any] = yaml.safe_load(path.read_text("utf-8"))
            if not isinstance(raw, dict) or raw.get("policy", policy.id) != policy.id or "case" not in raw:
                continue
            want = (raw.get("expect") or {}).get("determination")
            if want in DOC_FOR and want not in seen and path.parent.parent.name in policy.id.replace("-", "_"):
                seen.add(want)
                out.append((policy.id, want, path))
    return out


CASES = _first_cases()


def test_the_family_covers_every_pack() -> None:
    rt = default_runtime()
    packs = {rt.catalog.pack_of(rt.catalog.policy(pid)).id for pid, _, _ in CASES}
    assert len(packs) >= 3 and len(CASES) >= 20, (packs, len(CASES))


@pytest.mark.parametrize(("policy_id", "want", "path"), CASES, ids=[f"{p}-{w}" for p, w, _ in CASES])
def test_every_policys_documents_carry_no_research_notes(policy_id: str, want: str, path: Path) -> None:
    rt = default_runtime()
    policy = rt.catalog.policy(policy_id)
    raw = yaml.safe_load(path.read_text("utf-8"))
    as_of = raw.get("as_of")
    case = rt.parse_case(raw["case"], as_of=as_of if isinstance(as_of, dt.date) else None)
    det = rt.evaluate(case.facts, policy, phase=raw.get("phase", "initial"), variant=raw.get("variant"))
    if det.determination != want:
        pytest.skip(f"{path.name}: {det.determination} here (the case's own test checks it)")
    if raw.get("variant"):
        policy = policy.with_variant(raw["variant"])
    src = ArticleSources.of(policy, rt.catalog.pack_of(policy), rt.dictionary, case_name=path.name, case_title="t")
    for document in ("article", DOC_FOR[want]):
        for audience in AUDIENCES:
            md = render_markdown(build_document(det, src, document=document, audience=audience)).lower()
            assert [n for n in NOTES if n in md] == [], (document, audience, [n for n in NOTES if n in md])
