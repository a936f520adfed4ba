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

from mednec.fhir.pas import ClaimRecord, inquire, record_decision, submit
from mednec.states import ClaimStatus, Decision
from mednec.store.access import Principal, require
from mednec.store.db import Database
from mednec.store.models import Evaluation, PriorAuthClaim
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
                           tuple(row.determinations.get("items", ())), row.updated)

    def _row(self, s: Session, pre_auth_ref: str) -> PriorAuthClaim | None:
        return s.execute(sa.select(PriorAuthClaim).where(PriorAuthClaim.org_id == self.org_id,
                                                         PriorAuthClaim.pre_auth_ref == pre_auth_ref)
                         ).scalar_one_or_none()

    def put(self, record: ClaimRecord) -> None:
        with self.db.session() as s:
            row = self._row(s, record.pre_auth_ref)
            if row is None:
                row = PriorAuthClaim(pre_auth_ref=record.pre_auth_ref, org_id=self.org_id)
                s.add(row)
            row.claim_system, row.claim_value, row.status = record.claim_system, record.claim_value, record.status
            row.response, row.updated = dict(record.response), record.updated
            row.determinations = {"items": [dict(d) for d in record.determinations]}
            if self.evaluation_id:
                row.evaluation_id = self.evaluation_id

    def get(self, pre_auth_ref: str) -> ClaimRecord | None:
        with self.db.reading() as s:
            row = self._row(s, pre_auth_ref)
            return None if row is None else self._record(row)

    def find(self, system: str, value: str) -> ClaimRecord | None:
        with self.db.reading() as s:
            row = s.execute(sa.select(PriorAuthClaim).where(PriorAuthClaim.org_id == self.org_id,
                                                            PriorAuthClaim.claim_system == system,
                                                            PriorAuthClaim.claim_value == value)).scalar_one_or_none()
            return None if row is None else self._record(row)

    def evaluation_of(self, pre_auth_ref: str) -> str | None:
        with self.db.reading() as s:
            row = self._row(s, pre_auth_ref)
            return None if row is None else row.evaluation_id


def pas_submit(service: Service, p: Principal, bundle: dict[str, Any]) -> dict[str, Any]:
    """``Claim/$submit``: evaluate, answer with a ClaimResponse, and queue the request for review."""
    from mednec.intake.fhir.bundle import bundle_to_case

    require(p, "requester")
    now = service.now()
    store = DatabaseClaimStore(service.db, p.org_id)
    response = submit(bundle, service.runtime, store=store, as_of=now.date(), now=now)
    cr = response["entry"][0]["resource"]
    ref = str(cr["preAuthRef"])
    record = store.get(ref)
    if record is not None and record.determinations:
        first = record.determinations[0]
        drug = service.runtime.catalog.policy(str(first["policy"])).drug.generic
        case_data = bundle_to_case(bundle, service.runtime.dictionary, now.date(), drug=drug,
                                   drugs=service.runtime.catalog.calculators.drugs).case
        case = service.cases.create_case(p, case_data, source="fhir", title=f"Prior authorization {ref}")
        ev = service.cases.evaluate(p, case.id, drug=drug, phase=str(first.get("phase") or "initial"))
        store.evaluation_id = ev.id
        store.put(record)
        service.audit_log.record(p, "pas.submit", "prior_auth", ref, evaluation=ev.id, status=record.status)
    return response


def pas_inquire(service: Service, p: Principal, bundle: dict[str, Any]) -> dict[str, Any]:
    """``Claim/$inquire``: the current status, following the physician reviewer's decision."""
    require(p, "requester")
    store = DatabaseClaimStore(service.db, p.org_id)
    response = inquire(bundle, store, now=service.now())
    ref = str(response["entry"][0]["resource"]["preAuthRef"])
    ev_id = store.evaluation_of(ref)
    if ev_id:
        with service.db.reading() as s:
            ev = s.get(Evaluation, ev_id)
        record = store.get(ref)
        if ev is not None and ev.decision in tuple(Decision) and record is not None \
                and record.status != ev.decision:
            record_decision(store, ref, approved=ev.decision == Decision.APPROVED, reviewer=ev.reviewer_id or "reviewer",
                            note=ev.decision_reason or "", now=service.now())
            response = inquire(bundle, store, now=service.now())
    return response
