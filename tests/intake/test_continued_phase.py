"""A renewal asked as "Is continued Zepbound medically necessary?" (held-out round 6 wn07): judged on the initial
criteria, so a 3.8 % weight loss that fails the continuation was never weighed (asked for the lifestyle
programme instead). "continued <drug>", "continued treatment / therapy (with <drug>)", "continued use of
<drug>" ask about a continuation. Table-driven over the three packs' drugs; a plain initial request stays initial.
Held out: written before the change, first contact in the commit.
"""

from __future__ import annotations

import itertools

import pytest

from mednec.ask import phase_in

DRUGS = ["Zepbound", "Wegovy", "Reblozyl", "Rytelo", "Revlimid", "Procrit", "Repatha", "Leqvio", "Praluent"]
FORMS = ["Is continued {d} medically necessary?", "Is continued {d} therapy still medically necessary?",
         "continued treatment with {d} - medically necessary?", "Request for continued use of {d}",
         "Does she qualify for continued {d}?"]
INITIAL = ["Is {d} medically necessary?", "Start {d}: medically necessary?", "{d} request - PA for a new start"]


@pytest.mark.parametrize(("form", "drug"), list(itertools.product(FORMS, DRUGS)))
def test_continued_is_a_continuation(form: str, drug: str) -> None:
    assert phase_in(form.format(d=drug)) == "continuation"


@pytest.mark.parametrize(("form", "drug"), list(itertools.product(INITIAL, DRUGS)))
def test_a_new_start_stays_initial(form: str, drug: str) -> None:
    assert phase_in(form.format(d=drug)) == "initial"
