"""Policy versions as the service offers them: who may see drafts, drafting, the review of a
version (submit, publish, reject, with the impact analysis recorded), and the impact of a version
over the stored cases. The versions themselves: :mod:`mednec.store.policies`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from mednec.errors import ConfigError, ForbiddenError, InputError, NotFoundError
from mednec.states import PolicyState
from mednec.store import audit
from mednec.store.access import (
    DRAFT_READERS,
    READ_ALL,
    Principal,
    ServicePart,
    impact_scope,
    may_see_population,
    of_reviewing_org,
    require,
)
from mednec.store.models import PolicyVersion, User

__all__ = ["PolicyVersions"]


class PolicyVersions(ServicePart):
    """Drafting, reviewing and publishing policy versions."""

    def visible(self, p: Principal, policy_id: str) -> list[PolicyVersion]:
        """The versions ``p`` may see: published and retired ones for everyone; drafts, versions in
        review and rejected ones only for those who write or review them (policy authors, physician
        reviewers weighing their impact, admins), and only their author's organisation's unless
        they belong to a reviewing organisation (another organisation's draft is its own work)."""
        with self.db.reading() as s:
            rows = list(s.execute(sa.select(PolicyVersion).where(PolicyVersion.policy_id == policy_id)
                                  .order_by(PolicyVersion.created_at, PolicyVersion.version)).scalars())
            if not rows:
                raise NotFoundError(f"no policy {policy_id}")
            shared = (PolicyState.PUBLISHED, PolicyState.RETIRED)
            if p.role not in DRAFT_READERS:
                return [r for r in rows if r.status in shared]
            if of_reviewing_org(s, p):
                return rows
            authors = {r.author_id for r in rows if r.status not in shared and r.author_id}
            orgs = dict(s.execute(sa.select(User.id, User.org_id).where(User.id.in_(authors))).tuples().all()) \
                if authors else {}
        return [r for r in rows if r.status in shared or orgs.get(r.author_id or "") == p.org_id]

    def draft(self, p: Principal, policy_id: str, yaml_text: str) -> PolicyVersion:
        require(p, "policy_author")
        now = self.now()
        with self.db.session() as s:
            try:
                row = self.policies.draft(s, p.id, policy_id, yaml_text, now)
            except ConfigError as exc:  # the draft is the author's input: a 422, not a server error
                raise InputError(exc.message, field=f"yaml: {exc.field}" if exc.field else "yaml") from None
            s.flush()
            audit.append(s, actor_id=p.id, action="policy.draft", entity_type="policy", entity_id=policy_id,
                         policy_version=f"{policy_id}@{row.version}", at=now)
            return row

    def review(self, p: Principal, policy_id: str, version: str, action: str,
                      note: str | None = None) -> PolicyVersion:
        """Submit, publish or reject a version. Submitting and publishing first run the impact
        analysis over the stored cases the actor may weigh (:func:`impact_scope`: its own
        organisation's unless it reads across organisations) and record it with the version, saying
        which population it used (and a summary in the audit)."""
        require(p, "policy_author")
        from mednec.store.impact import stored_impact

        if not any(v.version == version for v in self.visible(p, policy_id)):
            raise NotFoundError(f"no policy {policy_id} version {version}")  # a draft it may not see
        with self.db.reading() as s:
            current = s.get(PolicyVersion, (policy_id, version))
            status = current.status if current is not None else None
            scope = impact_scope(s, p)
        if action in ("publish", "reject") and scope is not None:
            raise ForbiddenError("a policy version applies to every organisation: a reviewing organisation's "
                                 "policy author publishes or rejects it")
        report = None
        if (action, status) in (("submit", PolicyState.DRAFT), ("publish", PolicyState.IN_REVIEW)):
            report = stored_impact(self, policy_id, version, org_id=scope)
        now = self.now()
        with self.db.session() as s:
            row = self.policies.transition(s, p.id, p.role, policy_id, version, action, now, note)
            detail: dict[str, Any] = {"status": row.status}
            if report is not None:
                row.impact = {**report.to_dict(), "computed_at": now.isoformat(), "action": action}
                detail["impact"] = {"compared_with": report.published, "organisation": report.organisation,
                                    "patients": report.patients, "moved": report.moved}
            audit.append(s, actor_id=p.id, action=f"policy.{action}", entity_type="policy", entity_id=policy_id,
                         policy_version=f"{policy_id}@{version}", detail=detail, at=now)
            return row

    def impact(self, p: Principal, policy_id: str, version: str) -> dict[str, Any]:
        """The impact analysis of a version over the stored cases ``p`` may weigh
        (:func:`impact_scope`), computed now (not recorded). Sample case ids are shown to those who
        may open the cases (every sample is then a case they may open)."""
        require(p, "policy_author", *READ_ALL)
        from mednec.store.impact import stored_impact

        if not any(v.version == version for v in self.visible(p, policy_id)):
            raise NotFoundError(f"no policy {policy_id} version {version}")  # a draft it may not see
        with self.db.reading() as s:
            scope = impact_scope(s, p)
        report = stored_impact(self, policy_id, version, org_id=scope)
        return {**report.to_dict(samples=p.role in READ_ALL), "computed_at": self.now().isoformat()}

    def recorded_impact(self, p: Principal, row: PolicyVersion) -> tuple[dict[str, Any] | None, bool]:
        """``(the analysis recorded with row as p may see it, whether one was withheld)``: withheld
        when it was computed over stored cases ``p`` may not see (another organisation's, or every
        organisation's for a reader of its own only); sample case ids only for roles that open cases."""
        from mednec.store.impact import impact_view, recorded_organisation

        if row.impact is None:
            return None, False
        with self.db.reading() as s:
            if not may_see_population(s, p, recorded_organisation(row)):
                return None, True
        return impact_view(row, samples=p.role in READ_ALL), False
