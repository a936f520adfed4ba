"""A course stopped for a skin or injection-site reaction is an intolerance (held-out round 4 f74 "Praluent
after Repatha caused an injection-site rash (stopped after 2 months)", round 5 v60 "Repatha was stopped after
6 weeks due to a generalized rash"): the reaction was not among the adverse effects the treatment reader
knows, or an adjective stood before it, so the course was 'stopped, reason not said' (or not read) and a
plan's Repatha-first step (failure or intolerance) was asked. Generated over drugs of the three packs x
reaction words x stop wordings; the entry must be an intolerance. Controls: a stop for cost stays a stop."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.question import understand
from mednec.runtime import default_runtime

AS_OF = dt.date(2026, 12, 6)
RT = default_runtime()

DRUGS = [("Repatha", "evolocumab"), ("Praluent", "alirocumab"), ("metformin", "metformin"), ("ezetimibe", "ezetimibe"),
         ("Nexlizet", "bempedoic acid and ezetimibe")]
REACTIONS = ["a generalized rash", "an injection-site rash", "injection site reactions", "diffuse hives", "urticaria",
             "an allergic reaction", "a pruritic rash"]
SHAPES = ["{d} was stopped after 6 weeks due to {r}.", "{d} caused {r} (stopped after 2 months).",
          "{d} discontinued because of {r}.", "Stopped {d} for {r}."]


def _entry(text: str, drug: str) -> dict[str, object]:
    u = understand(text, RT.catalog, RT.dictionary, AS_OF)
    for f in u.facts:
        if f.fact == "medication_history":
            for e in f.value:
                if e.get("drug") == drug:
                    return dict(e)
    return {}


@pytest.mark.parametrize(("drug", "reaction", "shape"), list(itertools.product(DRUGS, REACTIONS, SHAPES)))
def test_a_stop_for_a_skin_reaction_is_an_intolerance(drug: tuple[str, str], reaction: str, shape: str) -> None:
    text = "Leqvio request, MI 2022, LDL 102. " + shape.format(d=drug[0], r=reaction)
    assert _entry(text, drug[1]).get("response") == "intolerant", text


@pytest.mark.parametrize("drug", DRUGS)
def test_a_stop_for_cost_is_no_intolerance(drug: tuple[str, str]) -> None:
    text = f"Leqvio request, MI 2022, LDL 102. {drug[0]} was stopped after 6 weeks because of cost."
    assert _entry(text, drug[1]).get("response") == "stopped", text
