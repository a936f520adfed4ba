"""The compare page: one case under every payer variant of a drug's policy, side by side."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from mednec.web.core import Ctx, ctx_of, page

__all__ = ["register"]


def _compare(ctx: Ctx, case_id: str, drug: str, phase: str) -> Response:
    p = ctx.need_principal()
    data = ctx.service.cases.compare(p, case_id, drug=drug, phase=phase if phase == "continuation" else "initial")
    case = ctx.service.cases.get_case(p, case_id)
    return page(ctx, "compare.html", title=f"{data['policy']['title']}: payer variants compared", c=data,
                case=case)


def register(router: APIRouter) -> None:
    @router.get("/cases/{case_id}/compare")
    def compare(request: Request, case_id: str, drug: str = "", phase: str = "initial") -> Response:
        return _compare(ctx_of(request), case_id, drug, phase)
