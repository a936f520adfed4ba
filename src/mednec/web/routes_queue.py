"""The review queue (reviewers, auditors, admins) and "your requests" (requesters)."""

from __future__ import annotations

import urllib.parse
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from mednec.errors import ConflictError
from mednec.states import Decision
from mednec.store.status import STATUS_FILTERS
from mednec.store.workflow import OPEN_STATES
from mednec.web.core import Ctx, allowed, csrf_check, ctx_of, page, redirect
from mednec.web.routes_auth import form_of

__all__ = ["register"]

PAGE = 25
FILTERS = (("", "All"), ("overdue", "Overdue"), *STATUS_FILTERS)
_DECISIONS = tuple(Decision)  # filtered by the final decision, whoever's recommendation it confirms


def _queue(ctx: Ctx, show: str, offset: int) -> Response:
    p = ctx.need_principal()
    state = show if show in {k for k, _ in FILTERS} - {"", "overdue", *_DECISIONS} else None
    decision = show if show in _DECISIONS else None
    overdue = True if show == "overdue" else None
    rows, total = ctx.service.cases.list_evaluations(p, state=state, overdue=overdue, decision=decision, limit=PAGE,
                                               offset=max(0, offset))
    from mednec.web.labels import patient_descriptor

    heads = ctx.state.case_heads({e.case_id for e in rows})
    names = ctx.state.names({e.reviewer_id for e in rows})
    now = ctx.now
    items: list[dict[str, Any]] = []
    for e in rows:
        due = e.due_at if e.due_at.tzinfo else e.due_at.replace(tzinfo=now.tzinfo)
        title, patient = heads.get(e.case_id, ("", {}))
        items.append({"ev": e, "title": title or "Request without a title",
                      "patient": patient_descriptor(patient, e.as_of),
                      "overdue": ctx.service.cases.is_overdue(e),
                      "reviewer": names.get(e.reviewer_id or "", ""), "due_in": due - now if due > now else None,
                      "late_by": now - due if due <= now else None,
                      "open": e.state in OPEN_STATES})
    stats = None
    if p.role in ("physician_reviewer", "auditor", "admin"):
        stats = ctx.service.metrics.figures(p).get("all")
    reviewer = p.role in ("physician_reviewer", "admin")
    title = "Your requests" if p.role == "requester" else "Review queue"
    return page(ctx, "queue.html", title=title, items=items, total=total, offset=offset, limit=PAGE, show=show,
                filters=FILTERS, stats=stats, reviewer=reviewer)


def _claim(ctx: Ctx, eval_id: str, form: dict[str, Any]) -> Response:
    csrf_check(ctx, form)
    p = ctx.need_principal()
    version = str(form.get("version") or "")
    back = "/queue" + ("?" + urllib.parse.urlencode({"show": form["show"]}) if form.get("show") else "")
    try:
        ctx.service.reviews.act(p, eval_id, "claim", if_match=int(version) if version.isdigit() else None)
    except ConflictError as exc:
        ctx.flash.append(("error", exc.message))
        return _queue(ctx, str(form.get("show") or ""), 0)
    return redirect(ctx, f"/answers/{eval_id}?done=claim" if form.get("open") else back)


def register(router: APIRouter) -> None:
    @router.get("/queue")
    def queue(request: Request, show: str = "", offset: int = 0) -> Response:
        return _queue(ctx_of(request), show, offset)

    @router.post("/queue/{eval_id}/claim")
    async def claim(request: Request, eval_id: str) -> Response:
        ctx = await run_in_threadpool(allowed, request, "physician_reviewer")
        form = await form_of(request)
        return await run_in_threadpool(_claim, ctx, eval_id, form)
