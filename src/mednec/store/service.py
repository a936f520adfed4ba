"""The review service: cases, evaluations, the physician review workflow, users and keys.

Every change and its audit entry are written in one transaction. Who may do what, and the
shared unit of work: :mod:`mednec.store.access`.

Review workflow (CMS-0057-F turnaround: 72 hours expedited, 7 calendar days standard)::

    submitted --claim--> under_review --approve---------> approved
        ^                    |        --overturn--------> overturned
        |                    |        --request_changes-> changes_requested
     appealed <--appeal--(denied)     --request_info----> info_requested

An adverse final decision (denied) needs the physician reviewer's signature.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from mednec.engine.benefit import with_benefit
from mednec.engine.determination import INSUFFICIENT, MEETS, NOT_MET
from mednec.engine.evaluate import evaluate as run_policy
from mednec.errors import (
    ConflictError,
    ForbiddenError,
    InputError,
    PreconditionFailedError,
)
from mednec.runtime import Runtime
from mednec.store import audit, outbox
from mednec.store.access import (
    READ_ALL,
    Context,
    Principal,
    require,
    visible_case,
    visible_case_row,
    visible_eval,
)
from mednec.store.accounts import Accounts
from mednec.store.auditlog import AuditLog
from mednec.store.db import Database
from mednec.store.metrics import Metrics
from mednec.store.models import Case, Evaluation, ReviewAction
from mednec.store.outbox import Notifications
from mednec.store.policies import PolicyRegistry
from mednec.store.versions import PolicyVersions
from mednec.store.workflow import TRANSITIONS, TURNAROUND, is_overdue

__all__ = ["Service"]

_INVISIBLE = re.compile(r"[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
                        r"\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]")
_INSERT_EVALUATION = audit.insert_statement(cast(sa.Table, Evaluation.__table__))


_TITLES = {"dr", "doctor", "prof", "professor", "mr", "mrs", "ms", "mx"}
_CREDENTIALS = {"md", "do", "phd", "mbbs", "mbchb", "frcp", "facp", "pharmd", "rph", "np", "pa", "rn", "jr", "sr"}


def normalized_name(text: str | None) -> str:
    """A name as compared for a signature: Unicode NFKC, invisible and zero-width characters
    removed, case folded, punctuation and whitespace collapsed, a leading title ("Dr") and
    trailing credentials ("MD") dropped; "" when nothing visible is left."""
    t = unicodedata.normalize("NFKC", text or "")
    t = "".join(ch for ch in _INVISIBLE.sub("", t) if unicodedata.category(ch) not in ("Cf", "Cc", "Co", "Cn"))
    words = re.sub(r"[.,;:]", " ", t.casefold()).split()
    while len(words) > 1 and words[0] in _TITLES:
        words.pop(0)
    while len(words) > 1 and words[-1] in _CREDENTIALS:
        words.pop()
    return " ".join(words)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


class Service:
    """Domain operations over the database; the API and CLI are thin layers on top."""

    def __init__(self, db: Database, runtime: Runtime, now: Callable[[], dt.datetime] | None = None) -> None:
        self.ctx = Context(db, runtime, now or (lambda: dt.datetime.now(dt.UTC)), PolicyRegistry(db, runtime))
        self.db, self.runtime, self.now, self.policies = db, runtime, self.ctx.now, self.ctx.policies
        self.accounts = Accounts(self.ctx)
        self.policy_versions = PolicyVersions(self.ctx)
        self.metrics = Metrics(self.ctx)
        self.audit_log = AuditLog(self.ctx)
        self.notifications = Notifications(self.ctx)

    # ---- cases ----------------------------------------------------------------------
    def create_case(self, p: Principal, data: Mapping[str, Any], *, source: str = "case", title: str = "") -> Case:
        require(p, "requester")
        data = _jsonable(data)
        parsed = self.runtime.parse_case(data, as_of=self._as_of(data))  # validate now: bad input is 422
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
            if p.role == "requester":
                q = q.where(Case.org_id == p.org_id)
            total = s.execute(sa.select(sa.func.count()).select_from(q.subquery())).scalar_one()
            rows = s.execute(q.order_by(Case.created_at.desc(), Case.id).limit(limit).offset(offset)).scalars()
            return list(rows), int(total)

    def update_case(self, p: Principal, case_id: str, facts: Mapping[str, Any], *, if_match: int | None,
                    replace: bool = False) -> Case:
        """Merge (or replace) facts; ``if_match`` is the version the client last saw (required)."""
        require(p, "requester")
        if if_match is None:
            raise PreconditionFailedError("send If-Match with the case's ETag to update it", field="If-Match")
        with self.db.session() as s:
            case = visible_case(s, p, case_id)
            if case.version != if_match:
                raise PreconditionFailedError(
                    f"the case changed (version {case.version}, you sent {if_match}); re-read it", field="If-Match")
            data = dict(case.data)
            merged = dict(_jsonable(facts)) if replace else {**dict(data.get("facts") or {}), **_jsonable(facts)}
            data["facts"] = {k: v for k, v in merged.items() if v is not None}
            parsed = self.runtime.parse_case(data, as_of=self._as_of(data))
            case.data = data
            case.updated_at = self.now()
            try:
                s.flush()
            except StaleDataError:
                raise PreconditionFailedError("the case changed meanwhile; re-read it", field="If-Match") from None
            audit.append(s, actor_id=p.id, action="case.update", entity_type="case", entity_id=case.id,
                         input_hash=parsed.facts.given_digest(), detail={"facts": sorted(facts)}, at=self.now())
            return case

    def _as_of(self, data: Mapping[str, Any]) -> dt.date | None:
        """The case's own ``as_of`` when it pins one, else today by the service clock."""
        return None if data.get("as_of") else self.now().date()

    # ---- evaluations ----------------------------------------------------------------
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
            facts = self.runtime.parse_case(case.data, as_of=as_of or self._as_of(case.data)).facts
            det = run_policy(policy, facts, pack, self.runtime.dictionary, phase=phase)
            if program is not None or exclusions:  # beside the determination, never instead of it
                det = with_benefit(det, policy, pack, program, exclusions)
            ev = Evaluation(
                id=f"ev_{uuid.uuid4().hex[:20]}", case_id=case.id, org_id=case.org_id, created_by=p.id,
                policy_id=policy.id, policy_version=policy.version, drug=policy.drug.generic, phase=phase,
                urgency=urgency, as_of=det.as_of, determination=det.determination, input_hash=det.input_hash,
                result_json=None, result_z=Evaluation.pack_result(det.to_dict()), state="submitted",
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
            facts = self.runtime.parse_case(case.data, as_of=as_of or self._as_of(case.data)).facts
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
            if p.role == "requester":
                q = q.where(Evaluation.org_id == p.org_id)
            if state:
                q = q.where(Evaluation.state == state)
            if decision:  # a final decision, whether the reviewer confirmed or overturned the recommendation
                q = q.where(Evaluation.decision == decision)
            if case_id:
                q = q.where(Evaluation.case_id == case_id)
            if overdue is not None:
                open_ = Evaluation.state.in_(("submitted", "under_review", "appealed"))
                late = Evaluation.due_at < self.now()
                q = q.where(sa.and_(open_, late) if overdue else sa.not_(sa.and_(open_, late)))
            total = s.execute(sa.select(sa.func.count()).select_from(q.subquery())).scalar_one()
            rows = s.execute(q.order_by(Evaluation.due_at, Evaluation.id).limit(limit).offset(offset)).scalars()
            return list(rows), int(total)

    def is_overdue(self, ev: Evaluation) -> bool:
        return is_overdue(ev.state, ev.due_at, self.now())

    def history(self, p: Principal, eval_id: str) -> list[ReviewAction]:
        with self.db.reading() as s:
            visible_eval(s, p, eval_id)
            return list(s.execute(sa.select(ReviewAction).where(ReviewAction.evaluation_id == eval_id)
                                  .order_by(ReviewAction.id)).scalars())

    # ---- review workflow ------------------------------------------------------------
    def act(self, p: Principal, eval_id: str, action: str, *, if_match: int | None = None,
            reason: str | None = None, decision: str | None = None, signature: str | None = None) -> Evaluation:
        """Apply one review action. ``if_match`` (the evaluation version) guards against races."""
        now = self.now()
        with self.db.session() as s:
            ev = visible_eval(s, p, eval_id)
            if if_match is not None and ev.version != if_match:
                raise ConflictError(f"the evaluation changed (version {ev.version}); re-read it", field="If-Match")
            before = ev.state
            if action != "appeal" and p.id in (ev.created_by, s.get(Case, ev.case_id).created_by):  # type: ignore[union-attr]
                raise ForbiddenError("you created this request; another physician reviewer must review it")
            self._transition(p, ev, action, reason, decision, signature, now)
            try:
                s.flush()
            except StaleDataError:
                raise ConflictError("another reviewer acted on this evaluation first; re-read it") from None
            s.add(ReviewAction(evaluation_id=ev.id, actor_id=p.id, action=action, from_state=before,
                               to_state=ev.state, reason=reason, at=now))
            audit.append(s, actor_id=p.id, action=f"review.{action}", entity_type="evaluation", entity_id=ev.id,
                         policy_version=f"{ev.policy_id}@{ev.policy_version}", input_hash=ev.input_hash,
                         detail={"from": before, "to": ev.state, "decision": ev.decision,
                                 **({"signed": ev.signature_hash} if action in ("approve", "overturn")
                                    and ev.signature_hash else {})}, at=now)
            if action in ("approve", "overturn"):  # a decision: its notifications commit with it
                outbox.enqueue_decision(s, ev, now)
            return ev

    def _transition(self, p: Principal, ev: Evaluation, action: str, reason: str | None, decision: str | None,
                    signature: str | None, now: dt.datetime) -> None:
        step = TRANSITIONS.get(action)
        if step is None:
            raise InputError(f"unknown action {action!r}", field="action")
        require(p, step.role)
        if ev.state not in step.sources:
            raise ConflictError(f"cannot {action} an evaluation that is {ev.state.replace('_', ' ')}")
        if step.own_claim and ev.reviewer_id != p.id:
            raise ConflictError("this evaluation is claimed by another reviewer")
        if action == "appeal" and ev.decision != "denied":
            raise ConflictError("only a denial can be appealed")
        if step.needs_reason and not (reason and reason.strip()):
            raise InputError(f"{action} needs a reason", field="reason")
        final = self._final_decision(action, ev, decision) if action in ("approve", "overturn") else None
        signed = self._signature(p, ev, signature) if final == "denied" else (None, None)
        ev.state = step.target  # every check passed: nothing changes before this line
        if action == "appeal":
            ev.appealed = True
        elif action == "claim":
            ev.reviewer_id = p.id
        elif final is None:  # changes or information requested
            ev.decision_reason = reason
        else:
            ev.decision, ev.decision_reason, ev.decided_at = final, reason, now
            ev.signature, ev.signature_hash = signed

    @staticmethod
    def _final_decision(action: str, ev: Evaluation, decision: str | None) -> str:
        """The decision an approval or an overturn makes, checked against the recommendation."""
        assert ev.determination in (MEETS, NOT_MET, INSUFFICIENT)
        if action == "approve":
            if ev.determination == INSUFFICIENT:
                raise ConflictError("an insufficient-information recommendation cannot be approved: "
                                    "request information, or overturn with a decision")
            return "approved" if ev.determination == MEETS else "denied"
        if decision not in ("approved", "denied"):
            raise InputError("overturn needs decision: approved or denied", field="decision")
        if (decision == "approved") == (ev.determination == MEETS):
            raise ConflictError("overturn must change the recommendation; use approve to confirm it")
        return decision

    @staticmethod
    def _signature(p: Principal, ev: Evaluation, signature: str | None) -> tuple[str | None, str | None]:
        """An adverse decision's signature (the reviewer's own registered name) and the hash of the
        determination JSON it signs."""
        signed = normalized_name(signature)
        if not signed:
            raise InputError("an adverse decision needs the physician reviewer's signature: type your name",
                             field="signature")
        if signed != normalized_name(p.name):
            raise InputError("the signature must be your own name as registered", field="signature")
        text = " ".join(unicodedata.normalize("NFKC", _INVISIBLE.sub("", signature or "")).split())
        return text, hashlib.sha256(ev.result_raw).hexdigest()  # the determination JSON that was signed
