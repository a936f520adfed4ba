"""CMS-0057-F style figures over the evaluations: approvals, denials, approvals after appeal,
pending and overdue requests, decision times; for all requests, per drug and per urgency."""

from __future__ import annotations

import statistics
from enum import StrEnum
from typing import TypedDict

import sqlalchemy as sa

from mednec.states import Decision
from mednec.store.access import Principal, ServicePart, org_wide, require
from mednec.store.models import Evaluation
from mednec.store.workflow import is_overdue, utc

__all__ = ["Figure", "Figures", "Metrics"]


class Figures(TypedDict):
    """The figures of one group of requests."""

    requests: int
    approved: int
    denied: int
    approved_after_appeal: int
    pending: int
    overdue: int
    median_decision_hours: float | None
    p90_decision_hours: float | None


class Figure(StrEnum):
    """The name of one figure: the keys of :class:`Figures`, in the order pages show them."""

    REQUESTS = "requests"
    APPROVED = "approved"
    DENIED = "denied"
    APPROVED_AFTER_APPEAL = "approved_after_appeal"
    PENDING = "pending"
    OVERDUE = "overdue"
    MEDIAN_DECISION_HOURS = "median_decision_hours"
    P90_DECISION_HOURS = "p90_decision_hours"


class Metrics(ServicePart):
    """The review figures (auditors, physician reviewers, admins)."""

    def figures(self, p: Principal) -> dict[str, Figures]:
        """CMS-0057-F style figures: approvals, denials, approvals after appeal, decision times."""
        require(p, "auditor", "physician_reviewer")
        with self.db.reading() as s:
            q = sa.select(Evaluation)
            if not org_wide(s, p):  # another organisation's figures are the plan's to read
                q = q.where(Evaluation.org_id == p.org_id)
            rows = list(s.execute(q).scalars())
        groups: dict[str, list[Evaluation]] = {"all": rows}
        for ev in rows:
            groups.setdefault(f"drug:{ev.drug}", []).append(ev)
            groups.setdefault(f"urgency:{ev.urgency}", []).append(ev)
        return {name: self._group(evs) for name, evs in sorted(groups.items())}

    def _group(self, evs: list[Evaluation]) -> Figures:
        now = self.now()
        decided = [e for e in evs if e.decided_at is not None]
        hours = sorted(((utc(e.decided_at) - utc(e.submitted_at)).total_seconds() / 3600)  # type: ignore[operator]
                       for e in decided)
        p90 = hours[min(len(hours) - 1, int(0.9 * len(hours)))] if hours else None
        return {
            "requests": len(evs),
            "approved": sum(e.decision == Decision.APPROVED for e in decided),
            "denied": sum(e.decision == Decision.DENIED for e in decided),
            "approved_after_appeal": sum(e.decision == Decision.APPROVED and e.appealed for e in decided),
            "pending": sum(e.decided_at is None for e in evs),
            "overdue": sum(is_overdue(e.state, e.due_at, now) for e in evs),
            "median_decision_hours": round(statistics.median(hours), 2) if hours else None,
            "p90_decision_hours": round(p90, 2) if p90 is not None else None,
        }
