"""/evaluations: read, queue, review actions and history."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from mednec.api.conditional import if_match_versions
from mednec.api.deps import CaseReader, Paging, ReviewActor, get_service, idempotent
from mednec.api.responses import JSON
from mednec.errors import ConflictError
from mednec.states import Decision, ReviewState
from mednec.store.service import Service
from mednec.store.views import evaluation_view, review_view

router = APIRouter(tags=["evaluations and reviews"])
Svc = Annotated[Service, Depends(get_service)]


class ReviewActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["claim", "approve", "overturn", "request_changes", "request_info", "appeal", "release"]
    reason: str | None = Field(default=None, max_length=4000)
    decision: Decision | None = None
    signature: str | None = Field(default=None, max_length=500)


@router.get("/evaluations", summary="List evaluations: the review queue, by due time")
def list_evaluations(
    principal: CaseReader, service: Svc, paging: Annotated[Paging, Depends()],
    state: Annotated[ReviewState | None, Query()] = None,
    overdue: Annotated[bool | None, Query()] = None,
    case: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    rows, total = service.cases.list_evaluations(principal, state=state, overdue=overdue, case_id=case,
                                           limit=paging.limit, offset=paging.offset)
    return paging.page([evaluation_view(e, service, full=False) for e in rows], total, "/evaluations")


@router.get("/evaluations/{eval_id}", summary="Read an evaluation with its full determination")
def get_evaluation(eval_id: str, principal: CaseReader, service: Svc) -> JSONResponse:
    ev = service.cases.get_evaluation(principal, eval_id)
    return JSON(evaluation_view(ev, service), headers={"ETag": f'"v{ev.version}"'})


@router.get("/evaluations/{eval_id}/history", summary="The review history of an evaluation")
def history(eval_id: str, principal: CaseReader, service: Svc) -> dict[str, Any]:
    return {"items": [review_view(a) for a in service.reviews.history(principal, eval_id)]}


@router.post("/evaluations/{eval_id}/review", summary="Claim, approve, overturn, request changes or information, appeal, release a claim")
def review(
    eval_id: str, body: ReviewActionIn, principal: ReviewActor, service: Svc,
    if_match: Annotated[str | None, Header()] = None,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    version: frozenset[int] | None = None
    if if_match is not None:  # RFC 9110 §13.1.1: * (any current version) or a list of strong tags
        accepted = if_match_versions(if_match)
        if not accepted:
            raise ConflictError("If-Match must be * or the evaluation's ETag, e.g. \"v2\"", field="If-Match")
        version = None if accepted == "*" else accepted

    def run() -> tuple[int, dict[str, Any], dict[str, str]]:
        ev = service.reviews.act(principal, eval_id, body.action, if_match=version, reason=body.reason,
                         decision=body.decision, signature=body.signature)
        return 200, evaluation_view(ev, service, full=False), {"ETag": f'"v{ev.version}"'}

    return idempotent(service, principal, idempotency_key, {"eval": eval_id, **body.model_dump()}, run)
