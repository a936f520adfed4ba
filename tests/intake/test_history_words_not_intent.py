"""A request whose history mentions a dose or side effects is still a request (held-out round 6 w29, w55):
"Ozempic: T2D ... stopped on her own (no side effects). ...", "Nexletol: ... myalgias on pravastatin 10 (lowest
dose) ..." were refused as not about medical necessity, because "side effects" and "dose" are the words of a
dosing or safety question. Such words ask only in the question itself: its first sentence or a sentence that
ends with "?". Table-driven: requests x history clauses; and the questions that must stay other.
Held out: written before the change, first contact in the commit.
"""

from __future__ import annotations

import itertools

import pytest

from mednec.intake.question import intent_of

REQUESTS = ["Ozempic: T2D, A1c 7.9. {h}. No MI.", "Nexletol for CAD s/p PCI, LDL 118. {h}.",
            "Zepbound PA: BMI 36, HTN. {h}.", "Reblozyl: MDS-RS, IPSS-R low, 4u/8wk. {h}.",
            "Nexletol: CAD s/p PCI, muscle aches on pravastatin 10 (lowest dose), LDL 118. {h}."]
HISTORY = ["Took metformin 2019-2021, stopped on her own (no side effects)", "myalgia on pravastatin 10 (lowest dose)",
           "Procrit at the maximum dose for 12 weeks without response", "tolerated the starting dose well",
           "no adverse effects on atorvastatin", "dose reduced for nausea"]
QUESTIONS = ["What are the side effects of Wegovy?", "Reblozyl dosing for MDS?", "What dose of Repatha for HeFH?",
             "Is Leqvio safe in pregnancy?", "Risk of thrombosis with Reblozyl?", "Zepbound: what is the starting dose?"]


@pytest.mark.parametrize(("req", "hist"), list(itertools.product(REQUESTS, HISTORY)))
def test_history_words_leave_a_request(req: str, hist: str) -> None:
    assert intent_of(req.format(h=hist)) == "necessity"


@pytest.mark.parametrize("q", QUESTIONS)
def test_questions_about_dose_or_safety_stay_other(q: str) -> None:
    assert intent_of(q) == "other"
