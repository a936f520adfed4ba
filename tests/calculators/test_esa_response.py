"""ESA trial assessment.

Rules (module docstring of ``mednec.calculators.esa_response``): an adequate trial is at
least 8 weeks (56 days); per course ``none`` -> failed (>= 8 weeks), too_short (ended
before 8 weeks) or ongoing (still running, under 8 weeks); ``response``/``partial`` ->
responding; ``lost_response``, ``intolerant`` and ``ongoing`` map to themselves. Revised
(issue 13): a partial response is a failure once ended, or while >= 2 units in 8 weeks or Hb <
10 g/dL; a finished unresponsive course of 6 to < 8 weeks is one of failed / too short. Overall:
failed > lost_response > intolerant > ongoing > responding > too_short; ``[]`` is naive.
"""

from __future__ import annotations

import datetime as dt

import pytest

from mednec.calculators.esa_response import (
    MIN_ADEQUATE_TRIAL_WEEKS,
    EsaCourse,
    assess_esa,
    course_status,
)

AS_OF = dt.date(2026, 11, 20)
START = dt.date(2026, 3, 1)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def course(response: str, length_days: int | None, *, drug: str = "epoetin alfa",
           start: dt.date = START) -> EsaCourse:
    """A course starting on ``start``; ``length_days=None`` means still running."""
    end = None if length_days is None else start + days(length_days)
    return EsaCourse(drug, start, end, response)


def running_for(response: str, length_days: int) -> EsaCourse:
    """A course with no end date that started ``length_days`` before AS_OF."""
    return EsaCourse("darbepoetin alfa", AS_OF - days(length_days), None, response)


def test_the_adequate_trial_is_8_weeks() -> None:
    assert MIN_ADEQUATE_TRIAL_WEEKS == 8


# --- single courses ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("c", "status", "weeks", "failure"),
    [
        # no response after an adequate trial
        pytest.param(course("none", 92), "failed", 92 / 7, True, id="none-13wk-failed"),
        pytest.param(course("none", 56), "failed", 8.0, True, id="none-exactly-8wk-failed"),
        # spec change (issue 13): under 6 weeks is too short; 6 to < 8 weeks is undecided (below)
        pytest.param(course("none", 41), "too_short", 41 / 7, False, id="none-41d-too_short"),
        pytest.param(course("none", 14), "too_short", 2.0, False, id="none-2wk-too_short"),
        pytest.param(course("none", 0), "too_short", 0.0, False, id="none-same-day-too_short"),
        # still running (no end date): measured to AS_OF
        pytest.param(running_for("none", 55), "ongoing", 55 / 7, False, id="running-55d-ongoing"),
        pytest.param(running_for("none", 56), "failed", 8.0, True, id="running-exactly-8wk-failed"),
        pytest.param(running_for("none", 0), "ongoing", 0.0, False, id="running-from-today"),
        # an explicit "ongoing" response is ongoing whatever the length
        pytest.param(running_for("ongoing", 120), "ongoing", 120 / 7, False,
                     id="response-ongoing-long"),
        pytest.param(course("ongoing", 20), "ongoing", 20 / 7, False,
                     id="response-ongoing-with-end"),
        # responses
        pytest.param(course("response", 70), "responding", 10.0, False, id="response"),
        # spec change (issue 13): a partial response whose course ended is an inadequate response
        pytest.param(course("partial", 70), "failed", 10.0, True, id="partial-ended-failed"),
        pytest.param(running_for("response", 30), "responding", 30 / 7, False,
                     id="response-running-short"),
        # failures other than no response, at any length
        pytest.param(course("lost_response", 200), "lost_response", 200 / 7, True,
                     id="lost_response"),
        pytest.param(course("intolerant", 7), "intolerant", 1.0, True, id="intolerant-1wk"),
        pytest.param(course("intolerant", 84), "intolerant", 12.0, True, id="intolerant-12wk"),
    ],
)
def test_single_course(c: EsaCourse, status: str, weeks: float, failure: bool) -> None:
    a = assess_esa([c], AS_OF)
    assert a.status == status
    assert a.failure is failure
    assert len(a.course_statuses) == 1
    got_status, got_weeks = a.course_statuses[0]
    assert got_status == status
    assert got_weeks == pytest.approx(weeks)
    assert course_status(c, AS_OF) == a.course_statuses[0]


def test_naive_is_an_explicit_empty_history() -> None:
    a = assess_esa([], AS_OF)
    assert a.status == "naive"
    assert a.course_statuses == ()
    assert a.failure is False
    assert "naive" in a.explanation.lower()


def test_docstring_example() -> None:
    # epoetin alfa 2026-03-01 to 2026-06-01 with no response -> 92 days = 13.1 weeks, failed
    a = assess_esa([EsaCourse("epoetin alfa", dt.date(2026, 3, 1), dt.date(2026, 6, 1), "none")],
                   AS_OF)
    assert a.status == "failed"
    assert a.course_statuses[0][1] == pytest.approx(13.14, abs=0.01)
    assert "13.1 wk" in a.explanation


# --- priority when several courses -------------------------------------------------------
FAILED = course("none", 60)
LOST = course("lost_response", 100)
INTOLERANT = course("intolerant", 10)
ONGOING = running_for("none", 20)
RESPONDING = course("response", 70)
TOO_SHORT = course("none", 30)


@pytest.mark.parametrize(
    ("courses", "status"),
    [
        pytest.param([RESPONDING, FAILED], "failed", id="failed>responding"),
        pytest.param([ONGOING, FAILED], "failed", id="failed>ongoing"),
        pytest.param([TOO_SHORT, FAILED], "failed", id="failed>too_short"),
        pytest.param([LOST, FAILED], "failed", id="failed>lost_response"),
        pytest.param([INTOLERANT, FAILED], "failed", id="failed>intolerant"),
        pytest.param([INTOLERANT, LOST], "lost_response", id="lost_response>intolerant"),
        pytest.param([ONGOING, LOST], "lost_response", id="lost_response>ongoing"),
        pytest.param([RESPONDING, LOST], "lost_response", id="lost_response>responding"),
        pytest.param([ONGOING, INTOLERANT], "intolerant", id="intolerant>ongoing"),
        pytest.param([RESPONDING, INTOLERANT], "intolerant", id="intolerant>responding"),
        pytest.param([TOO_SHORT, INTOLERANT], "intolerant", id="intolerant>too_short"),
        pytest.param([RESPONDING, ONGOING], "ongoing", id="ongoing>responding"),
        pytest.param([TOO_SHORT, ONGOING], "ongoing", id="ongoing>too_short"),
        pytest.param([TOO_SHORT, RESPONDING], "responding", id="responding>too_short"),
        pytest.param([TOO_SHORT, TOO_SHORT], "too_short", id="too_short-twice"),
        # two short trials do not add up to an adequate one
        pytest.param([course("none", 30), course("none", 30, start=dt.date(2026, 6, 1))],
                     "too_short", id="two-4wk-trials-still-too_short"),
        pytest.param([TOO_SHORT, RESPONDING, ONGOING, INTOLERANT, LOST, FAILED], "failed",
                     id="all-six"),
    ],
)
def test_priority(courses: list[EsaCourse], status: str) -> None:
    assert assess_esa(courses, AS_OF).status == status
    assert assess_esa(list(reversed(courses)), AS_OF).status == status


def test_course_statuses_follow_input_order() -> None:
    a = assess_esa([TOO_SHORT, FAILED, RESPONDING], AS_OF)
    assert [s for s, _ in a.course_statuses] == ["too_short", "failed", "responding"]


def test_explanation_names_each_course() -> None:
    a = assess_esa(
        [EsaCourse("epoetin alfa", dt.date(2026, 1, 5), dt.date(2026, 2, 2), "none"),
         EsaCourse("darbepoetin alfa", dt.date(2026, 10, 1), None, "ongoing")],
        AS_OF,
    )
    assert "epoetin alfa 2026-01-05 to 2026-02-02 (4.0 wk): too short" in a.explanation
    assert "darbepoetin alfa 2026-10-01 to now" in a.explanation
    assert a.status == "ongoing"


# --- revised decisions (issue 13): 6 to < 8 weeks, partial responses ----------------------
@pytest.mark.parametrize("length", [42, 48, 55])
def test_six_to_eight_weeks_is_undecided_and_asks_for_the_course(length: int) -> None:
    from mednec.facts.partial import OneOf

    a = assess_esa([course("none", length)], AS_OF)
    assert isinstance(a.status, OneOf) and set(a.status.options) == {"failed", "too_short"}
    assert a.status.missing == ("esa_history",) and "dose" in a.status.reason
    assert a.failure is False
    # with a documented failure elsewhere every possibility is a failure: a criterion is decided
    both = assess_esa([course("none", length), LOST], AS_OF).status
    assert isinstance(both, OneOf) and set(both.options) <= {"failed", "lost_response", "intolerant"}


def test_under_six_weeks_is_too_short() -> None:
    assert assess_esa([course("none", 41)], AS_OF).status == "too_short"


@pytest.mark.parametrize(
    ("units_8w", "hb", "status"),
    [
        pytest.param(2.0, 10.5, "failed", id="still-2-units"),
        pytest.param(0.0, 9.9, "failed", id="hb-below-10"),
        pytest.param(0.0, 10.0, "responding", id="responding"),
        pytest.param(1.0, 11.0, "responding", id="one-unit-responding"),
    ],
)
def test_running_partial_response(units_8w: float, hb: float, status: str) -> None:
    assert assess_esa([running_for("partial", 100)], AS_OF, units_8w, hb).status == status


def test_running_partial_response_without_the_deciding_facts_is_undecided() -> None:
    from mednec.facts.partial import OneOf

    a = assess_esa([running_for("partial", 100)], AS_OF, None, 10.5)
    assert isinstance(a.status, OneOf) and a.status.missing == ("rbc_transfusions",)
    assert assess_esa([running_for("partial", 100)], AS_OF, None, 9.0).status == "failed"
