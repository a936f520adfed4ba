"""What every service of the store shares: the unit of work (:class:`Context`: the database whose
sessions are the transactions, the runtime, the clock, the published policy versions), the
authenticated :class:`Principal`, and the access rule.

============================  =========================================================
role                          may
============================  =========================================================
requester                     create and read its own organisation's cases and
                              evaluations; update their facts; appeal a denial
physician_reviewer            read every case and evaluation; claim, approve, overturn,
                              request changes or information
policy_author                 read policies (cases are not visible: 403)
auditor                       read cases, evaluations, the audit log and metrics
admin                         everything, and manage users and keys
============================  =========================================================

"Every case" is every organisation's only for users of a *reviewing* organisation (the plan:
``organizations.reviews_all``, or a system administrator); a physician reviewer, auditor or admin
of any other organisation reads its own organisation's cases and evaluations, as a requester
does, and no audit log. A case of another organisation answers 404, never 403, so nobody learns
anything about it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mednec.errors import ForbiddenError, NotFoundError
from mednec.runtime import Runtime
from mednec.store.db import Database
from mednec.store.models import Case, Evaluation, Organization
from mednec.store.policies import PolicyRegistry

__all__ = ["DRAFT_READERS", "READ_ALL", "Context", "Principal", "ServicePart", "principal_of", "require", "require_admin_of",
           "impact_scope", "may_see_population", "of_reviewing_org", "org_wide", "visible", "visible_case", "visible_case_row", "visible_eval"]

READ_ALL = ("physician_reviewer", "auditor", "admin")
DRAFT_READERS = ("policy_author", "physician_reviewer", "admin")  # unpublished policy versions
class _Owned(Protocol):
    @property
    def org_id(self) -> str: ...


_T = TypeVar("_T", bound=_Owned)
_CASES = cast(sa.Table, Case.__table__)
_CASE_ROW = sa.select(_CASES.c.id, _CASES.c.org_id, _CASES.c.data).where(_CASES.c.id == sa.bindparam("case_id"))


@dataclass(frozen=True)
class Context:
    """The unit of work the services share: every change and its audit entry are written in one
    ``db.session()`` transaction; ``now`` is the service clock."""

    db: Database
    runtime: Runtime
    now: Callable[[], dt.datetime]
    policies: PolicyRegistry


@dataclass(frozen=True)
class Principal:
    """The authenticated user."""

    id: str
    org_id: str
    role: str
    name: str
    system_admin: bool = False  # an admin of every organisation
    session_version: int = 0  # browser sessions signed in under an older version are ended


class _UserLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def org_id(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def system_admin(self) -> bool: ...
    @property
    def session_version(self) -> int: ...


def principal_of(user: _UserLike) -> Principal:
    """The principal of a user row or object (with its system-admin flag and session version)."""
    return Principal(user.id, user.org_id, user.role, user.name, bool(user.system_admin), int(user.session_version))


def require(p: Principal, *roles: str) -> None:
    """403 unless ``p`` has one of ``roles`` (an admin may do everything)."""
    if p.role not in roles and p.role != "admin":
        raise ForbiddenError(f"role {p.role} may not do this")


def require_admin_of(actor: Principal, org_id: str) -> None:
    """Admins manage their own organisation's users and keys; system administrators every one's."""
    if actor.role != "admin":
        raise ForbiddenError(f"role {actor.role} may not do this")
    if not actor.system_admin and org_id != actor.org_id:
        raise ForbiddenError("an admin manages its own organisation's users only")


_REVIEWS_ALL = sa.select(cast(sa.Table, Organization.__table__).c.reviews_all).where(
    cast(sa.Table, Organization.__table__).c.id == sa.bindparam("org_id"))


def org_wide(s: Session, p: Principal) -> bool:
    """Whether ``p`` reads every organisation's cases: a physician reviewer, auditor or admin of a
    reviewing organisation, or a system administrator. Everyone else reads their own organisation's."""
    if p.role not in READ_ALL:
        return False
    return p.system_admin or bool(s.connection().execute(_REVIEWS_ALL, {"org_id": p.org_id}).scalar())


def of_reviewing_org(s: Session, p: Principal) -> bool:
    """Whether ``p`` belongs to a reviewing organisation (or is a system administrator), whatever
    its role: who weighs every organisation's figures, sees every organisation's policy drafts and
    publishes policy versions (which apply to every organisation)."""
    return p.system_admin or bool(s.connection().execute(_REVIEWS_ALL, {"org_id": p.org_id}).scalar())


def impact_scope(s: Session, p: Principal) -> str | None:
    """Whose stored cases an impact analysis for ``p`` covers: every organisation's (None) for the
    staff of a reviewing organisation (whatever the role: its policy authors weigh the plan's whole
    population, in counts only) and for a system administrator; ``p``'s own organisation's for
    everyone else. Counts over a few cases reveal those cases, so they are scoped as the cases are."""
    return None if of_reviewing_org(s, p) else p.org_id


def may_see_population(s: Session, p: Principal, org_id: str | None) -> bool:
    """Whether ``p`` may see figures computed over the stored cases of ``org_id`` (None: of every
    organisation): those of its own organisation, or any when it reads across organisations."""
    scope = impact_scope(s, p)
    return scope is None or scope == org_id


def visible(s: Session, p: Principal, found: _T | None, what: str, ident: str) -> _T:
    """``found`` (a case or evaluation, ORM object or row) when ``p`` may see it; else 404, the
    same for another organisation's as for one that does not exist."""
    require(p, "requester", *READ_ALL)
    if found is None or (found.org_id != p.org_id and not org_wide(s, p)):
        raise NotFoundError(f"no {what} {ident}")
    return found


def visible_case(s: Session, p: Principal, case_id: str) -> Case:
    return visible(s, p, s.get(Case, case_id), "case", case_id)


def visible_case_row(s: Session, p: Principal, case_id: str) -> sa.Row[Any, Any, Any]:
    """:func:`visible_case` as a plain row (id, org_id, data) for read-only use: no ORM identity map."""
    return visible(s, p, s.connection().execute(_CASE_ROW, {"case_id": case_id}).one_or_none(), "case", case_id)


def visible_eval(s: Session, p: Principal, eval_id: str) -> Evaluation:
    return visible(s, p, s.get(Evaluation, eval_id), "evaluation", eval_id)


class ServicePart:
    """A service of one concern over the shared :class:`Context` (its database, runtime, clock and
    policy versions, under the same names as on the context)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.db, self.runtime, self.now, self.policies = ctx.db, ctx.runtime, ctx.now, ctx.policies
