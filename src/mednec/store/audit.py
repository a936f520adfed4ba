"""The append-only, hash-chained audit log.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own fields in a
canonical form, so editing, deleting or reordering any entry breaks the chain at that point.
Appends lock the single ``audit_head`` row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite
serialises writers with ``BEGIN IMMEDIATE``), so entries form one total order even with many
writers, and an entry is written in the same transaction as the change it records.

Entries carry ids, actions, policy versions and input hashes, never patient facts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mednec.store.models import AuditEntry, AuditHead

__all__ = ["GENESIS", "AuditProblem", "append", "entry_hash", "verify"]

GENESIS = "0" * 64


def _iso(at: dt.datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def entry_hash(prev_hash: str, seq: int, at: dt.datetime, actor_id: str | None, action: str,
               entity_type: str, entity_id: str, policy_version: str | None, input_hash: str | None,
               detail: dict[str, Any]) -> str:
    """The chained hash of one entry."""
    body = json.dumps(
        [seq, _iso(at), actor_id, action, entity_type, entity_id, policy_version, input_hash, detail],
        sort_keys=True, separators=(",", ":"), ensure_ascii=True,
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def append(
    session: Session,
    *,
    actor_id: str | None,
    action: str,
    entity_type: str,
    entity_id: str,
    policy_version: str | None = None,
    input_hash: str | None = None,
    detail: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> AuditEntry:
    """Append one entry inside the caller's transaction."""
    head = session.execute(sa.select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
        session.flush()
    seq = head.seq + 1
    at = at or dt.datetime.now(dt.UTC)
    detail = detail or {}
    h = entry_hash(head.hash, seq, at, actor_id, action, entity_type, entity_id, policy_version, input_hash, detail)
    entry = AuditEntry(seq=seq, at=at, actor_id=actor_id, action=action, entity_type=entity_type,
                       entity_id=entity_id, policy_version=policy_version, input_hash=input_hash,
                       detail=detail, prev_hash=head.hash, hash=h)
    session.add(entry)
    head.seq, head.hash = seq, h
    return entry


@dataclass(frozen=True)
class AuditProblem:
    """Where the chain breaks and why."""

    seq: int
    problem: str


def verify(session: Session) -> tuple[int, list[AuditProblem]]:
    """Walk the chain in order. Returns the number of entries and every problem found."""
    problems: list[AuditProblem] = []
    prev = GENESIS
    expected_seq = 1
    count = 0
    for e in session.execute(sa.select(AuditEntry).order_by(AuditEntry.seq)).scalars():
        count += 1
        if e.seq != expected_seq:
            problems.append(AuditProblem(e.seq, f"entries missing before seq {e.seq} (expected {expected_seq})"))
        if e.prev_hash != prev:
            problems.append(AuditProblem(e.seq, "does not follow the previous entry (deleted or reordered)"))
        h = entry_hash(e.prev_hash, e.seq, e.at, e.actor_id, e.action, e.entity_type, e.entity_id,
                       e.policy_version, e.input_hash, e.detail)
        if h != e.hash:
            problems.append(AuditProblem(e.seq, "content does not match its hash (edited)"))
        prev = e.hash
        expected_seq = e.seq + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev):
        problems.append(AuditProblem(head.seq, "the newest entries were removed (head does not match the last entry)"))
    return count, problems
