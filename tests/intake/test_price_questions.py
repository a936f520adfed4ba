"""Family test (held-out round 4, f81): a question about price is no medical-necessity question. "What's the
copay for Repatha with a Medicare plan?" was evaluated as a Repatha request (insufficient information). A
question asking the copay, cost, price or out-of-pocket cost, or for a coupon or savings card, is answered as not
a necessity question; a request that mentions cost as a stop reason ("came off Zepbound because of cost; now
asking for Wegovy") stays a request."""

from __future__ import annotations

import itertools

import pytest

from mednec.intake.question import intent_of

DRUGS = ["Repatha", "Wegovy", "Reblozyl", "Mounjaro", "Leqvio"]
PRICE = ["What's the copay for {d} with a Medicare plan?", "what is the cost of {d}?", "What would my out-of-pocket cost be for {d}?",
         "Is there a coupon for {d}?", "does {d} have a savings card", "What is the list price of {d}?",
         "What will the copay be on {d} after the deductible?"]
REQUESTS = ["Came off Zepbound in August because of cost; now asking for {d}. BMI 38, 6-month program.",
            "{d} request: stopped the statin because of cost, LDL 150, CAD",
            "Is {d} medically necessary? She stopped Ozempic because the copay was too high.",
            "Prior auth for {d} - the patient cannot afford the copay without coverage, MDS IPSS-R low"]


@pytest.mark.parametrize("text", [f.format(d=d) for f, d in itertools.product(PRICE, DRUGS)])
def test_a_price_question_is_not_necessity(text: str) -> None:
    assert intent_of(text) == "other"


@pytest.mark.parametrize("text", [f.format(d=d) for f, d in itertools.product(REQUESTS, DRUGS)])
def test_cost_in_a_request_keeps_it_a_request(text: str) -> None:
    assert intent_of(text) == "necessity"
