"""del(5q) said to be the only abnormality AFTER it (held-out round 9 t9-m08): "MDS del(5q) isolated", "MDS with del(5q)
alone", "del(5q) (sole abnormality)". Only "isolated del(5q)" before it was read, so the abnormalities besides del(5q)
were asked (lenalidomide allows at most one). Written before the change (helper text9): 7 ways x 3 leads; a
del(5q) with monosomy 7 and a negative del(5q) are the controls."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
WAYS = ["del(5q) isolated", "del(5q) alone", "del 5q, isolated", "del(5q) (sole abnormality)",
        "del(5q) as the only abnormality", "5q- alone", "del(5q) - isolated"]
LEADS = ["Revlimid req: 74yo M, MDS {w}, IPSS-R low", "Revlimid for MDS with {w}, IPSS low",
         "Lenalidomide? MDS, IPSS int-1, FISH: {w}"]
def _facts(runtime: Runtime, text: str) -> dict[str, object]:
    facts = understand(text, runtime.catalog, runtime.dictionary, AS_OF).case["facts"]
    return {k: v["value"] if isinstance(v, dict) and "value" in v else v for k, v in facts.items()}


TAIL = ", tx dependent 2u q4wk (last 11/23/26), ANC 1,200/uL, plt 88K, Hgb 8.3"


@pytest.mark.parametrize(("way", "lead"), list(itertools.product(WAYS, LEADS)))
def test_the_only_abnormality(runtime: Runtime, way: str, lead: str) -> None:
    text = lead.format(w=way) + TAIL
    facts = _facts(runtime, text)
    assert facts.get("del5q") is True
    assert facts.get("additional_cytogenetic_abnormalities") == 0.0
    d = answer(text, runtime, as_of=AS_OF).determination
    assert d is not None and d.determination == "meets_criteria"


@pytest.mark.parametrize("text", ["Revlimid: MDS, del(5q) with monosomy 7, IPSS int-1" + TAIL,
                                  "Revlimid: MDS, del 5q neg, only IPSS low" + TAIL])
def test_not_the_only_abnormality(runtime: Runtime, text: str) -> None:
    assert _facts(runtime, text).get("additional_cytogenetic_abnormalities") != 0.0
