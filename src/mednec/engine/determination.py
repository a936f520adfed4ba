"""The determination: what the engine decided and everything it decided it from.

Renderers and the API only present a :class:`Determination`; they never re-derive it.
``to_dict`` is the JSON form (stable key order, no timestamps other than ``as_of``), so the
same policy version and the same facts give the same bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

from mednec.facts.factset import FactSet, FactValue
from mednec.policies.references import Reference
from mednec.tri import Tri

__all__ = [
    "MEETS",
    "NOT_MET",
    "INSUFFICIENT",
    "Alternative",
    "Change",
    "CitedRef",
    "CriterionResult",
    "Determination",
    "Explanation",
    "MissingDocument",
    "MissingFact",
    "PathwayResult",
]

MEETS = "meets_criteria"
NOT_MET = "does_not_meet_criteria"
INSUFFICIENT = "insufficient_information"


class MissingFact(NamedTuple):
    """A fact a criterion needed and the case did not give."""

    fact: str
    label: str
    document: str
    question: str

    def to_dict(self) -> dict[str, Any]:
        return {"fact": self.fact, "label": self.label, "missing": True,
                "document": self.document, "question": self.question}


class CriterionResult(NamedTuple):
    """One criterion's status and the evidence it was judged on."""

    id: str
    text: str
    status: Tri
    pathway: str | None
    parent: str | None
    depth: int
    condition: str
    evidence: tuple[FactValue | MissingFact, ...]
    citations: tuple[int, ...]
    documentation: tuple[str, ...]
    if_unmet: str | None
    note: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "status": self.status.value,
            "pathway": self.pathway,
            "parent": self.parent,
            "depth": self.depth,
            "condition": self.condition,
            "evidence": [e.to_dict() for e in self.evidence],
            "citations": list(self.citations),
            "documentation": list(self.documentation),
            "if_unmet": self.if_unmet,
            "note": self.note,
        }


class PathwayResult(NamedTuple):
    """A pathway's overall status (its own criteria and the common ones)."""

    id: str
    name: str
    line: int
    status: Tri
    description: str
    citations: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "line": self.line, "status": self.status.value,
                "description": self.description, "citations": list(self.citations)}


class MissingDocument(NamedTuple):
    """A document to request, the facts it should establish and the criteria that need it."""

    document: str
    description: str
    facts: tuple[str, ...]
    questions: tuple[str, ...]
    criteria: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"document": self.document, "description": self.description, "facts": list(self.facts),
                "questions": list(self.questions), "criteria": list(self.criteria)}


class Change(NamedTuple):
    """What would change the answer for one unmet or unknown criterion."""

    criterion: str
    pathway: str | None
    status: Tri
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"criterion": self.criterion, "pathway": self.pathway,
                "status": self.status.value, "text": self.text}


class Alternative(NamedTuple):
    """Another drug in the pack, evaluated for the same patient."""

    policy: str
    drug: str
    brands: tuple[str, ...]
    determination: str
    pathway: str | None
    line: int | None
    sequence: str

    def to_dict(self) -> dict[str, Any]:
        return {"policy": self.policy, "drug": self.drug, "brands": list(self.brands),
                "determination": self.determination, "pathway": self.pathway,
                "line": self.line, "sequence": self.sequence}


class CitedRef(NamedTuple):
    """A numbered citation: the reference and the sections cited."""

    n: int
    ref: Reference
    sections: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"n": self.n, **self.ref.to_dict(), "text": self.ref.formatted()}
        if self.sections:
            out["sections"] = list(self.sections)
        return out


class Explanation(NamedTuple):
    """Every criterion with its evidence, what is missing, what would change, and citations."""

    criteria: tuple[CriterionResult, ...]
    missing_documentation: tuple[MissingDocument, ...]
    changes: tuple[Change, ...]
    citations: tuple[CitedRef, ...]


@dataclass(frozen=True, eq=False)
class Determination:
    """The full result of evaluating one policy for one patient.

    The verdict, pathway statuses, alternatives, authorisation and input hash are decided
    when the determination is made; the per-criterion explanation (evidence, missing
    documentation, changes, numbered citations) is assembled from the recorded node
    statuses on first access and then kept.
    """

    determination: str
    phase: str
    pathway: PathwayResult | None
    pathways: tuple[PathwayResult, ...]
    alternatives: tuple[Alternative, ...]
    policy: dict[str, Any]
    authorization: dict[str, Any] | None
    as_of: dt.date
    input_hash: str
    notes: tuple[str, ...]
    fact_set: FactSet = field(repr=False)
    explain: Callable[[], Explanation] = field(repr=False)

    @cached_property
    def explanation(self) -> Explanation:
        return self.explain()

    @property
    def criteria(self) -> tuple[CriterionResult, ...]:
        return self.explanation.criteria

    @property
    def missing_documentation(self) -> tuple[MissingDocument, ...]:
        return self.explanation.missing_documentation

    @property
    def changes(self) -> tuple[Change, ...]:
        return self.explanation.changes

    @property
    def citations(self) -> tuple[CitedRef, ...]:
        return self.explanation.citations

    @property
    def facts(self) -> tuple[FactValue, ...]:
        """Every fact used, given and derived, sorted by id."""
        return tuple(self.fact_set[k] for k in sorted(self.fact_set))

    @property
    def requires_physician_review(self) -> bool:
        """An adverse or incomplete determination is a recommendation until a physician signs."""
        return self.determination != MEETS

    def criterion(self, criterion_id: str) -> CriterionResult:
        """The result of one criterion by id."""
        return next(c for c in self.criteria if c.id == criterion_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "determination": self.determination,
            "phase": self.phase,
            "pathway": self.pathway.to_dict() if self.pathway else None,
            "pathways": [p.to_dict() for p in self.pathways],
            "criteria": [c.to_dict() for c in self.criteria],
            "missing_documentation": [m.to_dict() for m in self.missing_documentation],
            "what_would_change": [c.to_dict() for c in self.changes],
            "alternatives": [a.to_dict() for a in self.alternatives],
            "citations": [c.to_dict() for c in self.citations],
            "policy": self.policy,
            "authorization": self.authorization,
            "review": {
                "status": "recommendation",
                "requires_physician_review": self.requires_physician_review,
                "note": (
                    "An adverse or incomplete determination is a recommendation until a "
                    "physician reviewer approves it."
                    if self.requires_physician_review
                    else "Meets the policy criteria; final once the review workflow approves it."
                ),
            },
            "as_of": self.as_of.isoformat(),
            "input_hash": self.input_hash,
            "notes": list(self.notes),
            "facts": [f.to_dict() for f in self.facts],
        }
