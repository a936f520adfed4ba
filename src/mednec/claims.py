"""Prior-authorization requests (PAS) in the database, tied into the review workflow.

Every submitted request also becomes a case and an evaluation in the review queue, so a
physician reviewer works pended requests like any other; ``$inquire`` then reports the
reviewer's final decision (A1 certified / A3 not certified).

It joins the protocol (:mod:`mednec.fhir.pas`) to the store, so it lives above both: the
persistence layer imports no protocol code.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mednec.errors import ConflictError, InputError
from mednec.fhir.pas import ClaimRecord, inquire, record_decision
from mednec.states import ClaimStatus, Decision, ReviewState
from mednec.store import audit
from mednec.store.access import Principal, require
from mednec.store.db import Database
from mednec.store.models import Evaluation, PriorAuthClaim, PriorAuthIdentifier, ReviewAction
from mednec.store.service import Service

__all__ = ["DatabaseClaimStore", "pas_inquire", "pas_submit"]


class DatabaseClaimStore:
    """A :class:`mednec.fhir.pas.ClaimStore` for one organisation's requests.

    Every read and write is keyed by the organisation (the table's key is ``(org_id, pre_auth_ref)``
    and the identifier is unique per organisation), so another organisation's identical
    Claim.identifier or preAuthRef neither reads nor changes this one's requests.
    """

    def __init__(self, db: Database, org_id: str) -> None:
        self.db, self.org_id = db, org_id
        self.evaluation_id: str | None = None

    @property
    def scope(self) -> str:
        return self.org_id

    @staticmethod
    def _record(row: PriorAuthClaim) -> ClaimRecord:
        return ClaimRecord(row.pre_auth_ref, row.claim_system, row.claim_value, ClaimStatus(row.status), row.response,
                           tuple(row.determinations.get("items", ())), row.updated,
                           str(row.determinations.get("request_digest") or ""))

    def _row(self, s: Session, pre_auth_ref: str) -> PriorAuthClaim | None:
        return s.execute(sa.select(PriorAuthClaim).where(PriorAuthClaim.org_id == self.org_id,
                                                         PriorAuthClaim.pre_auth_ref == pre_auth_ref)
                         ).scalar_one_or_none()

    def put(self, record: ClaimRecord) -> None:
        with self.db.session() as s:
            self.put_in(s, record)

    def put_in(self, s: Session, record: ClaimRecord) -> None:
        """:meth:`put` within the caller's transaction."""
        row = self._row(s, record.pre_auth_ref)
        if row is None:
            row = PriorAuthClaim(pre_auth_ref=record.pre_auth_ref, org_id=self.org_id)
            s.add(row)
        row.claim_system, row.claim_value, row.status = record.claim_system, record.claim_value, record.status
        row.response, row.updated = dict(record.response), record.updated
        row.determinations = {"items": [dict(d) for d in record.determinations],
                              "request_digest": record.request_digest}
        if self.evaluation_id:
            row.evaluation_id = self.evaluation_id
        key = (self.org_id, record.claim_system, record.claim_value)
        if s.get(PriorAuthIdentifier, key) is None:  # the identifier it is sent under finds it from now on
            s.add(PriorAuthIdentifier(org_id=self.org_id, claim_system=record.claim_system,
                                      claim_value=record.claim_value, pre_auth_ref=record.pre_auth_ref))

    def get(self, pre_auth_ref: str) -> ClaimRecord | None:
        with self.db.reading() as s:
            row = self._row(s, pre_auth_ref)
            return None if row is None else self._record(row)

    def find(self, system: str, value: str) -> ClaimRecord | None:
        """The request sent under this Claim.identifier: its current one, or one an update replaced."""
        with self.db.reading() as s:
            known = s.get(PriorAuthIdentifier, (self.org_id, system, value))
            row = self._row(s, known.pre_auth_ref) if known is not None else s.execute(
                sa.select(PriorAuthClaim).where(PriorAuthClaim.org_id == self.org_id,
                                                PriorAuthClaim.claim_system == system,
                                                PriorAuthClaim.claim_value == value)).scalar_one_or_none()
            return None if row is None else self._record(row)

    def evaluation_of(self, pre_auth_ref: str) -> str | None:
        with self.db.reading() as s:
            row = self._row(s, pre_auth_ref)
            return None if row is None else row.evaluation_id


def pas_submit(service: Service, p: Principal, bundle: dict[str, Any]) -> dict[str, Any]:
    """``Claim/$submit``: evaluate, answer with a ClaimResponse, and queue the request for review.

    - A **cancellation** (Claim.status cancelled, or an item with certification type 3 / infoCancelledFlag)
      of the caller organisation's pended request is carried out: the ClaimResponse's status becomes
      ``cancelled``, the open evaluation is withdrawn from the review queue, and ``pas.cancel`` is audited. A
      request already certified or decided is not withdrawn (409); one the organisation never submitted is a
      422 naming the identifier; a second cancellation gives the first one's answer.
    - The **same request again** (the same Claim.identifier, or an update naming it in ``Claim.related``) keeps
      its preAuthRef. When it evaluates to what is stored (the same facts, policy and date) nothing changes and
      the stored answer is given; otherwise it is evaluated again and its evaluation replaces the open one
      (withdrawn, audited as ``pas.update``). An update naming no request of the organisation's is a 422, an
      update of a cancelled request a 409 (``Claim.related`` / ``Claim.identifier``).
    """
    from mednec.fhir.pas import assess_claim, cancellation_field, read_claim, reidentified, request_digest, restamped

    require(p, "requester")
    now = service.now()
    store = DatabaseClaimStore(service.db, p.org_id)
    claim = read_claim(bundle)
    field = cancellation_field(claim)
    if field is not None:
        return _cancel(service, p, store, claim, field)
    prior, where = _prior(store, claim)
    if prior is not None:
        _sync_decision(service, store, prior.pre_auth_ref)
        prior = store.get(prior.pre_auth_ref) or prior
        if prior.status == ClaimStatus.CANCELLED:
            raise ConflictError(f"the request {prior.pre_auth_ref} was cancelled; submit a new request with a new "
                                "identifier", field=where)
        if prior.request_digest and prior.request_digest == request_digest(bundle):
            return restamped(prior.response, now)  # the same request sent again (a retry): its answer as it stands
    response, record = assess_claim(bundle, service.runtime, scope=store.scope, as_of=now.date(), now=now,
                                    pre_auth_ref=prior.pre_auth_ref if prior else None)
    if prior is not None:
        if prior.status == ClaimStatus.DENIED and (where == "Claim.related" or
                                                   _hashes(prior.determinations) != _hashes(record.determinations)):
            raise ConflictError(f"the request {prior.pre_auth_ref} was denied by a physician reviewer: a denied "
                                "request is not updated (Da Vinci PAS); submit a new request with a new identifier",
                                field=where)
        if _hashes(prior.determinations) == _hashes(record.determinations):
            if (record.claim_system, record.claim_value) == (prior.claim_system, prior.claim_value):
                return restamped(prior.response, now)  # nothing new: the request as it stands
            # an update under its own identifier that changes nothing: the same answer, now under that identifier
            same = prior._replace(claim_system=record.claim_system, claim_value=record.claim_value, updated=now,
                                  response=reidentified(prior.response, record.claim_system, record.claim_value, now),
                                  request_digest=record.request_digest)
            store.put(same)
            return dict(same.response)
    ref = record.pre_auth_ref
    replaced = store.evaluation_of(ref) if prior is not None else None
    if record.determinations:
        store.evaluation_id = _queue(service, p, bundle, record, now)
    store.put(record)
    if replaced and store.evaluation_id:
        _withdraw(service, p, replaced, "pas.update", ref, replaced_by=store.evaluation_id)
    if record.determinations:
        service.audit_log.record(p, "pas.submit", "prior_auth", ref, evaluation=store.evaluation_id,
                                 status=record.status, **({"update_of": replaced} if replaced else {}))
    return response


def _hashes(determinations: Any) -> list[tuple[str, str]]:
    return [(str(d.get("policy")), str(d.get("input_hash"))) for d in determinations]


def _queue(service: Service, p: Principal, bundle: dict[str, Any], record: ClaimRecord, now: Any) -> str:
    """A case and an evaluation for the request's first policy, in the review queue: the evaluation's id."""
    from mednec.fhir.pas import patient_record
    from mednec.intake.fhir.bundle import bundle_to_case

    first = record.determinations[0]
    drug = service.runtime.catalog.policy(str(first["policy"])).drug.generic
    case_data = bundle_to_case(patient_record(bundle), service.runtime.dictionary, now.date(), drug=drug,
                               drugs=service.runtime.catalog.calculators.drugs).case
    case = service.cases.create_case(p, case_data, source="fhir", title=f"Prior authorization {record.pre_auth_ref}")
    return service.cases.evaluate(p, case.id, drug=drug, phase=str(first.get("phase") or "initial")).id


def _prior(store: DatabaseClaimStore, claim: Any) -> tuple[ClaimRecord | None, str]:
    """The organisation's request this Claim repeats or updates, and the field that names it."""
    from mednec.fhir.pas import identifier_of, related_requests

    same = store.find(*identifier_of(claim))
    if same is not None:
        return same, "Claim.identifier"
    named, update = related_requests(claim)
    for system, value in named:
        found = store.find(system, value)
        if found is not None:
            return found, "Claim.related"
    if update and (named or claim.get("related")):
        raise InputError("Claim.related names no prior-authorization request of your organisation; an update "
                         "needs the identifier of the request it updates", field="Claim.related")
    return None, "Claim.identifier"


def _cancel(service: Service, p: Principal, store: DatabaseClaimStore, claim: Any, field: str) -> dict[str, Any]:
    from mednec.fhir.pas import cancelled, identifier_of, related_requests, restamped

    now = service.now()
    record = store.find(*identifier_of(claim))
    refs = [str(r) for ins in claim.get("insurance") or () for r in ins.get("preAuthRef") or ()]
    for ref in refs:
        record = record or store.get(ref)
    for system, value in related_requests(claim)[0]:
        record = record or store.find(system, value)
    if record is None:
        raise InputError("no prior-authorization request of your organisation matches this cancellation's "
                         "identifier, preAuthRef or Claim.related; nothing was cancelled", field="Claim.identifier")
    _sync_decision(service, store, record.pre_auth_ref)
    record = store.get(record.pre_auth_ref) or record
    if record.status == ClaimStatus.CANCELLED:
        return restamped(record.response, now)
    if record.status != ClaimStatus.PENDED:
        decided = "certified" if record.status == ClaimStatus.APPROVED else "not certified"
        raise ConflictError(f"the request {record.pre_auth_ref} is already {decided}: a decided request is not "
                            "withdrawn through $submit (the decision stands; $inquire gives it)", field=field)
    done = cancelled(record, now=now)
    ev_id = store.evaluation_of(record.pre_auth_ref)
    if not _withdraw(service, p, ev_id, "pas.cancel", record.pre_auth_ref, also=lambda s: store.put_in(s, done)):
        raise ConflictError(f"the request {record.pre_auth_ref} was decided meanwhile: a decided request is not "
                            "withdrawn through $submit ($inquire gives the decision)", field=field)
    return dict(done.response)


def _withdraw(service: Service, p: Principal, evaluation_id: str | None, action: str, ref: str, *,
              also: Any = None, **detail: Any) -> bool:
    """Take the request's evaluation out of the review queue (withdrawn), audit ``action`` with ids only and
    run ``also(session)``, in one transaction; False (nothing done) when a reviewer decided the evaluation
    first (the state is read and written under the row's version: a decision committed meanwhile is a
    conflict, and a decision after it finds the evaluation withdrawn)."""
    from sqlalchemy.orm.exc import StaleDataError

    now = service.now()
    try:
        with service.db.session() as s:
            ev = s.get(Evaluation, evaluation_id) if evaluation_id else None
            moved = None
            if ev is not None and ev.org_id == p.org_id and ReviewState(ev.state).is_final:
                return False
            if ev is not None and ev.org_id == p.org_id and ev.state != ReviewState.WITHDRAWN:
                moved = ev.state
                s.add(ReviewAction(evaluation_id=ev.id, actor_id=p.id, action="withdraw", from_state=ev.state,
                                   to_state=ReviewState.WITHDRAWN, reason=action, at=now))
                ev.state = ReviewState.WITHDRAWN
                s.flush()
            if also is not None:
                also(s)
            audit.append(s, actor_id=p.id, action=action, entity_type="prior_auth", entity_id=ref,
                         detail={"evaluation": evaluation_id, "withdrawn_from": moved, **detail}, at=now)
    except StaleDataError:
        return False
    return True


def _sync_decision(service: Service, store: DatabaseClaimStore, ref: str) -> None:
    """Bring the stored request up to its physician reviewer's decision (A1 / A3), when one was made."""
    ev_id = store.evaluation_of(ref)
    if not ev_id:
        return
    with service.db.reading() as s:
        ev = s.get(Evaluation, ev_id)
    record = store.get(ref)
    if ev is not None and ev.decision in tuple(Decision) and record is not None and record.status != ev.decision \
            and record.status != ClaimStatus.CANCELLED:
        record_decision(store, ref, approved=ev.decision == Decision.APPROVED, reviewer=ev.reviewer_id or "reviewer",
                        note=ev.decision_reason or "", now=service.now())


def pas_inquire(service: Service, p: Principal, bundle: dict[str, Any]) -> dict[str, Any]:
    """``Claim/$inquire``: the current status, following the physician reviewer's decision."""
    require(p, "requester")
    store = DatabaseClaimStore(service.db, p.org_id)
    response = inquire(bundle, store, now=service.now())
    ref = str(response["entry"][0]["resource"]["preAuthRef"])
    before = store.get(ref)
    _sync_decision(service, store, ref)
    if store.get(ref) != before:
        response = inquire(bundle, store, now=service.now())
    return response
