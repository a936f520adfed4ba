"""One truth about a review's status: the words clinicians use, for the queue, the answer page,
the documents and the API alike.

The workflow's states (:mod:`mednec.store.reviews`) say what happened to the *recommendation*
("approved" means the reviewer confirmed it, which may be a denial; "overturned" means the
reviewer reversed it). People want the *decision*: this module turns (state, decision,
appealed) into one status with its word and its meaning (the tone its colour follows).
"""

from __future__ import annotations

from dataclasses import dataclass

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


_OPEN = {
    "submitted": Status("submitted", "Submitted", "neutral"),
    "under_review": Status("under_review", "Under review", "progress"),
    "appealed": Status("appeal_submitted", "Appeal submitted", "neutral"),
    "info_requested": Status("info_requested", "Information requested", "action"),
    "changes_requested": Status("changes_requested", "Changes requested", "action"),
}


def status_of(state: str, decision: str | None = None, appealed: bool = False) -> Status:
    """The status of an evaluation in ``state`` with final ``decision`` (None while open)."""
    if state in ("approved", "overturned") and decision in ("approved", "denied"):
        word = "Approved" if decision == "approved" else "Denied"
        tone = "success" if decision == "approved" else "danger"
        if appealed:
            return Status(f"{decision}_on_appeal", f"{word} on appeal", tone, final=True)
        return Status(decision, word, tone, final=True)
    if state == "under_review" and appealed:
        return Status("appeal_under_review", "Under review (appeal)", "progress")
    return _OPEN.get(state) or Status(state, state.replace("_", " ").capitalize(), "neutral")


#: the queue's filters: (query value, label) -- the same words as the statuses
STATUS_FILTERS = (
    ("submitted", "Submitted"),
    ("under_review", "Under review"),
    ("appealed", "Appeal submitted"),
    ("info_requested", "Information requested"),
    ("approved", "Approved"),
    ("denied", "Denied"),
)
