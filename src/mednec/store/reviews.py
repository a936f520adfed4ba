"""The physician review workflow: claiming, approving, overturning, requesting changes or
information, appealing (the table of who may do what from which state: :mod:`mednec.store.workflow`),
and an evaluation's review history. CMS-0057-F turnaround: 72 hours expedited, 7 calendar days
standard::

    submitted --claim--> under_review --approve---------> approved
        ^                    |        --overturn--------> overturned
        |                    |        --request_changes-> changes_requested
     appealed <--appeal--(denied)     --request_info----> info_requested
                             |        --release---------> submitted (or appealed, where it was claimed from)

An adverse final decision (denied) is made by a physician reviewer only (not an admin: 42 CFR
422.566(d), 423.566(d)) and needs the reviewer's signature. An admin may claim a request, so a
claim it cannot finish (a denial-bound one) is released back to the queue by a physician reviewer
who may see the request (``release``, with a reason, audited with the released claimant); a
claimant releases its own claim. An appeal is claimed by a physician reviewer who made no decision on the
request before (nor created it). A decision's
notifications are enqueued in the same transaction (:mod:`mednec.store.outbox`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from mednec.engine.determination import INSUFFICIENT, MEETS, NOT_MET
from mednec.errors import ConflictError, ForbiddenError, InputError
from mednec.states import Decision
from mednec.store import audit, outbox
from mednec.store.access import Principal, ServicePart, require, visible_eval
from mednec.store.models import Case, Evaluation, ReviewAction, User
from mednec.store.workflow import TRANSITIONS

__all__ = ["Reviews", "normalized_name"]

_INVISIBLE = re.compile(r"[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
                        r"\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]")
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


class Reviews(ServicePart):
    """Review actions on evaluations, each with its review-history entry and audit entry."""

    _require = staticmethod(require)  # the access rule; tests/test_workflow_table.py checks the table without it

    def history(self, p: Principal, eval_id: str) -> list[ReviewAction]:
        with self.db.reading() as s:
            visible_eval(s, p, eval_id)
            return list(s.execute(sa.select(ReviewAction).where(ReviewAction.evaluation_id == eval_id)
                                  .order_by(ReviewAction.id)).scalars())

    def act(self, p: Principal, eval_id: str, action: str, *, if_match: int | Collection[int] | None = None,
            reason: str | None = None, decision: str | None = None, signature: str | None = None) -> Evaluation:
        """Apply one review action. ``if_match`` (the evaluation version) guards against races."""
        now = self.now()
        with self.db.session() as s:
            ev = visible_eval(s, p, eval_id)
            if if_match is not None and ev.version not in ({if_match} if isinstance(if_match, int) else if_match):
                raise ConflictError(f"the evaluation changed (version {ev.version}); re-read it", field="If-Match")
            before = ev.state
            if action != "appeal" and p.id in (ev.created_by, s.get(Case, ev.case_id).created_by):  # type: ignore[union-attr]
                raise ForbiddenError("you created this request; another physician reviewer must review it")
            if action == "claim" and before == "appealed" and p.id in self._deciders(s, ev.id):
                raise ForbiddenError("you decided this request before; another physician reviewer decides its appeal")
            released = ev.reviewer_id
            back_to = self._release_checked(s, p, ev, reason) if action == "release" else None
            self._transition(p, ev, action, reason, decision, signature, now, back_to=back_to)
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
                                    and ev.signature_hash else {}),
                                 **({"released": released} if action == "release" else {})}, at=now)
            if action in ("approve", "overturn"):  # a decision: its notifications commit with it
                outbox.enqueue_decision(s, ev, now)
            return ev

    @staticmethod
    def _deciders(s: Session, eval_id: str) -> set[str]:
        """Who made a decision on the evaluation (approve, overturn): none of them decides its appeal (separation of
        duties, as for the request's creator: mednec's editorial decision)."""
        return set(s.execute(sa.select(ReviewAction.actor_id).where(
            ReviewAction.evaluation_id == eval_id, ReviewAction.action.in_(("approve", "overturn")))).scalars())

    def may_release(self, p: Principal, ev: Evaluation) -> bool:
        """Whether ``p`` may release the claim on ``ev`` (an evaluation ``p`` already sees): its own
        claim, or, for a physician reviewer, the claim of someone who may not sign a denial."""
        if ev.state != "under_review" or ev.reviewer_id is None or p.role not in ("physician_reviewer", "admin"):
            return False
        if ev.reviewer_id == p.id:
            return True
        with self.db.reading() as s:
            claimant = s.get(User, ev.reviewer_id)
        return p.role == "physician_reviewer" and (claimant is None or claimant.role != "physician_reviewer")

    def _release_checked(self, s: Session, p: Principal, ev: Evaluation, reason: str | None) -> str:
        """Check that ``p`` may release the claim on ``ev``; the state it goes back to (the one its
        last claim was made from)."""
        self._require(p, "physician_reviewer")
        if ev.state != "under_review" or ev.reviewer_id is None:
            raise ConflictError(f"cannot release an evaluation that is {ev.state.replace('_', ' ')}")
        if ev.reviewer_id != p.id:
            claimant = s.get(User, ev.reviewer_id)
            if p.role != "physician_reviewer":
                raise ForbiddenError("only a physician reviewer releases another reviewer's claim")
            if claimant is not None and claimant.role == "physician_reviewer":
                raise ConflictError("this evaluation is claimed by another physician reviewer; only they release it")
            if not (reason and reason.strip()):
                raise InputError("releasing another reviewer's claim needs a reason", field="reason")
        last = s.execute(sa.select(ReviewAction.from_state).where(ReviewAction.evaluation_id == ev.id,
                                                                  ReviewAction.action == "claim")
                         .order_by(ReviewAction.id.desc()).limit(1)).scalar()
        return str(last or TRANSITIONS["release"].target)

    def _transition(self, p: Principal, ev: Evaluation, action: str, reason: str | None, decision: str | None,
                    signature: str | None, now: dt.datetime, *, back_to: str | None = None) -> None:
        step = TRANSITIONS.get(action)
        if step is None:
            raise InputError(f"unknown action {action!r}", field="action")
        self._require(p, step.role)
        if ev.state not in step.sources:
            raise ConflictError(f"cannot {action} an evaluation that is {ev.state.replace('_', ' ')}")
        if step.own_claim and ev.reviewer_id != p.id:
            raise ConflictError("this evaluation is claimed by another reviewer")
        if action == "appeal" and ev.decision != Decision.DENIED:
            raise ConflictError("only a denial can be appealed")
        if step.needs_reason and not (reason and reason.strip()):
            raise InputError(f"{action} needs a reason", field="reason")
        final = self._final_decision(action, ev, decision) if action in ("approve", "overturn") else None
        if final == Decision.DENIED and p.role != "physician_reviewer":  # an admin may not sign a denial
            raise ForbiddenError("an adverse decision (denied) is made and signed by a physician reviewer")
        signed = self._signature(p, ev, signature) if final == Decision.DENIED else (None, None)
        ev.state = step.target  # every check passed: nothing changes before this line
        if action == "release":
            ev.state, ev.reviewer_id = back_to or step.target, None
        elif action == "appeal":
            ev.appealed = True
        elif action == "claim":
            ev.reviewer_id = p.id
        elif final is None:  # changes or information requested
            ev.decision_reason = reason
        else:
            ev.decision, ev.decision_reason, ev.decided_at = final, reason, now
            ev.signature, ev.signature_hash = signed

    @staticmethod
    def _final_decision(action: str, ev: Evaluation, decision: str | None) -> Decision:
        """The decision an approval or an overturn makes, checked against the recommendation."""
        assert ev.determination in (MEETS, NOT_MET, INSUFFICIENT)
        if action == "approve":
            if ev.determination == INSUFFICIENT:
                raise ConflictError("an insufficient-information recommendation cannot be approved: "
                                    "request information, or overturn with a decision")
            return Decision.APPROVED if ev.determination == MEETS else Decision.DENIED
        if decision not in tuple(Decision):
            raise InputError("overturn needs decision: approved or denied", field="decision")
        final = Decision(decision)
        if (final == Decision.APPROVED) == (ev.determination == MEETS):
            raise ConflictError("overturn must change the recommendation; use approve to confirm it")
        return final

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
