"""The physician-review workflow as a table: which role may take which action from which review
states, and the state it leads to (:data:`TRANSITIONS`). ``Service.review`` checks an action
against it; the action-specific rules (a reason, the decision, the signature) stay with it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from mednec.states import ReviewState

__all__ = ["TRANSITIONS", "Transition"]

S = ReviewState


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
}
