"""Cases and their evaluations: creating and updating a case (its facts validated as they
arrive), evaluating it against the published policy (the evaluation enters the review queue with
its CMS-0057-F due time), comparing payer variants, and reading them back within the access rule
(:mod:`mednec.store.access`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Mapping
from typing import Any, Literal, cast

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from mednec.engine.benefit import with_benefit
from mednec.engine.evaluate import evaluate as run_policy
from mednec.errors import InputError, PreconditionFailedError
from mednec.states import ReviewState
from mednec.store import audit
from mednec.store.access import (
    READ_ALL,
    Principal,
    ServicePart,
    org_wide,
    require,
    visible_case,
    visible_case_row,
    visible_eval,
)
from mednec.store.models import Case, Evaluation
from mednec.store.workflow import OPEN_STATES, TURNAROUND, is_overdue

__all__ = ["Cases"]

_INSERT_EVALUATION = audit.insert_statement(cast(sa.Table, Evaluation.__table__))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


class Cases(ServicePart):
    """Cases and evaluations (requesters create them; reviewers, auditors and admins read them)."""

    def create_case(self, p: Principal, data: Mapping[str, Any], *, source: str = "case", title: str = "") -> Case:
        require(p, "requester")
        data = _jsonable(data)
        parsed = self.runtime.parse_case(data, as_of=self.default_as_of(data))  # validate now: bad input is 422
        with self.db.session() as s:
            case = Case(id=f"case_{uuid.uuid4().hex[:20]}", org_id=p.org_id, created_by=p.id,
                        title=title or parsed.title, source=source, data=data,
                        created_at=self.now(), updated_at=self.now())
            s.add(case)
            s.flush()
            audit.append(s, actor_id=p.id, action="case.create", entity_type="case", entity_id=case.id,
                         input_hash=parsed.facts.given_digest(), detail={"source": source}, at=self.now())
            return case

    def get_case(self, p: Principal, case_id: str) -> Case:
        with self.db.reading() as s:
            return visible_case(s, p, case_id)

    def list_cases(self, p: Principal, *, limit: int = 50, offset: int = 0) -> tuple[list[Case], int]:
        require(p, "requester", *READ_ALL)
        with self.db.reading() as s:
            q = sa.select(Case)
            if not org_wide(s, p):
                q = q.where(Case.org_id == p.org_id)
            total = s.execute(sa.select(sa.func.count()).select_from(q.subquery())).scalar_one()
            rows = s.execute(q.order_by(Case.created_at.desc(), Case.id).limit(limit).offset(offset)).scalars()
            return list(rows), int(total)

    def update_case(self, p: Principal, case_id: str, facts: Mapping[str, Any],
                    *, if_match: int | Collection[int] | Literal["*"] | None, replace: bool = False) -> Case:
        """Merge (or replace) facts; ``if_match`` is the version the client last saw (required): one version,
        the versions an If-Match list names, or ``"*"`` for whichever is current (RFC 9110 §13.1.1)."""
        require(p, "requester")
        if if_match is None:
            raise PreconditionFailedError("send If-Match with the case's ETag to update it", field="If-Match")
        with self.db.session() as s:
            case = visible_case(s, p, case_id)
            accepted = {if_match} if isinstance(if_match, int) else if_match
            if accepted != "*" and case.version not in accepted:
                sent = ", ".join(f"v{v}" for v in sorted(accepted))
                raise PreconditionFailedError(
                    f"the case changed (version {case.version}, you sent {sent}); re-read it", field="If-Match")
            data = dict(case.data)
            merged = dict(_jsonable(facts)) if replace else {**dict(data.get("facts") or {}), **_jsonable(facts)}
            data["facts"] = {k: v for k, v in merged.items() if v is not None}
            parsed = self.runtime.parse_case(data, as_of=self.default_as_of(data))
            case.data = data
            case.updated_at = self.now()
            try:
                s.flush()
            except StaleDataError:
                raise PreconditionFailedError("the case changed meanwhile; re-read it", field="If-Match") from None
            audit.append(s, actor_id=p.id, action="case.update", entity_type="case", entity_id=case.id,
                         input_hash=parsed.facts.given_digest(), detail={"facts": sorted(facts)}, at=self.now())
            return case

    def default_as_of(self, data: Mapping[str, Any]) -> dt.date | None:
        """The case's own ``as_of`` when it pins one, else today by the service clock."""
        return None if data.get("as_of") else self.now().date()

    def evaluate(self, p: Principal, case_id: str, *, drug: str, phase: str = "initial",
                 urgency: str = "standard", as_of: dt.date | None = None, program: str | None = None,
                 exclusions: tuple[str, ...] = ()) -> Evaluation:
        require(p, "requester")
        if urgency not in TURNAROUND:
            raise InputError("urgency must be standard or expedited", field="urgency")
        policy, pack = self.policies.current(self.runtime.catalog.find_drug(drug))
        if phase == "continuation" and policy.continuation is None:
            raise InputError(f"policy {policy.id} has no continuation criteria", field="phase")
        if phase not in ("initial", "continuation"):
            raise InputError("phase must be initial or continuation", field="phase")
        now = self.now()
        with self.db.session() as s:
            case = visible_case_row(s, p, case_id)
            facts = self.runtime.parse_case(case.data, as_of=as_of or self.default_as_of(case.data)).facts
            det = run_policy(policy, facts, pack, self.runtime.dictionary, phase=phase)
            if program is not None or exclusions:  # beside the determination, never instead of it
                det = with_benefit(det, policy, pack, program, exclusions)
            ev = Evaluation(
                id=f"ev_{uuid.uuid4().hex[:20]}", case_id=case.id, org_id=case.org_id, created_by=p.id,
                policy_id=policy.id, policy_version=policy.version, drug=policy.drug.generic, phase=phase,
                urgency=urgency, as_of=det.as_of, determination=det.determination, input_hash=det.input_hash,
                result_json=None, result_z=Evaluation.pack_result(det.to_dict()), state=ReviewState.SUBMITTED,
                reviewer_id=None, decision=None, decision_reason=None, signature=None, appealed=False,
                submitted_at=now, due_at=now + TURNAROUND[urgency], decided_at=None, version=1,
            )
            # written with Core statements in one round trip with its audit entry (see audit.append);
            # the returned object is not attached to a session
            audit.append(s, actor_id=p.id, action="evaluation.create", entity_type="evaluation", entity_id=ev.id,
                         policy_version=f"{policy.id}@{policy.version}", input_hash=det.input_hash,
                         detail={"case": case.id, "determination": det.determination, "urgency": urgency,
                                 "phase": phase}, at=now,
                         together_with=[(_INSERT_EVALUATION, ev.row())])
            return ev

    def compare(self, p: Principal, case_id: str, *, drug: str, phase: str = "initial",
                as_of: dt.date | None = None) -> dict[str, Any]:
        """The case under the published policy's defaults and every payer variant (nothing stored)."""
        from mednec.compare import compare

        require(p, "requester", *READ_ALL)
        if phase not in ("initial", "continuation"):
            raise InputError("phase must be initial or continuation", field="phase")
        policy, pack = self.policies.current(self.runtime.catalog.find_drug(drug))
        if phase == "continuation" and policy.continuation is None:
            raise InputError(f"policy {policy.id} has no continuation criteria", field="phase")
        with self.db.reading() as s:
            case = visible_case_row(s, p, case_id)
            facts = self.runtime.parse_case(case.data, as_of=as_of or self.default_as_of(case.data)).facts
        return {"case": case_id, **compare(self.runtime, facts, policy, phase=phase, pack=pack).to_dict()}

    def get_evaluation(self, p: Principal, eval_id: str) -> Evaluation:
        with self.db.reading() as s:
            return visible_eval(s, p, eval_id)

    def list_evaluations(self, p: Principal, *, state: str | None = None, overdue: bool | None = None,
                         case_id: str | None = None, decision: str | None = None, limit: int = 50,
                         offset: int = 0) -> tuple[list[Evaluation], int]:
        require(p, "requester", *READ_ALL)
        with self.db.reading() as s:
            q = sa.select(Evaluation)
            if not org_wide(s, p):
                q = q.where(Evaluation.org_id == p.org_id)
            if state:
                q = q.where(Evaluation.state == state)
            if decision:  # a final decision, whether the reviewer confirmed or overturned the recommendation
                q = q.where(Evaluation.decision == decision)
            if case_id:
                q = q.where(Evaluation.case_id == case_id)
            if overdue is not None:
                open_ = Evaluation.state.in_(OPEN_STATES)
                late = Evaluation.due_at < self.now()
                q = q.where(sa.and_(open_, late) if overdue else sa.not_(sa.and_(open_, late)))
            total = s.execute(sa.select(sa.func.count()).select_from(q.subquery())).scalar_one()
            rows = s.execute(q.order_by(Evaluation.due_at, Evaluation.id).limit(limit).offset(offset)).scalars()
            return list(rows), int(total)

    def is_overdue(self, ev: Evaluation) -> bool:
        return is_overdue(ev.state, ev.due_at, self.now())
