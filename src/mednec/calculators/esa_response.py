"""ESA trial assessment from dated ESA courses.

An ESA trial is judged after at least 8 weeks (``MIN_ADEQUATE_TRIAL_WEEKS``): guidelines
assess response to epoetin or darbepoetin in lower-risk MDS after 8-12 weeks, and mednec
takes the lower bound, as recorded in the MDS pack's decisions (NCCN Guidelines for
Patients: MDS 2018 -- response "often 6-8 weeks", next line after "no response after
3 months"; ASH/ASCO 2010, Rizzo, Blood 2010;116(20):4045 -- stop after 6-8 weeks in
non-responders).

Each course has a ``response``: ``none`` | ``partial`` | ``response`` | ``lost_response`` |
``intolerant`` | ``ongoing``. The overall status is:

* ``naive``: an explicit empty history (an *absent* history is unknown, not naive);
* ``failed``: a course of at least 8 weeks with no response;
* ``lost_response``: an earlier response was lost;
* ``intolerant``: stopped for intolerance;
* ``too_short``: every unresponsive course was shorter than 8 weeks;
* ``ongoing``: a course still running without a judged response;
* ``responding``: a course with a (partial) response that was not lost.

Failure (failed, lost_response or intolerant) outranks everything else: one documented
failure is enough. Then ongoing, then responding, then too_short.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

__all__ = [
    "ESA_CITATION",
    "MIN_ADEQUATE_TRIAL_WEEKS",
    "EsaAssessment",
    "EsaCourse",
    "assess_esa",
    "course_status",
]

ESA_CITATION = "nccn-mds-patients-2018"
MIN_ADEQUATE_TRIAL_WEEKS = 8
FAILURE_STATUSES = frozenset({"failed", "lost_response", "intolerant"})
_PRIORITY = ("failed", "lost_response", "intolerant", "ongoing", "responding", "too_short")


class EsaCourse(NamedTuple):
    """One ESA course as recorded in the case."""

    drug: str
    start: dt.date
    end: dt.date | None
    response: str


class EsaAssessment(NamedTuple):
    """The overall ESA status, each course's status and length, and why."""

    status: str
    course_statuses: tuple[tuple[str, float], ...]
    explanation: str
    running: bool = False  # a course has no end date or is recorded as ongoing

    @property
    def failure(self) -> bool:
        """True when the history shows ESA failure, loss of response or intolerance."""
        return self.status in FAILURE_STATUSES


def course_status(course: EsaCourse, as_of: dt.date) -> tuple[str, float]:
    """The status of one course and its length in weeks (to ``as_of`` if still running)."""
    end = course.end or as_of
    weeks = max(0.0, (end - course.start).days / 7)
    r = course.response
    if r == "lost_response":
        return "lost_response", weeks
    if r == "intolerant":
        return "intolerant", weeks
    if r in ("response", "partial"):
        return "responding", weeks
    if r == "ongoing":
        return "ongoing", weeks
    # r == "none"
    if weeks >= MIN_ADEQUATE_TRIAL_WEEKS:
        return "failed", weeks
    return ("ongoing" if course.end is None else "too_short"), weeks


def assess_esa(courses: Sequence[EsaCourse], as_of: dt.date) -> EsaAssessment:
    """Assess an ESA history.

    Example: epoetin alfa 2026-03-01 to 2026-06-01 with no response -> 13.1 weeks, ``failed``.
    """
    if not courses:
        return EsaAssessment("naive", (), "no ESA course recorded (ESA-naive)")
    statuses = tuple(course_status(c, as_of) for c in courses)
    found = {s for s, _ in statuses}
    status = next(s for s in _PRIORITY if s in found)
    parts = [
        f"{c.drug} {c.start.isoformat()} to {c.end.isoformat() if c.end else 'now'}"
        f" ({w:.1f} wk): {s.replace('_', ' ')}"
        for c, (s, w) in zip(courses, statuses, strict=True)
    ]
    running = any(c.end is None or c.response == "ongoing" for c in courses)
    return EsaAssessment(status, statuses, "; ".join(parts), running)
