"""A course that ended at a relative time is not taken now ("was on metformin until last year", "took
atorvastatin until 3 months ago", "on ezetimibe until recently"; held-out round 5 v42: "was on metformin
until last year" was read as metformin taken now, a confident 'meets' for Ozempic on a step the text says
ended). Generated: drugs of the three step therapies x cue x relative end; the course must be stopped,
never ongoing, and its end no later than the words allow. Controls: "until" a future visit, or a course
"until" its next dose, is not an end in the past."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.intake.question import understand
from mednec.runtime import default_runtime

AS_OF = dt.date(2026, 12, 6)
RT = default_runtime()

DRUGS = [("metformin", "metformin"), ("glipizide 5 mg", "glipizide"), ("atorvastatin 80 mg", "atorvastatin"),
         ("rosuvastatin", "rosuvastatin"), ("ezetimibe 10 mg", "ezetimibe")]
CUES = ["was on {d} until {w}", "took {d} until {w}", "had been taking {d} until {w}", "{d} until {w}"]
WHEN = [("last year", dt.date(2025, 12, 31)), ("3 months ago", dt.date(2026, 9, 7)), ("two years ago", dt.date(2024, 12, 6)),
        ("last month", dt.date(2026, 11, 30)), ("recently", None), ("a year ago", dt.date(2025, 12, 6))]
CASES = list(itertools.product(DRUGS, CUES, WHEN))


def _entry(text: str, drug: str) -> dict[str, object]:
    u = understand(text, RT.catalog, RT.dictionary, AS_OF)
    hist = RT.parse_case(u.case, as_of=AS_OF).facts.get("medication_history")
    found = [dict(e) for e in (hist.value if hist else ()) if e["drug"] == drug]
    return found[0] if found else {}


@pytest.mark.parametrize(("drug", "cue", "when"), CASES)
def test_a_course_ended_at_a_relative_time_is_not_ongoing(drug: tuple[str, str], cue: str,
                                                          when: tuple[str, dt.date | None]) -> None:
    text = "Ozempic for T2DM dx 2019, " + cue.format(d=drug[0], w=when[0]) + ", A1c 7.9"
    e = _entry(text, drug[1])
    assert e.get("response") != "ongoing", (text, e)
    end = e.get("end")
    if when[1] is not None and end is not None:
        assert end <= when[1] + dt.timedelta(days=3), (text, e)  # type: ignore[operator]


def test_the_step_is_asked_not_met() -> None:
    a = answer("Ozempic: T2DM dx 2019, was on metformin until last year, A1c 7.9", RT, as_of=AS_OF)
    assert a.determination is not None and a.determination.determination == "insufficient_information"


@pytest.mark.parametrize("text", ["Ozempic for T2DM, on metformin 1000 mg BID until the next visit, A1c 8.1",
                                  "Ozempic for T2DM, on metformin until 2027 per endocrine plan, A1c 8.1"])
def test_an_end_not_in_the_past_is_no_stop(text: str) -> None:
    assert _entry(text, "metformin").get("response") == "ongoing", text
