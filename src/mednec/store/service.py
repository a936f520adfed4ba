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
import json
import re
import secrets
import statistics
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from mednec.engine.benefit import with_benefit
from mednec.engine.determination import INSUFFICIENT, MEETS, NOT_MET
from mednec.engine.evaluate import evaluate as run_policy
from mednec.errors import (
    AuthError,
    ConfigError,
    ConflictError,
    ForbiddenError,
    InputError,
    NotFoundError,
    PreconditionFailedError,
)
from mednec.runtime import Runtime
from mednec.settings import Settings
from mednec.store import audit, identities, outbox, passwords
from mednec.store.access import (
    DRAFT_READERS,
    READ_ALL,
    Principal,
    principal_of,
    require,
    require_admin_of,
    visible_case,
    visible_case_row,
    visible_eval,
)
from mednec.store.db import Database
from mednec.store.models import ROLES, ApiKey, Case, Evaluation, Organization, PolicyVersion, ReviewAction, User
from mednec.store.policies import PolicyRegistry
from mednec.store.workflow import TRANSITIONS

__all__ = ["TURNAROUND", "Service", "hash_key"]

_USERS = cast(sa.Table, User.__table__)
_KEYS = cast(sa.Table, ApiKey.__table__)
# one indexed look-up per request, not cached: a revoked key or an ended session stops at once
_PRINCIPAL_ROW = (sa.select(_USERS.c.id, _USERS.c.org_id, _USERS.c.role, _USERS.c.name, _USERS.c.system_admin,
                            _USERS.c.session_version)
                  .select_from(_USERS.join(_KEYS, _KEYS.c.user_id == _USERS.c.id))
                  .where(_KEYS.c.key_hash == sa.bindparam("digest"), _KEYS.c.revoked_at.is_(None)))
_INVISIBLE = re.compile(r"[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
                        r"\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]")
TURNAROUND = {"expedited": dt.timedelta(hours=72), "standard": dt.timedelta(days=7)}
_INSERT_EVALUATION = audit.insert_statement(cast(sa.Table, Evaluation.__table__))


def hash_key(key: str) -> str:
    """API keys are stored as SHA-256 hashes (they are 256-bit random, so no stretching is needed)."""
    return hashlib.sha256(key.encode()).hexdigest()


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


def _aware(t: dt.datetime | None) -> dt.datetime | None:
    if t is not None and t.tzinfo is None:
        return t.replace(tzinfo=dt.UTC)
    return t


class Service:
    """Domain operations over the database; the API and CLI are thin layers on top."""

    def __init__(self, db: Database, runtime: Runtime, now: Callable[[], dt.datetime] | None = None) -> None:
        self.db = db
        self.runtime = runtime
        self.now = now or (lambda: dt.datetime.now(dt.UTC))
        self.policies = PolicyRegistry(db, runtime)

    # ---- organisations, users, keys -------------------------------------------------
    def ensure_org(self, s: Session, org_id: str, name: str | None = None) -> Organization:
        org = s.get(Organization, org_id)
        if org is None:
            org = Organization(id=org_id, name=name or org_id, created_at=self.now())
            s.add(org)
            audit.append(s, actor_id=None, action="org.create", entity_type="organization", entity_id=org_id, at=self.now())
        return org

    def add_user(self, org_id: str, name: str, role: str, *, actor_id: str | None = None,
                 system_admin: bool = False, actor: Principal | None = None) -> User:
        """Create a user. With ``actor`` (an admin through the API) the admin's scope applies: its
        own organisation only, and only a system administrator makes another one."""
        if role not in ROLES:
            raise InputError(f"role must be one of {', '.join(ROLES)}", field="role")
        if system_admin and role != "admin":
            raise InputError("only an admin can be a system administrator", field="system_admin")
        if actor is not None:
            require_admin_of(actor, org_id)
            if system_admin and not actor.system_admin:
                raise ForbiddenError("only a system administrator makes another one")
            actor_id = actor.id
        with self.db.session() as s:
            self.ensure_org(s, org_id)
            user = User(id=f"usr_{uuid.uuid4().hex[:16]}", org_id=org_id, name=name, role=role, created_at=self.now(),
                        system_admin=system_admin, session_version=0)
            s.add(user)
            s.flush()
            audit.append(s, actor_id=actor_id, action="user.create", entity_type="user", entity_id=user.id,
                         detail={"role": role, "org": org_id, "system_admin": system_admin}, at=self.now())
            return user

    def create_key(self, user_id: str, *, actor_id: str | None = None) -> str:
        """Create an API key for a user; the plain key is returned once and never stored."""
        return self.issue_key(user_id, actor_id=actor_id)[1]

    def issue_key(self, user_id: str, *, actor_id: str | None = None,
                  actor: Principal | None = None) -> tuple[str, str]:
        """``(key id, plain key)``: a new API key for a user (the plain key is never stored). With
        ``actor``, an admin of the user's organisation (or a system administrator) only."""
        with self.db.session() as s:
            user = s.get(User, user_id)
            if actor is not None:
                if user is None or not (actor.system_admin or user.org_id == actor.org_id):
                    require_admin_of(actor, actor.org_id)  # a non-admin learns nothing more
                    raise NotFoundError(f"no user {user_id}", field="user")
                require_admin_of(actor, user.org_id)
                actor_id = actor.id
            if user is None:
                raise NotFoundError(f"no user {user_id}", field="user")
            key = "mk_" + secrets.token_urlsafe(32)
            rec = ApiKey(id=f"key_{uuid.uuid4().hex[:16]}", user_id=user_id, key_hash=hash_key(key),
                         prefix=key[:10], created_at=self.now())
            s.add(rec)
            s.flush()
            audit.append(s, actor_id=actor_id, action="key.create", entity_type="api_key", entity_id=rec.id,
                         detail={"user": user_id}, at=self.now())
            return rec.id, key

    def revoke_key(self, key_id: str, *, user_id: str | None = None, actor: Principal | None = None) -> ApiKey:
        """Revoke an API key at once (every request looks keys up afresh). ``user_id``, when given,
        must own it; ``actor`` (through the API) must be an admin of the owner's organisation."""
        with self.db.session() as s:
            rec = s.get(ApiKey, key_id, with_for_update=True)
            owner = s.get(User, rec.user_id) if rec is not None else None
            if actor is not None:
                require_admin_of(actor, actor.org_id)
            if rec is None or owner is None or (user_id is not None and rec.user_id != user_id) or (
                    actor is not None and not actor.system_admin and owner.org_id != actor.org_id):
                raise NotFoundError(f"no key {key_id}", field="key")
            if rec.revoked_at is None:
                rec.revoked_at = self.now()
                owner.session_version += 1  # browser sessions of the owner end too
                audit.append(s, actor_id=actor.id if actor else None, action="key.revoke", entity_type="api_key",
                             entity_id=rec.id, detail={"user": rec.user_id}, at=self.now())
            return rec

    def user_keys(self, user_id: str) -> list[ApiKey]:
        with self.db.reading() as s:
            if s.get(User, user_id) is None:
                raise NotFoundError(f"no user {user_id}", field="user")
            return list(s.execute(sa.select(ApiKey).where(ApiKey.user_id == user_id)
                                  .order_by(ApiKey.created_at)).scalars())

    def end_sessions(self, p: Principal) -> None:
        """Sign-out: every browser session of the user ends (their cookies carry an older version)."""
        with self.db.session() as s:
            s.execute(sa.update(User).where(User.id == p.id).values(session_version=User.session_version + 1))
            audit.append(s, actor_id=p.id, action="auth.logout", entity_type="user", entity_id=p.id,
                         detail={"via": "web"}, at=self.now())

    def principal_for_key_hash(self, digest: str) -> Principal | None:
        """The user whose unrevoked API key has this SHA-256 hash (or whose password session this
        is), or None. Looked up on every request (one indexed query), so revoking a key takes
        effect at once."""
        if digest.startswith((passwords.SESSION_PREFIX, identities.SESSION_PREFIX)):  # a person's browser session
            lookup = passwords.user_for_session if digest.startswith(passwords.SESSION_PREFIX) else identities.user_for_session
            user = lookup(self.db, digest)
            return None if user is None else principal_of(user)
        with self.db.read_engine.connect() as conn:
            row = conn.execute(_PRINCIPAL_ROW, {"digest": digest}).one_or_none()
        if row is None:
            return None
        return principal_of(row)

    def authenticate(self, key: str | None) -> Principal:
        """The user an unrevoked API key belongs to (looked up on every call); failures are audited."""
        if not key:
            raise AuthError("missing credentials: send 'Authorization: Bearer <api key>'")
        principal = self.principal_for_key_hash(hash_key(key))
        if principal is not None:
            return principal
        with self.db.session() as s:  # committed before raising, so the failure stays on record
            audit.append(s, actor_id=None, action="auth.failed", entity_type="api_key",
                         entity_id=key[:10] if key.startswith("mk_") else "?", at=self.now())
        raise AuthError("unknown or revoked API key")

    def set_password(self, user_id: str, username: str, password: str, *, actor_id: str | None = None) -> None:
        """Give a person a username and password for the web pages (see :mod:`mednec.store.passwords`)."""
        passwords.set_password(self.db, user_id, username, password, now=self.now(), actor_id=actor_id)

    def sign_in_password(self, username: str, password: str) -> tuple[Principal, str]:
        """The person and their browser-session token, or :class:`AuthError` (failures and lockouts audited)."""
        user, token = passwords.check_password(self.db, username, password, now=self.now())
        return principal_of(user), token

    def deliver_outbox(self, settings: Settings, *, limit: int = 100) -> dict[str, int]:
        """Send the notifications that are due (see :mod:`mednec.store.outbox`)."""
        return outbox.deliver(self.db, settings, self.now, limit=limit)

    def list_users(self) -> list[User]:
        with self.db.reading() as s:
            return list(s.execute(sa.select(User).order_by(User.created_at)).scalars())

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
        due = _aware(ev.due_at)
        return ev.state in ("submitted", "under_review", "appealed") and due is not None and due < self.now()

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

    # ---- policy versions ------------------------------------------------------------
    def policy_versions(self, p: Principal, policy_id: str) -> list[PolicyVersion]:
        """The versions ``p`` may see: drafts, versions in review and rejected ones only for those who
        write or review them (policy authors, physician reviewers weighing their impact, admins);
        published and retired ones for everyone."""
        with self.db.reading() as s:
            rows = list(s.execute(sa.select(PolicyVersion).where(PolicyVersion.policy_id == policy_id)
                                  .order_by(PolicyVersion.created_at, PolicyVersion.version)).scalars())
        if not rows:
            raise NotFoundError(f"no policy {policy_id}")
        if p.role not in DRAFT_READERS:
            rows = [r for r in rows if r.status in ("published", "retired")]
        return rows

    def draft_policy(self, p: Principal, policy_id: str, yaml_text: str) -> PolicyVersion:
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

    def review_policy(self, p: Principal, policy_id: str, version: str, action: str,
                      note: str | None = None) -> PolicyVersion:
        """Submit, publish or reject a version. Submitting and publishing first run the impact
        analysis over the stored cases and record it with the version (and a summary in the audit)."""
        require(p, "policy_author")
        from mednec.store.impact import stored_impact

        with self.db.reading() as s:
            current = s.get(PolicyVersion, (policy_id, version))
            status = current.status if current is not None else None
        report = None
        if (action, status) in (("submit", "draft"), ("publish", "in_review")):
            report = stored_impact(self, policy_id, version)
        now = self.now()
        with self.db.session() as s:
            row = self.policies.transition(s, p.id, p.role, policy_id, version, action, now, note)
            detail: dict[str, Any] = {"status": row.status}
            if report is not None:
                row.impact = {**report.to_dict(), "computed_at": now.isoformat(), "action": action}
                detail["impact"] = {"compared_with": report.published, "patients": report.patients,
                                    "moved": report.moved}
            audit.append(s, actor_id=p.id, action=f"policy.{action}", entity_type="policy", entity_id=policy_id,
                         policy_version=f"{policy_id}@{version}", detail=detail, at=now)
            return row

    def policy_impact(self, p: Principal, policy_id: str, version: str) -> dict[str, Any]:
        """The impact analysis of a version over the stored cases, computed now (not recorded).
        Sample case ids are shown to those who may open the cases."""
        require(p, "policy_author", *READ_ALL)
        from mednec.store.impact import stored_impact

        if not any(v.version == version for v in self.policy_versions(p, policy_id)):
            raise NotFoundError(f"no policy {policy_id} version {version}")  # a draft it may not see
        report = stored_impact(self, policy_id, version)
        return {**report.to_dict(samples=p.role in READ_ALL), "computed_at": self.now().isoformat()}

    # ---- metrics --------------------------------------------------------------------
    def metrics(self, p: Principal) -> dict[str, Any]:
        """CMS-0057-F style figures: approvals, denials, approvals after appeal, decision times."""
        require(p, "auditor", "physician_reviewer")
        with self.db.reading() as s:
            rows = list(s.execute(sa.select(Evaluation)).scalars())
        groups: dict[str, list[Evaluation]] = {"all": rows}
        for ev in rows:
            groups.setdefault(f"drug:{ev.drug}", []).append(ev)
            groups.setdefault(f"urgency:{ev.urgency}", []).append(ev)
        return {name: self._figures(evs) for name, evs in sorted(groups.items())}

    def _figures(self, evs: list[Evaluation]) -> dict[str, Any]:
        decided = [e for e in evs if e.decided_at is not None]
        hours = sorted(((_aware(e.decided_at) - _aware(e.submitted_at)).total_seconds() / 3600)  # type: ignore[operator]
                       for e in decided)
        p90 = hours[min(len(hours) - 1, int(0.9 * len(hours)))] if hours else None
        return {
            "requests": len(evs),
            "approved": sum(e.decision == "approved" for e in decided),
            "denied": sum(e.decision == "denied" for e in decided),
            "approved_after_appeal": sum(e.decision == "approved" and e.appealed for e in decided),
            "pending": sum(e.decided_at is None for e in evs),
            "overdue": sum(self.is_overdue(e) for e in evs),
            "median_decision_hours": round(statistics.median(hours), 2) if hours else None,
            "p90_decision_hours": round(p90, 2) if p90 is not None else None,
        }

    # ---- audit ----------------------------------------------------------------------
    def audit_entries(self, p: Principal, *, limit: int = 100, after: int = 0, before: int | None = None,
                      action: str | None = None, entity: str | None = None, newest_first: bool = False) -> list[Any]:
        """Audit entries in order of writing (``newest_first``: the reverse), ``after`` / ``before``
        a sequence number. ``action``: one action (``review.approve``) or a group (``review``);
        ``entity``: a type (``evaluation``), an id, or one entity as ``type/id``."""
        require(p, "auditor")
        from mednec.store.models import AuditEntry

        q = sa.select(AuditEntry).where(AuditEntry.seq > after)
        if before is not None:
            q = q.where(AuditEntry.seq < before)
        if action:
            q = q.where(sa.or_(AuditEntry.action == action, AuditEntry.action.startswith(action + ".", autoescape=True)))
        if entity:
            kind, _, ident = entity.partition("/")
            q = q.where(sa.and_(AuditEntry.entity_type == kind, AuditEntry.entity_id == ident) if ident else
                        sa.or_(AuditEntry.entity_type == entity, AuditEntry.entity_id == entity))
        with self.db.reading() as s:
            return list(s.execute(q.order_by(AuditEntry.seq.desc() if newest_first else AuditEntry.seq)
                                  .limit(limit)).scalars())

    def verify_audit(self) -> tuple[int, list[audit.AuditProblem]]:
        with self.db.reading() as s:
            return audit.verify(s)

    def record(self, p: Principal, action: str, entity_type: str, entity_id: str, **detail: Any) -> None:
        """Audit an action that changes nothing else (e.g. a document was produced)."""
        with self.db.session() as s:
            audit.append(s, actor_id=p.id, action=action, entity_type=entity_type, entity_id=entity_id,
                         detail=json.loads(json.dumps(detail, default=str)), at=self.now())
