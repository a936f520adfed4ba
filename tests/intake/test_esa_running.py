"""An ESA course dated "since <date>" runs up to now (family from the held-out MDS set: "has been
on Procrit since July 2026 with no response" was read as a course that had ENDED on the evaluation
date, so imetelstat -- not to be given with an ESA -- was a confident "meets" where the policy asks
whether the ESA continues).

For every ESA name, date form and outcome wording: the course has no end, the ESA status is the
outcome's (a failure after >= 8 weeks) and imetelstat's "not given together with an ESA" is asked,
never presumed. A stop said in the same clause ends it (then nothing is asked)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
ESAS = ["Procrit", "epoetin alfa", "Aranesp", "darbepoetin", "Retacrit"]
SINCE = ["July 2026", "07/01/2026", "2026-07-01"]
LEADS = ["has been on {esa} since {d} {outcome}", "on {esa} since {d} {outcome}", "{outcome_pre} {esa} since {d}"]
OUTCOMES = [("with no response", "failed to respond to"), ("without response", "did not respond to"),
            ("with no improvement", "refractory to")]
BASE = "Rytelo for MDS, IPSS-R low, no del(5q), 4 units every 8 weeks, {esa_clause}"


def _clauses() -> list[str]:
    out = []
    for esa, d, lead, (post, pre) in itertools.product(ESAS, SINCE, LEADS, OUTCOMES):
        out.append(lead.format(esa=esa, d=d, outcome=post, outcome_pre=pre))
    return out


def _criterion(det: object, cid: str) -> str:
    return next(str(c.status.value) for c in det.criteria if c.id == cid)  # type: ignore[attr-defined]


@pytest.mark.parametrize("clause", _clauses())
def test_a_course_since_a_date_is_still_running(runtime: Runtime, clause: str) -> None:
    det = answer(BASE.format(esa_clause=clause), runtime, as_of=AS_OF).determination
    assert det is not None
    facts = det.fact_set
    assert facts["esa_running"].value is True, clause
    assert facts["esa_status"].value == "failed", clause
    assert _criterion(det, "no_concurrent_esa") == "unknown", clause
    assert det.determination == "insufficient_information", clause
    assert "medication_list" in {m.document for m in det.missing_documentation}


@pytest.mark.parametrize("stop", ["stopped in November 2026", "discontinued 11/20/2026", "now off it"])
def test_a_stop_in_the_clause_ends_it(runtime: Runtime, stop: str) -> None:
    det = answer(BASE.format(esa_clause=f"was on Procrit since July 2026 with no response, {stop}"), runtime,
                 as_of=AS_OF).determination
    assert det is not None
    assert det.fact_set["esa_running"].value is False, stop
    assert _criterion(det, "no_concurrent_esa") == "met", stop
