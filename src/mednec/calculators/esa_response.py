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
* ``failed``: a course of at least 8 weeks with no response, or an inadequate (partial)
  response: a partial response whose course has ended, or that leaves the patient still needing
  transfusions (>= 2 units in the last 8 weeks) or with hemoglobin < 10 g/dL (mednec editorial
  decision: payers' "inadequate response or lost response"; under IWG 2018 a transfusion-dependent
  patient responds only by becoming transfusion-independent);
* ``lost_response``: an earlier response was lost;
* ``intolerant``: stopped for intolerance;
* ``too_short``: every unresponsive course was shorter than 6 weeks (not an adequate trial);
* ``ongoing``: a course still running without a judged response;
* ``responding``: a course with a response that was not lost (or a partial response still
  running with fewer than 2 units in the last 8 weeks and hemoglobin >= 10 g/dL).

A finished course of 6 to < 8 weeks without response is neither: ASH/ASCO 2010 judges response
after 6-8 weeks, mednec calls failure at 8. Its status is *one of* failed and too short
(:class:`~mednec.facts.partial.OneOf`), so a criterion on it stays unknown and the answer asks
for the course's dose and dates; so is a running partial response when the transfusions or the
hemoglobin that would decide it are not documented.

Failure (failed, lost_response or intolerant) outranks everything else: one documented
failure is enough. Then ongoing, then responding, then too_short.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from typing import Any, NamedTuple

from mednec.facts.partial import OneOf

__all__ = [
    "ESA_CITATION",
    "MIN_ADEQUATE_TRIAL_WEEKS",
    "MIN_JUDGED_TRIAL_WEEKS",
    "EsaAssessment",
    "EsaCourse",
    "assess_esa",
    "course_status",
]

ESA_CITATION = "nccn-mds-patients-2018"
MIN_ADEQUATE_TRIAL_WEEKS = 8
MIN_JUDGED_TRIAL_WEEKS = 6  # 6 to < 8 weeks without response: undecided, the course is asked
STILL_TRANSFUSED_UNITS_8W = 2  # a partial response with >= 2 units in 8 weeks is inadequate
INADEQUATE_HEMOGLOBIN = 10.0  # g/dL: a partial response leaving Hb < 10 is inadequate
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

    status: Any  # a status, or OneOf(statuses) when the record cannot decide between them
    course_statuses: tuple[tuple[str, float], ...]
    explanation: str
    running: bool = False  # a course has no end date or is recorded as ongoing

    @property
    def failure(self) -> bool:
        """True when the history shows ESA failure, loss of response or intolerance."""
        return isinstance(self.status, str) and self.status in FAILURE_STATUSES


def course_status(course: EsaCourse, as_of: dt.date) -> tuple[str, float]:
    """The status of one course and its length in weeks (to ``as_of`` if still running), as
    the course alone tells it (see :func:`course_options` for what other facts settle)."""
    options, weeks, _ = course_options(course, as_of, None, None)
    return ("/".join(options) if len(options) > 1 else options[0]), weeks


def course_options(course: EsaCourse, as_of: dt.date, units_8w: float | None,
                   hemoglobin: float | None) -> tuple[tuple[str, ...], float, tuple[str, ...]]:
    """The statuses one course may have, its length in weeks, and the facts that would decide
    between several (``units_8w``: RBC units in the last 8 weeks; ``hemoglobin`` in g/dL)."""
    end = course.end or as_of
    weeks = max(0.0, (end - course.start).days / 7)
    r = course.response
    if r == "lost_response":
        return ("lost_response",), weeks, ()
    if r == "intolerant":
        return ("intolerant",), weeks, ()
    if r == "response":
        return ("responding",), weeks, ()
    if r == "partial":
        if course.end is not None:
            return ("failed",), weeks, ()
        transfused = units_8w is not None and units_8w >= STILL_TRANSFUSED_UNITS_8W
        anemic = hemoglobin is not None and hemoglobin < INADEQUATE_HEMOGLOBIN
        if transfused or anemic:
            return ("failed",), weeks, ()
        if units_8w is not None and hemoglobin is not None:
            return ("responding",), weeks, ()
        missing = (("rbc_transfusions",) if units_8w is None else ()) + (("hemoglobin",) if hemoglobin is None else ())
        return ("failed", "responding"), weeks, missing
    if r == "ongoing":
        return ("ongoing",), weeks, ()
    # r == "none"
    if weeks >= MIN_ADEQUATE_TRIAL_WEEKS:
        return ("failed",), weeks, ()
    if course.end is None:
        return ("ongoing",), weeks, ()
    if weeks >= MIN_JUDGED_TRIAL_WEEKS:
        return ("failed", "too_short"), weeks, ("esa_history",)
    return ("too_short",), weeks, ()


def _why(course: EsaCourse, options: tuple[str, ...], weeks: float) -> str:
    if "too_short" in options:
        return (f"{course.drug} for {weeks:.1f} weeks without response: 6 to < 8 weeks is not enough to call "
                f"ESA failure (8 weeks needed) nor too short to count; send the course's dose and exact dates")
    return (f"{course.drug} still running with a partial response: it is a failure when the patient still needs "
            f"transfusions (>= 2 units in 8 weeks) or hemoglobin is below 10 g/dL; send the transfusion record "
            f"and a current hemoglobin")


def assess_esa(courses: Sequence[EsaCourse], as_of: dt.date, units_8w: float | None = None,
               hemoglobin: float | None = None) -> EsaAssessment:
    """Assess an ESA history.

    Example: epoetin alfa 2026-03-01 to 2026-06-01 with no response -> 13.1 weeks, ``failed``.
    """
    if not courses:
        return EsaAssessment("naive", (), "no ESA course recorded (ESA-naive)")
    per = [course_options(c, as_of, units_8w, hemoglobin) for c in courses]
    overall = {next(s for s in _PRIORITY if s in combo) for combo in itertools.product(*(o for o, _, _ in per))}
    missing = tuple(m for o, _, ms in per for m in ms if len(o) > 1)
    reasons = "; ".join(_why(c, o, w) for c, (o, w, _) in zip(courses, per, strict=True) if len(o) > 1)
    status = OneOf.of(sorted(overall, key=_PRIORITY.index), missing, reasons)
    statuses = tuple(("/".join(o) if len(o) > 1 else o[0], w) for o, w, _ in per)
    parts = [
        f"{c.drug} {c.start.isoformat()} to {c.end.isoformat() if c.end else 'now'}"
        f" ({w:.1f} wk): {s.replace('_', ' ')}"
        + (" (inadequate partial response)" if c.response == "partial" and s == "failed" else "")
        for c, (s, w) in zip(courses, statuses, strict=True)
    ]
    running = any(c.end is None or c.response == "ongoing" for c in courses)
    return EsaAssessment(status, statuses, "; ".join(parts), running)
