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


@pytest.mark.parametrize("cue", ["No known", "no", "denies", "No history of"])
def test_a_diagnosis_in_the_list_keeps_it_going(runtime: Runtime, cue: str) -> None:
    """held-out hn08: "No known CAD, stroke or PAD" read stroke and PAD as present"""
    for first in ("CAD", "coronary artery disease"):
        got = _facts(runtime, f"Leqvio: T2DM, HTN. {cue} {first}, stroke or PAD. CAC 412")
        assert (got.get("prior_ischemic_stroke"), got.get("symptomatic_pad")) == (False, False), (cue, first, got)


@pytest.mark.parametrize("text", ["Ozempic for weight loss, patient does not have diabetes", "Ozempic, no diabetes",
                                  "Ozempic; doesn't have diabetes", "Ozempic, non-diabetic", "Ozempic, no history of diabetes",
                                  "Ozempic, denies diabetes", "Ozempic - she has no diabetes"])
def test_no_diabetes_is_neither_type(runtime: Runtime, text: str) -> None:
    got = _facts(runtime, text)
    assert (got.get("type2_diabetes"), got.get("type1_diabetes")) == (False, False), (text, got)


@pytest.mark.parametrize(("text", "fact"), [("Mounjaro for a type 1 diabetic", "type1_diabetes"),
                                            ("Mounjaro for a type I diabetic", "type1_diabetes"),
                                            ("Ozempic for a type 2 diabetic", "type2_diabetes")])
def test_diabetic_as_an_adjective(runtime: Runtime, text: str, fact: str) -> None:
    assert _facts(runtime, text).get(fact) is True


def test_bare_diabetes_is_still_the_diagnosis(runtime: Runtime) -> None:
    assert _facts(runtime, "Mounjaro for a patient with diabetes on metformin").get("diagnosis") == "E11.9"
