"""Family test (held-out round 8 l29): a question about keeping a drug ("Can Repatha pens be kept at room temperature
and for how long?") was answered as a Repatha request (asks). How a drug is stored or kept -- room temperature, the
fridge, how long it lasts out of it, its expiry or shelf life -- is no medical-necessity question, as where it is
given is not (round 7 z22). Table-driven: phrasings x drugs; controls: a request that mentions the fridge or
room temperature in passing stays a request."""

from __future__ import annotations

import itertools

import pytest

from mednec.intake.question import intent_of

DRUGS = ["Repatha", "Leqvio", "Wegovy", "Zepbound", "Reblozyl", "Praluent"]
STORAGE = ["Can {d} pens be kept at room temperature and for how long?",
           "How long is {d} good for out of the fridge?",
           "Does {d} have to be kept in the fridge?",
           "What is the shelf life of {d} once opened?",
           "If {d} was left out overnight at room temp, can she still use it?"]
REQUESTS = ["Is {d} medically necessary? Pharmacy will ship it cold, she has a fridge at home.",
            "{d} request: ASCVD, LDL 110 on atorvastatin 80 mg x 2 years; pens kept at room temperature by the clinic."]


@pytest.mark.parametrize(("d", "q"), list(itertools.product(DRUGS, STORAGE)))
def test_storage_is_not_a_request(d: str, q: str) -> None:
    assert intent_of(q.format(d=d)) == "other", q.format(d=d)


@pytest.mark.parametrize(("d", "q"), list(itertools.product(DRUGS, REQUESTS)))
def test_a_request_mentioning_storage_stays_one(d: str, q: str) -> None:
    assert intent_of(q.format(d=d)) == "necessity", q.format(d=d)
