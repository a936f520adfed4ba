"""One truth about a review's status: the words clinicians use, for the queue, the answer page,
the documents and the API alike.

The workflow's states (:mod:`mednec.store.reviews`) say what happened to the *recommendation*
("approved" means the reviewer confirmed it, which may be a denial; "overturned" means the
reviewer reversed it). People want the *decision*: this module turns (state, decision,
appealed) into one status with its word and its meaning (the tone its colour follows).
"""

from __future__ import annotations

from dataclasses import dataclass

from mednec.states import Decision, ReviewState

__all__ = ["STATUS_FILTERS", "Status", "status_of"]


@dataclass(frozen=True)
class Status:
    """A review status as people read it.

    ``key``: stable machine name (``approved``, ``denied``, ``approved_on_appeal`` ...);
    ``label``: the clinician's word; ``tone``: ``neutral`` (waiting), ``progress`` (a reviewer
    is on it), ``action`` (back with the requester), ``success`` (approved) or ``danger``
    (denied); ``final``: a decision was made.
    """

    key: str
    label: str
    tone: str
    final: bool = False


S = ReviewState
_OPEN: dict[str, Status] = {
    S.SUBMITTED: Status("submitted", "Submitted", "neutral"),
    S.UNDER_REVIEW: Status("under_review", "Under review", "progress"),
    S.APPEALED: Status("appeal_submitted", "Appeal submitted", "neutral"),
    S.INFO_REQUESTED: Status("info_requested", "Information requested", "action"),
    S.CHANGES_REQUESTED: Status("changes_requested", "Changes requested", "action"),
    S.WITHDRAWN: Status("withdrawn", "Withdrawn by the requester", "neutral"),
}
#: the final states (the reviewer decided) and the decisions they carry
_FINAL = frozenset(s for s in ReviewState if s.is_final)
_DECISIONS = frozenset(Decision)


def status_of(state: str, decision: str | None = None, appealed: bool = False) -> Status:
    """The status of an evaluation in ``state`` with final ``decision`` (None while open)."""
    if state in _FINAL and decision in _DECISIONS:
        key = str(Decision(decision))
        word = "Approved" if key == Decision.APPROVED else "Denied"
        tone = "success" if key == Decision.APPROVED else "danger"
        if appealed:
            return Status(f"{key}_on_appeal", f"{word} on appeal", tone, final=True)
        return Status(key, word, tone, final=True)
    if state == S.UNDER_REVIEW and appealed:
        return Status("appeal_under_review", "Under review (appeal)", "progress")
    return _OPEN.get(state) or Status(state, state.replace("_", " ").capitalize(), "neutral")


#: the queue's filters: (query value, label) -- the same words as the statuses
STATUS_FILTERS: tuple[tuple[str, str], ...] = (
    (S.SUBMITTED, "Submitted"),
    (S.UNDER_REVIEW, "Under review"),
    (S.APPEALED, "Appeal submitted"),
    (S.INFO_REQUESTED, "Information requested"),
    (Decision.APPROVED, "Approved"),
    (Decision.DENIED, "Denied"),
)
