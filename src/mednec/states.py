"""The project's closed vocabularies as types: verdicts, review states, audiences, output formats,
the review status a document prints, policy-version states and prior-authorization (PAS) statuses.

Each is a :class:`enum.StrEnum`, so a member *is* its string: JSON, YAML-read values, database
columns and templates see exactly the strings they saw before (``Verdict.MEETS ==
"meets_criteria"``, ``json.dumps(Verdict.MEETS) == '"meets_criteria"'``). They live in the base
layer because the engine, the renderers, the store, the API, the web pages and the CLI all
name them, and none of those may import another for a word.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Audience", "ClaimStatus", "Decision", "DocumentReview", "OutputFormat", "PolicyState", "ReviewState",
           "Verdict"]


class Verdict(StrEnum):
    """What the engine decided for one policy and one patient."""

    MEETS = "meets_criteria"
    NOT_MET = "does_not_meet_criteria"
    INSUFFICIENT = "insufficient_information"


class ReviewState(StrEnum):
    """Where an evaluation is in the physician-review workflow."""

    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    OVERTURNED = "overturned"
    CHANGES_REQUESTED = "changes_requested"
    INFO_REQUESTED = "info_requested"
    APPEALED = "appealed"
    #: the requester's organisation cancelled the prior-authorization request, or replaced it by an update
    #: (PAS): out of the queue, neither open nor decided
    WITHDRAWN = "withdrawn"

    @property
    def is_open(self) -> bool:
        """Waiting for a reviewer (counts toward the review deadline)."""
        return self in _OPEN

    @property
    def is_final(self) -> bool:
        """A reviewer's decision stands (approved as recommended, or overturned)."""
        return self in _FINAL


_OPEN = frozenset({ReviewState.SUBMITTED, ReviewState.UNDER_REVIEW, ReviewState.APPEALED})
_FINAL = frozenset({ReviewState.APPROVED, ReviewState.OVERTURNED})


class Decision(StrEnum):
    """A reviewer's final decision on a request."""

    APPROVED = "approved"
    DENIED = "denied"


class Audience(StrEnum):
    """Whom a document is written for."""

    CLINICIAN = "clinician"
    PAYER = "payer"
    PATIENT = "patient"


class OutputFormat(StrEnum):
    """The formats documents are rendered to."""

    MARKDOWN = "markdown"
    HTML = "html"
    PDF = "pdf"
    JSON = "json"


class DocumentReview(StrEnum):
    """The review status a document prints (:func:`mednec.documents.review_status` maps a workflow
    state and its decision to it): a confirmed or overturned recommendation reads as the decision."""

    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    DENIED = "denied"
    INFO_REQUESTED = "info_requested"
    #: the request was withdrawn (cancelled by its organisation, or replaced by an update) before a decision
    WITHDRAWN = "withdrawn"

    @property
    def is_decided(self) -> bool:
        """A physician reviewer decided (approved or denied)."""
        return self in (DocumentReview.APPROVED, DocumentReview.DENIED)


class PolicyState(StrEnum):
    """Where a policy version is in authoring: drafted, submitted for review, published (the version
    evaluations use), retired by a later publication, or rejected by a reviewer."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    RETIRED = "retired"
    REJECTED = "rejected"


class ClaimStatus(StrEnum):
    """A prior-authorization request's status (Da Vinci PAS): certified by the engine or a reviewer,
    pended for a physician reviewer, not certified by a reviewer, or cancelled by its organisation while
    pended."""

    APPROVED = "approved"
    PENDED = "pended"
    DENIED = "denied"
    CANCELLED = "cancelled"
