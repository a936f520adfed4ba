"""An adverse effect said before the statin with "w/" for "with" (held-out round 9 t9-l04): "pt can't tolerate
statins - myalgias w/ atorva 10mg and simva 20mg" was not read, so the statin step was asked. Written before the
change (helper text9): 4 effects x 2 spellings of "w/" x 3 statin pairs; the control keeps a tolerated statin."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
EFFECTS = ["myalgias", "muscle aches", "muscle pain", "myopathy"]
WS = ["w/ ", "w/"]
PAIRS = [("atorva 10mg", "simva 20mg", {"atorvastatin", "simvastatin"}),
         ("atorvastatin 10 mg", "rosuvastatin 5 mg", {"atorvastatin", "rosuvastatin"}),
         ("rosuva 5mg", "pravastatin 40mg", {"rosuvastatin", "pravastatin"})]
LEAD = "Leqvio? h/o ischemic CVA 2024. LDL 131. pt can't tolerate statins - "


@pytest.mark.parametrize(("effect", "w", "pair"), list(itertools.product(EFFECTS, WS, PAIRS)))
def test_both_statins_not_tolerated(runtime: Runtime, effect: str, w: str, pair: tuple) -> None:
    text = f"{LEAD}{effect} {w}{pair[0]} and {pair[1]}, CK nl."
    history = understand(text, runtime.catalog, runtime.dictionary, AS_OF).case["facts"].get("medication_history") or []
    assert {c["drug"] for c in history if c["response"] == "intolerant"} == pair[2]
    d = answer(text, runtime, as_of=AS_OF).determination
    assert d is not None and d.determination == "meets_criteria"  # NLA intolerance (a lowest dose among them)


def test_tolerated_with_is_not_an_effect(runtime: Runtime) -> None:
    text = "Leqvio? h/o ischemic CVA 2024. LDL 131. No myalgias w/ atorva 80 mg daily x 2 yrs."
    history = understand(text, runtime.catalog, runtime.dictionary, AS_OF).case["facts"].get("medication_history") or []
    assert not any(c["response"] == "intolerant" for c in history)
