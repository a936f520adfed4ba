"""The append-only, hash-chained audit log.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own fields in a
canonical form, so editing, deleting or reordering any entry breaks the chain at that point.
There are ``STRIPES`` independent chains; an entry goes to the chain of its entity (so one
case's or evaluation's history is in one chain, in order). An append locks its chain's head
row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite serialises writers with ``BEGIN
IMMEDIATE``) and is written in the same transaction as the change it records. With one chain,
every writer would hold the one head row through its commit's fsync, and throughput would be
one fsync per write; stripes let the database group commits.

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

__all__ = ["GENESIS", "STRIPES", "AuditProblem", "append", "entry_hash", "stripe_of", "verify"]

GENESIS = "0" * 64
STRIPES = 8


def stripe_of(entity_type: str, entity_id: str) -> int:
    """The chain an entity's entries go to."""
    return int(hashlib.sha256(f"{entity_type}/{entity_id}".encode()).hexdigest()[:8], 16) % STRIPES


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
    stripe = stripe_of(entity_type, entity_id)
    head = session.execute(sa.select(AuditHead).where(AuditHead.id == stripe).with_for_update()).scalar_one_or_none()
    if head is None:
        _create_heads(session)
        head = session.execute(sa.select(AuditHead).where(AuditHead.id == stripe).with_for_update()).scalar_one()
    seq = head.seq + 1
    at = at or dt.datetime.now(dt.UTC)
    detail = detail or {}
    h = entry_hash(head.hash, seq, at, actor_id, action, entity_type, entity_id, policy_version, input_hash, detail)
    entry = AuditEntry(stripe=stripe, stripe_seq=seq, at=at, actor_id=actor_id, action=action,
                       entity_type=entity_type, entity_id=entity_id, policy_version=policy_version,
                       input_hash=input_hash, detail=detail, prev_hash=head.hash, hash=h)
    session.add(entry)
    head.seq, head.hash = seq, h
    return entry


def _create_heads(session: Session) -> None:
    """Create the head rows once (a concurrent creator may win; either way they exist after)."""
    from sqlalchemy.exc import IntegrityError

    existing = set(session.execute(sa.select(AuditHead.id)).scalars())
    for stripe in range(STRIPES):
        if stripe in existing:
            continue
        try:
            with session.begin_nested():
                session.add(AuditHead(id=stripe, seq=0, hash=GENESIS))
        except IntegrityError:
            pass


@dataclass(frozen=True)
class AuditProblem:
    """Where the chain breaks and why."""

    seq: int
    problem: str


def verify(session: Session) -> tuple[int, list[AuditProblem]]:
    """Walk every chain in order. Returns the number of entries and every problem found
    (``seq`` in a problem is the entry's global sequence number, or its chain position)."""
    problems: list[AuditProblem] = []
    count = 0
    heads = {h.id: h for h in session.execute(sa.select(AuditHead)).scalars()}
    for stripe in sorted(set(heads) | set(range(STRIPES))):
        prev, expected = GENESIS, 1
        q = sa.select(AuditEntry).where(AuditEntry.stripe == stripe).order_by(AuditEntry.stripe_seq)
        for e in session.execute(q).scalars():
            count += 1
            where = f"chain {stripe} position {e.stripe_seq}"
            if e.stripe_seq != expected:
                problems.append(AuditProblem(e.seq, f"{where}: entries missing before it (deleted)"))
            if e.prev_hash != prev:
                problems.append(AuditProblem(e.seq, f"{where}: does not follow the previous entry (deleted or reordered)"))
            h = entry_hash(e.prev_hash, e.stripe_seq, e.at, e.actor_id, e.action, e.entity_type, e.entity_id,
                           e.policy_version, e.input_hash, e.detail)
            if h != e.hash:
                problems.append(AuditProblem(e.seq, f"{where}: content does not match its hash (edited)"))
            prev, expected = e.hash, e.stripe_seq + 1
        head = heads.get(stripe)
        if head is not None and (head.seq != expected - 1 or head.hash != prev):
            problems.append(AuditProblem(head.seq, f"chain {stripe}: the newest entries were removed "
                                                   "(head does not match the last entry)"))
    return count, problems
