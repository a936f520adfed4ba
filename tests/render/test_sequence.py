"""One treatment-sequence model for the bottom line, the pathway table and the sequence table
(issue 17, item 4): they name the same step, and 'Meets criteria' stands only at the step of a
met pathway."""

from __future__ import annotations

import pytest

from mednec.engine.determination import MEETS
from mednec.render.formats import render_markdown
from mednec.render.sequence import pathway_steps, step_verdict
from mednec.runtime import default_runtime

from .cases import AUDIENCES, EXAMPLE_CASES, Example, document


@pytest.mark.parametrize("ex", EXAMPLE_CASES, ids=[e.name for e in EXAMPLE_CASES])
def test_bottom_line_and_sequence_table_agree(ex: Example) -> None:
    art = document(ex, "article", "clinician")
    pathway = art.determination["pathway"]
    requested = {row.step: d.determination for row in art.sequence for d in row.drugs if d.requested}
    if pathway is not None:
        step = pathway["step"]
        assert f"(step {step} of the treatment sequence)" in art.bottom_line[0].text
        assert [s for s, v in requested.items() if v == MEETS] == [step]
        group = next(g for g in art.groups if g.id == pathway["id"])
        assert group.step == step
    else:
        assert MEETS not in requested.values() or art.determination["phase"] == "continuation"
    md = render_markdown(art)
    assert "line 1 of the treatment sequence" not in md and "line 2 of the treatment sequence" not in md


def test_every_pathway_sits_at_a_step_that_lists_its_drug() -> None:
    rt = default_runtime()
    for policy in rt.catalog.policies():
        pack = rt.catalog.pack_of(policy)
        steps = pathway_steps(pack, policy)
        listed = [i for i, s in enumerate(pack.sequence, start=1) if policy.id in s.policies]
        if not listed:
            assert steps == {}
            continue
        assert set(steps) == {p.id for p in policy.pathways}
        for p in policy.pathways:
            assert steps[p.id] in listed
        firsts = [steps[p.id] for p in policy.pathways if p.line == 1]
        later = [steps[p.id] for p in policy.pathways if p.line > 1]
        assert all(f <= s for f in firsts for s in later), "a later line never sits before a first line"


def test_step_verdict_rules() -> None:
    steps = {"a": 2, "b": 3, "c": 3}
    assert step_verdict(steps, {"a": "met", "b": "not_met", "c": "unknown"}, 2) == MEETS
    assert step_verdict(steps, {"a": "met", "b": "not_met", "c": "unknown"}, 3) == "insufficient_information"
    assert step_verdict(steps, {"a": "met", "b": "not_met", "c": "not_met"}, 3) == "does_not_meet_criteria"
    assert step_verdict(steps, {"a": "met"}, 1) is None
    assert step_verdict(steps, {}, 2) is None


@pytest.mark.parametrize("audience", AUDIENCES)
def test_same_sequence_for_every_audience(audience: str) -> None:
    ex = EXAMPLE_CASES[0]
    assert document(ex, "article", audience).sequence == document(ex, "article", "clinician").sequence
