"""/policies, /metrics/prior-auth, /audit, /users."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from mednec.api.deps import Admin, AuditReader, Auth, ImpactReader, MetricsReader, get_service, idempotent, role
from mednec.errors import ForbiddenError, NotFoundError
from mednec.policies.describe import describe_policy
from mednec.store.access import Principal
from mednec.store.models import PolicyVersion
from mednec.store.service import Service

router = APIRouter()
Svc = Annotated[Service, Depends(get_service)]


#: drafts and reviews policy versions; refused before the body is validated (held-out requests7 o04;
#: tests/api/test_role_before_body.py). The service checks again.
Author = Annotated[Principal, role("policy_author")]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    org: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    role: Literal["requester", "physician_reviewer", "policy_author", "auditor", "admin"]
    system_admin: bool = Field(default=False, description="an admin of every organisation (system administrators only)")


class PolicyDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")
    yaml: str = Field(min_length=1, max_length=200_000)


class PolicyReview(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["submit", "publish", "reject"]
    note: str | None = Field(default=None, max_length=4000)


def _version_view(v: PolicyVersion) -> dict[str, Any]:
    return {"policy": v.policy_id, "version": v.version, "status": v.status, "source": v.source,
            "author": v.author_id, "reviewer": v.reviewer_id, "note": v.note,
            "created_at": v.created_at.isoformat(),
            "published_at": v.published_at.isoformat() if v.published_at else None}


@router.get("/policies", tags=["policies"], summary="List the published policies")
def list_policies(principal: Auth, service: Svc) -> dict[str, Any]:
    items = []
    for shipped in service.runtime.catalog.policies():
        p, _ = service.policies.current(shipped)
        items.append({"id": p.id, "drug": p.drug.generic, "brands": list(p.drug.brands), "version": p.version,
                      "effective_date": p.effective_date.isoformat(), "pathways": [pw.id for pw in p.pathways]})
    return {"items": items}


@router.get("/policies/{policy_id}", tags=["policies"], summary="Read the published policy and its version history")
def get_policy(policy_id: str, principal: Auth, service: Svc) -> dict[str, Any]:
    shipped = next((p for p in service.runtime.catalog.policies() if p.id == policy_id), None)
    if shipped is None:
        raise NotFoundError(f"no policy {policy_id}")
    policy, pack = service.policies.current(shipped)
    out = describe_policy(policy, pack)
    out["versions"] = [_version_view(v) for v in service.policy_versions.visible(principal, policy_id)]
    return out


@router.get("/policies/{policy_id}/versions/{version}", tags=["policies"],
            summary="One policy version (YAML) and the impact analysis recorded in its review")
def get_policy_version(policy_id: str, version: str, principal: Auth, service: Svc) -> dict[str, Any]:
    for v in service.policy_versions.visible(principal, policy_id):
        if v.version == version:
            impact, withheld = service.policy_versions.recorded_impact(principal, v)
            return {**_version_view(v), "yaml": v.yaml_text, "impact": impact, "impact_withheld": withheld}
    raise NotFoundError(f"no policy {policy_id} version {version}")


@router.get("/policies/{policy_id}/versions/{version}/impact", tags=["policies"],
            summary="Impact analysis: how the stored cases' determinations would move if this version were published")
def policy_version_impact(policy_id: str, version: str, principal: ImpactReader, service: Svc) -> dict[str, Any]:
    service.work_limits.take("impact", principal.id)  # every stored case is evaluated: 429 past the limit
    return service.policy_versions.impact(principal, policy_id, version)


@router.post("/policies/{policy_id}/versions", tags=["policies"], status_code=201,
             summary="Draft a new policy version (policy author); versions are never edited")
def draft_policy_version(
    policy_id: str, body: PolicyDraft, principal: Author, service: Svc,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    def run() -> tuple[int, dict[str, Any], dict[str, str]]:
        v = service.policy_versions.draft(principal, policy_id, body.yaml)
        return 201, _version_view(v), {"Location": f"/policies/{policy_id}/versions/{v.version}"}

    return idempotent(service, principal, idempotency_key, {"policy": policy_id, **body.model_dump()}, run)


@router.post("/policies/{policy_id}/versions/{version}/review", tags=["policies"],
             summary="Submit a draft, or publish / reject a submitted version (a different author)")
def review_policy_version(
    policy_id: str, version: str, body: PolicyReview, principal: Author, service: Svc,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    def run() -> tuple[int, dict[str, Any], dict[str, str]]:
        return 200, _version_view(service.policy_versions.review(principal, policy_id, version, body.action, body.note)), {}

    return idempotent(service, principal, idempotency_key,
                      {"policy": policy_id, "version": version, **body.model_dump()}, run)


@router.get("/metrics/prior-auth", tags=["metrics"], summary="CMS-0057-F prior-authorization figures")
def metrics(principal: MetricsReader, service: Svc) -> dict[str, Any]:
    return {"limits": {"expedited_hours": 72, "standard_days": 7}, "groups": service.metrics.figures(principal)}


@router.get("/audit", tags=["audit"], summary="Read the audit log (auditor)")
def audit_log(
    principal: AuditReader, service: Svc,
    after: Annotated[int, Query(ge=0, le=2**62, description="entries after this seq")] = 0,
    before: Annotated[int | None, Query(ge=1, le=2**62, description="entries before this seq")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    action: Annotated[str | None, Query(max_length=64, description="an action (review.approve) or a group (review)")] = None,
    entity: Annotated[str | None, Query(max_length=130, description="an entity type, an id, or type/id")] = None,
    order: Annotated[Literal["oldest", "newest"], Query(description="oldest first (default) or newest first")] = "oldest",
) -> dict[str, Any]:
    rows = service.audit_log.entries(principal, limit=limit, after=after, before=before, action=action, entity=entity,
                                 newest_first=order == "newest")
    return {"items": [
        {"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor_id, "action": e.action,
         "entity": f"{e.entity_type}/{e.entity_id}", "policy_version": e.policy_version,
         "input_hash": e.input_hash, "detail": e.detail, "hash": e.hash}
        for e in rows
    ]}


@router.get("/audit/verify", tags=["audit"], summary="Verify the audit hash chain (auditor)")
def audit_verify(principal: AuditReader, service: Svc) -> dict[str, Any]:
    service.audit_log.require_reader(principal)
    count, problems = service.audit_log.verify()
    kinds = service.audit_log.schemes()
    # "unkeyed": plain SHA-256 entries, which whoever can write to the database could recompute
    return {"entries": count, "ok": not problems, "problems": [{"seq": p.seq, "problem": p.problem} for p in problems],
            "keyed": kinds["keyed"], "unkeyed": kinds["plain"]}


@router.post("/users", tags=["users"], status_code=201, summary="Create a user (admin)")
def create_user(
    body: UserCreate, principal: Admin, service: Svc,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    if principal.role != "admin":
        raise ForbiddenError(f"role {principal.role} may not do this")

    def run() -> tuple[int, dict[str, Any], dict[str, str]]:
        u = service.accounts.add_user(body.org, body.name, body.role, actor=principal, system_admin=body.system_admin)
        return 201, {"id": u.id, "org": u.org_id, "name": u.name, "role": u.role,
                     "system_admin": u.system_admin}, {}

    return idempotent(service, principal, idempotency_key, body.model_dump(), run)


@router.post("/users/{user_id}/keys", tags=["users"], status_code=201,
             summary="Create an API key (an admin of the user's organisation)")
def create_key(
    user_id: str, principal: Admin, service: Svc,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    if principal.role != "admin":
        raise ForbiddenError(f"role {principal.role} may not do this")

    def run() -> tuple[int, dict[str, Any], dict[str, str]]:
        key_id, key = service.accounts.issue_key(user_id, actor=principal)
        return 201, {"user": user_id, "id": key_id, "key": key, "note": "shown once; only its hash is stored"}, {}

    def without_secret(payload: dict[str, Any]) -> dict[str, Any]:
        """The replayed response: the key itself is never stored, so a replay cannot show it."""
        return {**payload, "key": None, "note": "the key was shown once, in the first response; "
                                                "revoke it and create another if it was lost"}

    return idempotent(service, principal, idempotency_key, {"user": user_id}, run, stored=without_secret)


@router.delete("/users/{user_id}/keys/{key_id}", tags=["users"], status_code=204,
               summary="Revoke an API key at once (an admin of the user's organisation)")
def revoke_key(user_id: str, key_id: str, principal: Admin, service: Svc) -> Response:
    service.accounts.revoke_key(key_id, user_id=user_id, actor=principal)
    return Response(status_code=204)
