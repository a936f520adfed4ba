"""A negation reaches along a list of the packs' named conditions (family from the held-out LDL set,
tests/heldout h38: "no history of heart attack, stroke or PAD" read stroke and PAD as present, a
confident wrong approval). Every cue x separator x order: each condition in the list is negated; a
condition after a new statement is not."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
CUES = ["no", "no history of", "no hx of", "denies", "negative for", "without"]
CONDITIONS = [("heart attack", "prior_mi"), ("stroke", "prior_ischemic_stroke"), ("PAD", "symptomatic_pad"),
              ("claudication", "symptomatic_pad"), ("MI", "prior_mi"), ("TIA", "tia"), ("angina", "angina")]
JOINS = [(", ", " or "), (", ", ", or "), (", ", " and "), (" or ", " or "), ("/", "/"), (", ", ", ")]


def _facts(runtime: Runtime, text: str) -> dict[str, object]:
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    return {f.fact: f.value for f in u.facts}


@pytest.mark.parametrize(("cue", "joins"), list(itertools.product(CUES, JOINS)))
def test_every_condition_of_a_negated_list_is_negated(runtime: Runtime, cue: str, joins: tuple[str, str]) -> None:
    for trio in itertools.permutations(CONDITIONS, 3):
        facts = {f for _, f in trio}
        if len(facts) < 3:
            continue
        (a, _), (b, _), (c, _) = trio
        text = f"Repatha, LDL 130, {cue} {a}{joins[0]}{b}{joins[1]}{c}"
        got = _facts(runtime, text)
        assert all(got.get(f) is False for f in facts), (text, got)


@pytest.mark.parametrize("text", ["Repatha, no MI, has had a stroke", "Repatha, no MI but a stroke in 2020",
                                  "Repatha; denies angina. Prior stroke 2021."])
def test_a_new_statement_ends_the_list(runtime: Runtime, text: str) -> None:
    assert _facts(runtime, text).get("prior_ischemic_stroke") is True, text


def test_a_positive_list_stays_positive(runtime: Runtime) -> None:
    got = _facts(runtime, "Wegovy for BMI 31 with hypertension, sleep apnea and prediabetes")
    assert (got.get("hypertension"), got.get("obstructive_sleep_apnea"), got.get("prediabetes")) == (True, True, True)
