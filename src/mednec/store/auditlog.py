"""The audit log as the service offers it: reading entries (auditors, admins), verifying the
hash chain, and recording an action that changes nothing else. Writing entries with the changes
they record, and the chain itself: :mod:`mednec.store.audit`."""

from __future__ import annotations

import json

import sqlalchemy as sa

from mednec.errors import ForbiddenError
from mednec.store import audit
from mednec.store.access import Principal, ServicePart, org_wide, require
from mednec.store.models import AuditEntry

__all__ = ["AuditLog"]


class AuditLog(ServicePart):
    """Reading, verifying and adding to the audit log."""

    def entries(self, p: Principal, *, limit: int = 100, after: int = 0, before: int | None = None,
                      action: str | None = None, entity: str | None = None, newest_first: bool = False) -> list[AuditEntry]:
        """Audit entries in order of writing (``newest_first``: the reverse), ``after`` / ``before``
        a sequence number. ``action``: one action (``review.approve``) or a group (``review``);
        ``entity``: a type (``evaluation``), an id, or one entity as ``type/id``."""
        self.require_reader(p)
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

    def require_reader(self, p: Principal) -> None:
        """403 unless ``p`` may read the log (and its verification): an auditor or admin of a
        reviewing organisation. The log records every organisation's actions."""
        require(p, "auditor")
        with self.db.reading() as s:
            if not org_wide(s, p):
                raise ForbiddenError("only a reviewing organisation's auditors and admins read the audit log")

    def verify(self) -> tuple[int, list[audit.AuditProblem]]:
        with self.db.reading() as s:
            return audit.verify(s)

    def schemes(self) -> dict[str, int]:
        """How many entries are keyed (HMAC-SHA256) and how many plain: ``{"keyed": n, "plain": m}``."""
        with self.db.reading() as s:
            return audit.schemes(s)

    def record(self, p: Principal, action: str, entity_type: str, entity_id: str, **detail: object) -> None:
        """Audit an action that changes nothing else (e.g. a document was produced)."""
        with self.db.session() as s:
            audit.append(s, actor_id=p.id, action=action, entity_type=entity_type, entity_id=entity_id,
                         detail=json.loads(json.dumps(detail, default=str)), at=self.now())
