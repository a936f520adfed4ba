"""The decision and appeal timeframes of a program are the same in every pack.

Each pack carries its own programs table (its evidence file) and its own copy of the
regulations that table cites. A correction made in one pack (the Medicare Advantage appeal
figures and their CMS source, 6 December 2026) left the other packs' Medicare Advantage row
stating the older text; this test keeps the copies equal: for every program two packs both
state, the same figures, the same review wording and the same sources, and each cited
regulation's reference entry identical in both packs."""

from __future__ import annotations

import itertools

import pytest

from mednec.render.evidence import load_evidence
from mednec.runtime import default_runtime

RT = default_runtime()
PACKS = sorted(RT.catalog.packs, key=lambda p: p.id)
PAIRS = list(itertools.combinations(PACKS, 2))


def test_more_than_one_pack_states_programs() -> None:
    assert sum(1 for p in PACKS if load_evidence(p).programs) >= 2


@pytest.mark.parametrize(("a", "b"), PAIRS, ids=[f"{a.id}-{b.id}" for a, b in PAIRS])
def test_a_program_reads_the_same_in_every_pack(a, b) -> None:  # type: ignore[no-untyped-def]
    pa, pb = load_evidence(a).programs, load_evidence(b).programs
    for pid in sorted(set(pa) & set(pb)):
        ra, rb = pa[pid], pb[pid]
        assert ra._replace(cites=()) == rb._replace(cites=()), pid
        assert [c.ref for c in ra.cites] == [c.ref for c in rb.cites], pid
        for ref in (c.ref for c in ra.cites):
            assert a.references[ref]._replace(note="") == b.references[ref]._replace(note=""), (pid, ref)
