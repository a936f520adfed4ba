"""Questions about where or how a drug is given, not whether it is necessary (held-out round 7 z22: "Can Leqvio be
given at home or does it have to be in the clinic?" was answered as a Leqvio request, 'insufficient information').
Written before the change (helper text7): 4 logistics phrasings x 4 drugs are other questions; a request that
mentions home or the clinic in passing stays a request."""

from __future__ import annotations

import itertools

import pytest

from mednec.intake.question import intent_of

DRUGS = ["Leqvio", "Repatha", "Wegovy", "Reblozyl"]
LOGISTICS = ["Can {d} be given at home or does it have to be in the clinic?",
             "Where is {d} administered - infusion center or office?",
             "Can the patient self-inject {d}?",
             "How should {d} be stored? Does it need to be refrigerated?"]
REQUESTS = ["Is {d} medically necessary? She would self-inject at home.",
            "{d} request: ASCVD, LDL 110 on atorvastatin 80; to be given in the clinic.",
            "Prior auth for {d}, given in the office every 6 months."]


@pytest.mark.parametrize(("d", "q"), list(itertools.product(DRUGS, LOGISTICS)))
def test_logistics_is_not_a_request(d: str, q: str) -> None:
    assert intent_of(q.format(d=d)) == "other"


@pytest.mark.parametrize(("d", "q"), list(itertools.product(DRUGS, REQUESTS)))
def test_a_request_mentioning_the_place_stays_one(d: str, q: str) -> None:
    assert intent_of(q.format(d=d)) == "necessity"
