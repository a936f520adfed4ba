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
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

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
    together_with: Sequence[tuple[sa.Insert, dict[str, Any]]] = (),
) -> str:
    """Append one entry inside the caller's transaction and return its hash.

    ``together_with``: the INSERTs of the change the entry records, as (statement made by
    ``insert_statement``, values), written in the same round trip as the entry on PostgreSQL
    (data-modifying CTEs of the head update) and one after the other elsewhere. Statements are
    built once with bound parameters and run on the session's connection, not through the ORM
    unit of work: storing an evaluation is then two round trips (lock the chain head, write
    the evaluation, the entry and the head), which was most of what a POST of one cost.
    """
    conn = session.connection()
    stripe = stripe_of(entity_type, entity_id)
    head = conn.execute(_LOCK_HEAD, {"stripe": stripe}).one_or_none()
    if head is None:
        _create_heads(session)
        head = conn.execute(_LOCK_HEAD, {"stripe": stripe}).one()
    seq = head.seq + 1
    at = at or dt.datetime.now(dt.UTC)
    detail = detail or {}
    h = entry_hash(head.hash, seq, at, actor_id, action, entity_type, entity_id, policy_version, input_hash, detail)
    values = {"stripe": stripe, "stripe_seq": seq, "at": at, "actor_id": actor_id, "action": action,
              "entity_type": entity_type, "entity_id": entity_id, "policy_version": policy_version,
              "input_hash": input_hash, "detail": detail, "prev_hash": head.hash, "hash": h}
    params = {f"{_LOG.name}_{k}": v for k, v in values.items()}
    params.update(head_stripe=stripe, head_seq=seq, head_hash=h)
    if conn.dialect.name == "postgresql":
        for stmt, vals in together_with:
            params.update((f"{stmt.table.name}_{k}", v) for k, v in vals.items())
        conn.execute(_combined(tuple(stmt for stmt, _ in together_with)), params)
    else:
        for stmt, vals in together_with:
            conn.execute(stmt, {f"{stmt.table.name}_{k}": v for k, v in vals.items()})
        conn.execute(_ENTRY, params)
        conn.execute(_MOVE_HEAD, params)
    return h


def insert_statement(table: sa.Table, columns: Sequence[str] | None = None) -> sa.Insert:
    """An INSERT of ``columns`` (default: all) with bound parameters named ``<table>_<column>``,
    for ``append(together_with=...)``; build it once."""
    cols = [table.c[c] for c in columns] if columns else [c for c in table.c if c.default is None or
                                                          not isinstance(c.default, sa.Sequence)]
    return sa.insert(table).values({c.name: sa.bindparam(f"{table.name}_{c.name}", type_=c.type) for c in cols})


_HEAD = cast(sa.Table, AuditHead.__table__)
_LOG = cast(sa.Table, AuditEntry.__table__)
_LOCK_HEAD = sa.select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == sa.bindparam("stripe")).with_for_update()
_ENTRY = insert_statement(_LOG)  # seq comes from the sequence (PostgreSQL) or the rowid (SQLite)
_MOVE_HEAD = (sa.update(_HEAD).where(_HEAD.c.id == sa.bindparam("head_stripe"))
              .values(seq=sa.bindparam("head_seq"), hash=sa.bindparam("head_hash")))


@lru_cache(maxsize=16)
def _combined(inserts: tuple[sa.Insert, ...]) -> sa.Update:
    """The head update with the inserts and the entry as CTEs: one statement, one round trip."""
    return _MOVE_HEAD.add_cte(*(stmt.cte(f"w{i}") for i, stmt in enumerate((*inserts, _ENTRY))))


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
    """Where the chain breaks and why. ``seq``: the entry's global sequence number (for a removed
    newest entry, the head's chain position); ``chain`` and ``position`` (None for the head) locate
    it; ``what`` says what is wrong; ``problem`` is all of it in one line."""

    seq: int
    chain: int
    position: int | None
    what: str

    @property
    def problem(self) -> str:
        where = f"chain {self.chain}" + (f" position {self.position}" if self.position is not None else "")
        return f"{where}: {self.what}"


def verify(session: Session) -> tuple[int, list[AuditProblem]]:
    """Walk every chain in order. Returns the number of entries and every problem found."""
    problems: list[AuditProblem] = []
    count = 0
    heads = {h.id: h for h in session.execute(sa.select(AuditHead)).scalars()}
    for stripe in sorted(set(heads) | set(range(STRIPES))):
        prev, expected = GENESIS, 1
        q = sa.select(AuditEntry).where(AuditEntry.stripe == stripe).order_by(AuditEntry.stripe_seq)
        for e in session.execute(q).scalars():
            count += 1
            if e.stripe_seq != expected:
                problems.append(AuditProblem(e.seq, stripe, e.stripe_seq, "entries missing before it (deleted)"))
            if e.prev_hash != prev:
                problems.append(AuditProblem(e.seq, stripe, e.stripe_seq,
                                             "does not follow the previous entry (deleted or reordered)"))
            h = entry_hash(e.prev_hash, e.stripe_seq, e.at, e.actor_id, e.action, e.entity_type, e.entity_id,
                           e.policy_version, e.input_hash, e.detail)
            if h != e.hash:
                problems.append(AuditProblem(e.seq, stripe, e.stripe_seq, "content does not match its hash (edited)"))
            prev, expected = e.hash, e.stripe_seq + 1
        head = heads.get(stripe)
        if head is not None and (head.seq != expected - 1 or head.hash != prev):
            problems.append(AuditProblem(head.seq, stripe, None,
                                         "the newest entries were removed (head does not match the last entry)"))
    return count, problems
