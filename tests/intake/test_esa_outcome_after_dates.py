"""An ESA course said with its dose, dates or length first and its outcome later in the same sentence (held-out
round 7 x03, x08, x14, xn02: "Procrit 40,000 units weekly since 6/2026, stopped 10/2026 b/c no response after 16
wks", "prior epoetin alfa 60,000 u/wk Mar-Jul 2026 with no response", "Got Procrit 40k weekly x 14 weeks earlier
this year, no response -> stopped"). At first contact the course was read without its outcome (or not at all),
so the after-ESA pathways were asked, and x14 crashed (IndexError: a course without an outcome left no ESA
history to pick). Written before the change (helper text7): each shape x each ESA x two outcomes, the ESA status
read from the determination; an outcome that belongs to another drug named after the ESA is not the ESA's; no
shape ever crashes."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
CASE = "Reblozyl request. MDS-RS, IPSS-R low, RS 18%, SF3B1+, no del5q, 2u PRBC 11/02/2026 and 2u 11/23/2026, Hb 8.0. "
ESAS = ["Procrit", "Retacrit", "epoetin alfa", "Aranesp", "darbepoetin"]
SHAPES = [
    "{e} 40,000 units weekly since 3/2026, stopped 8/2026 b/c {o}.",
    "{e} since 02/2026, d/c'd 07/2026 - {o}.",
    "Prior {e} 60,000 u/wk from 03/2026 to 08/2026 with {o}.",
    "Got {e} 40k weekly x 14 weeks earlier this year, {o} -> stopped.",
    "{e} 300 mcg q2wk x 16 wks (2025), stopped due to {o}.",
]
OUTCOMES = [("no response", "failed"), ("loss of response", "lost_response")]


@pytest.mark.parametrize(("shape", "esa", "outcome"), list(itertools.product(SHAPES, ESAS, OUTCOMES)))
def test_outcome_after_the_dates_is_the_esa_outcome(runtime: Runtime, shape: str, esa: str,
                                                     outcome: tuple[str, str]) -> None:
    said, want = outcome
    a = answer(CASE + shape.format(e=esa, o=said), runtime, as_of=AS_OF)
    d = a.determination
    assert d is not None and a.policy is not None and a.policy.id == "luspatercept-mds"
    assert d.fact_set["esa_status"].value == want
    assert d.determination == "meets_criteria"


@pytest.mark.parametrize("esa", ESAS)
@pytest.mark.parametrize("shape", [
    "{e} since 3/2026, then Revlimid 10 mg from 5/2026, stopped 8/2026 b/c no response.",
    "{e} 40,000 units weekly since 3/2026 and lenalidomide since 5/2026 with no response to lenalidomide.",
])
def test_an_outcome_after_another_drug_is_not_the_esas(runtime: Runtime, esa: str, shape: str) -> None:
    a = answer(CASE + shape.format(e=esa), runtime, as_of=AS_OF)
    d = a.determination
    assert d is not None
    assert "esa_status" not in d.fact_set or d.fact_set["esa_status"].value not in {"failed", "lost_response"}


@pytest.mark.parametrize("esa", ESAS)
def test_switch_question_never_crashes(runtime: Runtime, esa: str) -> None:
    q = (f"Switch from {esa} to Aranesp? MDS IPSS-R low, Hb 8.1, EPO 160. {esa} 40,000 units weekly since 6/2026, "
         "stopped 10/2026 b/c no response after 16 wks.")
    a = answer(q, runtime, as_of=AS_OF)
    assert a.determination is not None


# added with the fix (not held out): held-out round 4 f14 went wrong on the first version of the change -- a
# 6-week course said "from Aug 1 to Sep 12, 2026 (6 weeks), no response, stopped" must stay a question (6 to < 8
# weeks: MDS decisions), never a failure of a default 8-week course
@pytest.mark.parametrize("esa", ESAS)
@pytest.mark.parametrize("shape", ["Had {e} 40,000 u weekly from Aug 1 to Sep 12, 2026 (6 weeks), no response, stopped.",
                                   "{e} 300 mcg q2wk x 6 wks (2025), stopped due to no response.",
                                   "Got {e} 40k weekly x 7 weeks earlier this year, no response -> stopped."])
def test_a_short_course_stays_asked(runtime: Runtime, esa: str, shape: str) -> None:
    a = answer(CASE + shape.format(e=esa), runtime, as_of=AS_OF)
    d = a.determination
    assert d is not None
    assert "esa_status" not in d.fact_set or d.fact_set["esa_status"].value != "failed"
    assert d.determination != "does_not_meet_criteria"


# added with the fix (not held out): tests/intake/test_accuracy's letter n03 went wrong on the first version of the
# change -- the ESA asked for, then "refractory anemia" (a diagnosis's name), is no course and no failure
@pytest.mark.parametrize("esa", ESAS)
@pytest.mark.parametrize("shape", [
    "I am requesting coverage of epoetin alfa-epbx ({e}) 40,000 units subcutaneously once weekly for my patient, a "
    "73-year-old woman with myelodysplastic syndrome (ICD-10 D46.0, refractory anemia without ring sideroblasts).",
    "Plan to start {e} 40,000 units weekly x 12 weeks for MDS with refractory anemia.",
])
def test_the_esa_asked_for_has_no_outcome(runtime: Runtime, esa: str, shape: str) -> None:
    a = answer("MDS, IPSS-R very low, Hb 8.7, EPO 62, fatigue, never received an ESA. " + shape.format(e=esa),
               runtime, as_of=AS_OF)
    d = a.determination
    assert d is not None
    assert "esa_status" not in d.fact_set or d.fact_set["esa_status"].value not in {"failed", "lost_response"}
