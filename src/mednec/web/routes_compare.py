"""The compare page: one case under every payer variant of a drug's policy, side by side.

It lives at ``/cases/{id}/payer-variants``: ``/cases/{id}/compare`` is the API's (registered first, it
answered browsers with a 401 problem document, so the answer page's link never opened this page)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from mednec.web.core import Ctx, ctx_of, page

__all__ = ["register"]


def _compare(ctx: Ctx, case_id: str, drug: str, phase: str) -> Response:
    p = ctx.need_principal()
    data = ctx.service.cases.compare(p, case_id, drug=drug, phase=phase if phase == "continuation" else "initial")
    case = ctx.service.cases.get_case(p, case_id)
    return page(ctx, "compare.html", title=f"{data['policy']['title']}: payer variants compared", c=data,
                case=case, **names(ctx, data))


def names(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """The words for the comparison's ids: each variant's payer (or name), each pathway's name, and where each
    criterion belongs (two pathways may hold criteria with the same text)."""
    variants = {str(v["variant"]): str(v.get("payer") or v["name"]) for v in data["variants"]}
    try:
        policy = ctx.service.runtime.catalog.policy(str(data["policy"]["id"]))
    except Exception:  # noqa: BLE001 - a policy no longer shipped: its ids are left unnamed
        return {"variant_names": variants, "pathway_names": {}, "criterion_where": {}}
    where = {n.id: pw.name for pw in policy.pathways for n in pw.tree.criteria if n.id}
    if policy.continuation is not None:
        where.update({n.id: "re-authorisation" for n in policy.continuation.tree.criteria if n.id})
    return {"variant_names": variants, "pathway_names": {pw.id: pw.name for pw in policy.pathways},
            "criterion_where": where}


def register(router: APIRouter) -> None:
    @router.get("/cases/{case_id}/payer-variants")
    def compare(request: Request, case_id: str, drug: str = "", phase: str = "initial") -> Response:
        return _compare(ctx_of(request), case_id, drug, phase)
