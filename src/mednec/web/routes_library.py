"""The policy library: each policy as a readable criteria tree with citations, versions, changes,
and its test cases with their current results."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from mednec.errors import NotFoundError
from mednec.policies.model import Node, Policy
from mednec.states import PolicyState
from mednec.web.core import Ctx, ctx_of, page

__all__ = ["register"]


def _cases(ctx: Ctx, policy: Policy) -> list[dict[str, Any]]:
    """The policy's test cases, run once per policy version and process."""
    return ctx.state.articles.get(("cases", policy.id, policy.version), lambda: _run_cases(ctx, policy))


def _run_cases(ctx: Ctx, policy: Policy) -> list[dict[str, Any]]:
    from mednec.packcheck.cases import case_files, run_case
    from mednec.policies.loader import read_yaml

    out = []
    for path in case_files(policy):
        res = run_case(ctx.service.runtime, policy, path)
        try:
            expect = (read_yaml(path) or {}).get("expect") or {}
        except Exception:  # noqa: BLE001 - a broken case file shows as failed below
            expect = {}
        out.append({"file": path.name, "name": res.name, "ok": res.ok, "failures": list(res.failures),
                    "determination": expect.get("determination"), "pathway": expect.get("pathway"),
                    "phase": "continuation" if "continuation" in path.name else "initial"})
    return out


def _numbering(policy: Policy) -> dict[str, int]:
    nums: dict[str, int] = {}

    def add(cites: Any) -> None:
        for c in cites:
            nums.setdefault(c.ref, len(nums) + 1)

    for _, tree in policy.trees():
        for node in tree.nodes:
            add(node.cites)
    for p in policy.pathways:
        add(p.cites)
    add(policy.initial_cites())
    if policy.continuation is not None:
        add(policy.continuation.authorization.cites)
        add(policy.continuation.stop_cites)
    for d in policy.dosing:
        add(d.cites)
    add(policy.sequence_cites)
    for prm in policy.parameters:
        add(prm.cites)
    for v in policy.variants:
        if v.variant is not None:
            add(v.variant.cites)
    return nums


def _library(ctx: Ctx) -> Response:
    ctx.need_principal()
    rt = ctx.service.runtime
    rows = []
    for p in sorted(rt.catalog.policies(), key=lambda x: x.drug.generic):
        cases = _cases(ctx, p)
        rows.append({"p": p, "pack": rt.catalog.pack_of(p), "passed": sum(c["ok"] for c in cases),
                     "cases": len(cases)})
    return page(ctx, "library.html", title="Policies", rows=rows, dictionary_version=rt.dictionary.version)


def _policy(ctx: Ctx, policy_id: str) -> Response:
    ctx.need_principal()
    rt = ctx.service.runtime
    policy = next((p for p in rt.catalog.policies() if p.id == policy_id), None)
    if policy is None:
        raise NotFoundError(f"no policy {policy_id}")
    pack = rt.catalog.pack_of(policy)
    nums = _numbering(policy)
    refs = [{"n": n, "id": r, "text": pack.references[r].formatted() if r in pack.references else r,
             "status": getattr(pack.references.get(r), "status", "")}
            for r, n in sorted(nums.items(), key=lambda kv: kv[1])]
    versions = ctx.service.policy_versions.visible(ctx.need_principal(), policy_id)
    return page(ctx, "policy.html", title=policy.title, p=policy, pack=pack, nums=nums, refs=refs,
                cases=_cases(ctx, policy), kinds={"all_of": "All of", "any_of": "Any of", "not": "Not"},
                leaf=lambda n: isinstance(n, Node) and n.kind == "leaf", versions=versions)


def _sample_links(ctx: Ctx, policy_id: str, impact: dict[str, Any] | None) -> dict[str, str]:
    """Each sample case -> its latest evaluation against the policy (the answer page to open); only
    evaluations the reader may open (the samples already are; this keeps it so for the links)."""
    import sqlalchemy as sa

    from mednec.store.access import org_wide
    from mednec.store.models import Evaluation

    ids = {c for m in (impact or {}).get("moves", []) for c in m.get("samples", [])}
    if not ids:
        return {}
    principal = ctx.need_principal()
    q = (sa.select(Evaluation.case_id, Evaluation.id)
         .where(Evaluation.case_id.in_(ids), Evaluation.policy_id == policy_id).order_by(Evaluation.submitted_at))
    with ctx.service.db.reading() as s:
        if not org_wide(s, principal):
            q = q.where(Evaluation.org_id == principal.org_id)
        rows = s.execute(q).all()
    return {case_id: eval_id for case_id, eval_id in rows}


def _version(ctx: Ctx, policy_id: str, version: str) -> Response:
    """One stored version of a policy: its state in review and the impact analysis panel."""
    from mednec.store.access import READ_ALL

    principal = ctx.need_principal()
    row = next((v for v in ctx.service.policy_versions.visible(principal, policy_id) if v.version == version), None)
    if row is None:
        raise NotFoundError(f"no policy {policy_id} version {version}")
    may_open = principal.role in READ_ALL
    recorded, withheld = ctx.service.policy_versions.recorded_impact(principal, row)
    live = None
    if ctx.request.query_params.get("impact") == "run" and row.status in (PolicyState.DRAFT, PolicyState.IN_REVIEW):
        live = ctx.service.policy_versions.impact(principal, policy_id, version)
    impact = live or recorded
    policy = ctx.service.policies.compiled(policy_id, version)
    names = ctx.state.names({row.author_id, row.reviewer_id})
    return page(ctx, "policy_version.html", title=f"{policy.title} — version {version}", p=policy, v=row,
                impact=impact, live=live is not None, withheld=withheld and live is None, may_open=may_open, names=names,
                links=_sample_links(ctx, policy_id, impact) if may_open else {})


def register(router: APIRouter) -> None:
    @router.get("/library")
    def library(request: Request) -> Response:
        return _library(ctx_of(request))

    @router.get("/library/{policy_id}")
    def policy(request: Request, policy_id: str) -> Response:
        return _policy(ctx_of(request), policy_id)

    @router.get("/library/{policy_id}/versions/{version}")
    def policy_version(request: Request, policy_id: str, version: str) -> Response:
        return _version(ctx_of(request), policy_id, version)
