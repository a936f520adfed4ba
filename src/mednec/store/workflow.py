"""The physician-review workflow as a table: which role may take which action from which review
states, and the state it leads to (:data:`TRANSITIONS`). ``Reviews.act`` (:mod:`mednec.store.reviews`)
checks an action against it; the action-specific rules (a reason, the decision, the signature) stay with it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import NamedTuple

from mednec.states import ReviewState

__all__ = ["OPEN_STATES", "TRANSITIONS", "TURNAROUND", "Transition", "is_overdue", "utc"]

S = ReviewState
#: CMS-0057-F turnaround: 72 hours for an expedited request, 7 calendar days for a standard one
TURNAROUND = {"expedited": dt.timedelta(hours=72), "standard": dt.timedelta(days=7)}
#: the states waiting for a reviewer, which count toward the due time
OPEN_STATES = tuple(s for s in ReviewState if s.is_open)


class Transition(NamedTuple):
    """One review action."""

    role: str  # who may take it
    sources: frozenset[ReviewState]  # the states it may be taken from
    target: ReviewState  # the state it leads to
    needs_reason: bool  # a written reason is required
    own_claim: bool  # only the reviewer who claimed the evaluation


TRANSITIONS: Mapping[str, Transition] = {
    "claim": Transition("physician_reviewer", frozenset({S.SUBMITTED, S.APPEALED}), S.UNDER_REVIEW, False, False),
    "request_changes": Transition("physician_reviewer", frozenset({S.UNDER_REVIEW}), S.CHANGES_REQUESTED, True, True),
    "request_info": Transition("physician_reviewer", frozenset({S.UNDER_REVIEW}), S.INFO_REQUESTED, True, True),
    "approve": Transition("physician_reviewer", frozenset({S.UNDER_REVIEW}), S.APPROVED, False, True),
    "overturn": Transition("physician_reviewer", frozenset({S.UNDER_REVIEW}), S.OVERTURNED, True, True),
    "appeal": Transition("requester", frozenset({S.APPROVED, S.OVERTURNED}), S.APPEALED, True, False),
    # back to the queue, in the state it was claimed from (submitted here; appealed when it was
    # claimed from appealed): by the claimant, or by a physician reviewer when the claimant may not
    # sign a denial (an admin's claim); Reviews.act checks who, and a reason for another's claim
    "release": Transition("physician_reviewer", frozenset({S.UNDER_REVIEW}), S.SUBMITTED, False, False),
}


def utc(t: dt.datetime | None) -> dt.datetime | None:
    """A stored time as an aware UTC time (SQLite returns them naive)."""
    if t is not None and t.tzinfo is None:
        return t.replace(tzinfo=dt.UTC)
    return t


def is_overdue(state: str, due_at: dt.datetime | None, now: dt.datetime) -> bool:
    """An open request (waiting for a reviewer) past its due time."""
    due = utc(due_at)
    return state in OPEN_STATES and due is not None and due < now
