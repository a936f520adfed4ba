"""Stored resources as JSON: what the API (and the web page's JSON download) returns for cases,
evaluations and review actions."""

from __future__ import annotations

from typing import Any

import orjson

from mednec.store.models import Case, Evaluation, ReviewAction
from mednec.store.service import Service
from mednec.store.status import status_of

__all__ = ["case_view", "etag", "evaluation_view", "review_view"]


def etag(version: int) -> str:
    return f'"v{version}"'


def case_view(c: Case) -> dict[str, Any]:
    return {
        "id": c.id, "org": c.org_id, "title": c.title, "source": c.source, "version": c.version,
        "created_at": c.created_at.isoformat(), "updated_at": c.updated_at.isoformat(), "case": c.data,
    }


def evaluation_view(e: Evaluation, service: Service, *, full: bool = True) -> dict[str, Any]:
    """An evaluation; ``full`` adds its determination (``result``) as an ``orjson.Fragment``, so
    render it with ``api.responses.JSON`` (or ``orjson``), not ``json``."""
    st = status_of(e.state, e.decision, e.appealed)
    out: dict[str, Any] = {
        "id": e.id, "case": e.case_id, "org": e.org_id, "drug": e.drug, "phase": e.phase,
        "policy": {"id": e.policy_id, "version": e.policy_version}, "urgency": e.urgency,
        "determination": e.determination, "input_hash": e.input_hash, "as_of": e.as_of.isoformat(),
        "review": {
            "state": e.state, "status": st.key, "status_label": st.label, "reviewer": e.reviewer_id, "decision": e.decision,
            "reason": e.decision_reason, "signed": bool(e.signature), "appealed": e.appealed,
            "submitted_at": e.submitted_at.isoformat(), "due_at": e.due_at.isoformat(),
            "decided_at": e.decided_at.isoformat() if e.decided_at else None,
            "overdue": service.cases.is_overdue(e),
        },
        "version": e.version,
    }
    if full:
        out["result"] = orjson.Fragment(e.result_raw)  # rendered by api.responses.JSON
    return out


def review_view(a: ReviewAction) -> dict[str, Any]:
    return {"action": a.action, "actor": a.actor_id, "from": a.from_state, "to": a.to_state,
            "reason": a.reason, "at": a.at.isoformat()}
