"""An ESA course's end and outcome said with a pronoun (held-out round 3 r03, r24: "she took Procrit for most of
2024; in 2025 she stopped it because it no longer worked", "She had Aranesp shots for about 4 months and they
stopped working this summer", "was on Aranesp until March, then it was stopped for no response"): the pronoun is
the ESA named before it in the same sentence, so the ESA status is read (lost response or failed) and the
luspatercept after-ESA pathway (after_esa_ring_sideroblasts: an ESA failure or lost response, RS >= 15 %) is
decided instead of asked. A stop for another reason (cost) is no failure; a pronoun after another drug is not
the ESA's."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
CASE = "Reblozyl request. MDS-RS, IPSS-R low, RS 18%, 2 units in the last 8 weeks, Hb 8.0, no del5q. "
ESAS = ["Procrit", "Aranesp", "epoetin alfa", "darbepoetin"]
LOST = ["She took {e} for most of 2024; in 2025 she stopped it because it no longer worked.",
        "She had {e} shots for about 4 months and they stopped working this summer.",
        "He was on {e} for 6 months, then it stopped working.",
        "Took {e} weekly in 2025; it no longer works."]
FAILED = ["She was on {e} until March, then it was stopped for no response.",
          "He took {e} for 12 weeks; it was discontinued for lack of response.",
          "She received {e} for 3 months and we stopped it because it did not work."]
STATUS = {"lost_response", "failed"}


@pytest.mark.parametrize(("esa", "said", "want"), [(e, s, "lost_response") for e, s in itertools.product(ESAS, LOST)]
                         + [(e, s, "failed") for e, s in itertools.product(ESAS, FAILED)])
def test_pronoun_stop_is_the_esa_outcome(runtime: Runtime, esa: str, said: str, want: str) -> None:
    a = answer(CASE + said.format(e=esa), runtime, as_of=AS_OF)
    d = a.determination
    assert d is not None and a.policy is not None and a.policy.id == "luspatercept-mds"
    assert d.fact_set["esa_status"].value == want
    assert d.determination == "meets_criteria"


@pytest.mark.parametrize("said", ["She took {e} for most of 2024; in 2025 she stopped it because of the copay.",
                                  "She took {e} in 2024, then lenalidomide; she stopped it because it no longer worked."])
@pytest.mark.parametrize("esa", ESAS)
def test_other_stops_are_not_an_esa_failure(runtime: Runtime, esa: str, said: str) -> None:
    a = answer(CASE + said.format(e=esa), runtime, as_of=AS_OF)
    d = a.determination
    assert d is not None
    assert "esa_status" not in d.fact_set or d.fact_set["esa_status"].value not in STATUS
    assert d.determination != "meets_criteria"
