"""The append-only, hash-chained audit log.

Each entry's hash covers the previous entry's hash and the entry's own fields in a canonical
form, so editing, deleting or reordering any entry breaks the chain at that point. With
``MEDNEC_AUDIT_KEY`` set, the hash is HMAC-SHA256 under a key derived from it (scheme
``hmac-sha256:<key id>``): someone who can write to the database but does not hold the key cannot
compute a valid hash for an edited entry, so a rewritten chain no longer verifies, also after the
newest checkpoint (:mod:`mednec.store.anchor`). Without the key, entries are plain SHA-256
(scheme ``sha256``, as every entry was before keying existed): they show accidents and careless
edits, but whoever can write to the database can recompute them. Each entry records its scheme, so
old plain entries still verify; a plain entry after a keyed one in its chain is reported (a
rewrite that dropped the key), and keyed entries that cannot be checked (no key, or another key)
are reported, never passed.
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
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mednec.settings import audit_key, audit_old_keys
from mednec.store.models import AuditEntry, AuditHead

__all__ = ["GENESIS", "KEYED", "PLAIN", "STRIPES", "AuditProblem", "append", "entry_hash", "entry_key", "key_id",
           "schemes", "stripe_of", "verify"]

GENESIS = "0" * 64
STRIPES = 8
PLAIN = "sha256"  # the scheme of unkeyed entries (and of every entry written before keying existed)
KEYED = "hmac-sha256"  # recorded as "hmac-sha256:<key id>"


@lru_cache(maxsize=4)
def entry_key(secret: str) -> bytes:
    """The key entries are hashed under: derived from ``MEDNEC_AUDIT_KEY``, so the entries' MACs and
    the checkpoints' signatures (:mod:`mednec.store.anchor`, under the secret itself) never share a key."""
    return hmac.new(secret.encode(), b"mednec audit entries v1", hashlib.sha256).digest()


@lru_cache(maxsize=4)
def key_id(secret: str) -> str:
    """A short public name of the secret (recorded with each keyed entry, so ``verify`` can tell an
    entry keyed under another key from an edited one); it reveals nothing about the secret."""
    return hmac.new(secret.encode(), b"mednec audit key id", hashlib.sha256).hexdigest()[:8]


def _keying() -> tuple[str, bytes | None]:
    """(scheme, key) for new entries, from the settings."""
    secret = audit_key()
    if not secret:
        return PLAIN, None
    return f"{KEYED}:{key_id(secret)}", entry_key(secret)


def stripe_of(entity_type: str, entity_id: str) -> int:
    """The chain an entity's entries go to."""
    return int(hashlib.sha256(f"{entity_type}/{entity_id}".encode()).hexdigest()[:8], 16) % STRIPES


def _iso(at: dt.datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def entry_hash(prev_hash: str, seq: int, at: dt.datetime, actor_id: str | None, action: str,
               entity_type: str, entity_id: str, policy_version: str | None, input_hash: str | None,
               detail: dict[str, Any], key: bytes | None = None) -> str:
    """The chained hash of one entry: HMAC-SHA256 under ``key`` (from :func:`entry_key`), or plain
    SHA-256 without one."""
    body = json.dumps(
        [seq, _iso(at), actor_id, action, entity_type, entity_id, policy_version, input_hash, detail],
        sort_keys=True, separators=(",", ":"), ensure_ascii=True,
    )
    if key is not None:
        return hmac.new(key, (prev_hash + body).encode(), hashlib.sha256).hexdigest()
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
    scheme, key = _keying()
    h = entry_hash(head.hash, seq, at, actor_id, action, entity_type, entity_id, policy_version, input_hash, detail,
                   key)
    values = {"stripe": stripe, "stripe_seq": seq, "at": at, "actor_id": actor_id, "action": action,
              "entity_type": entity_type, "entity_id": entity_id, "policy_version": policy_version,
              "input_hash": input_hash, "detail": detail, "prev_hash": head.hash, "hash": h, "hash_scheme": scheme}
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


def schemes(session: Session) -> dict[str, int]:
    """How many entries are keyed and how many plain: ``{"keyed": n, "plain": m}``."""
    counts = {"keyed": 0, "plain": 0}
    q = sa.select(AuditEntry.hash_scheme, sa.func.count()).group_by(AuditEntry.hash_scheme)
    for scheme, n in session.execute(q).all():
        counts["plain" if scheme == PLAIN else "keyed"] += int(n)
    return counts


@dataclass
class _Unchecked:
    """Keyed entries of one chain that cannot be checked (no key, or another key)."""

    first: AuditEntry
    count: int = 0


def verification_keys() -> dict[str, bytes]:
    """The entry keys by key id: ``MEDNEC_AUDIT_KEY``'s and every retired one's (``MEDNEC_AUDIT_OLD_KEYS``).
    Retired keys only verify: new entries are keyed under ``MEDNEC_AUDIT_KEY`` alone (:func:`_keying`)."""
    secrets = [k for k in (audit_key(), *audit_old_keys()) if k]
    return {key_id(k): entry_key(k) for k in secrets}


def _unchecked_problem(stripe: int, scheme: str, u: _Unchecked, kid: str | None) -> AuditProblem:
    why = ("MEDNEC_AUDIT_KEY is not set" if kid is None else
           f"they were keyed under another key (id {scheme.partition(':')[2] or '?'}; MEDNEC_AUDIT_KEY has id {kid})")
    return AuditProblem(u.first.seq, stripe, u.first.stripe_seq,
                        f"{u.count} keyed entries from here cannot be checked: {why}")


def verify(session: Session) -> tuple[int, list[AuditProblem]]:
    """Walk every chain in order, keyed entries under the key whose id they record (``MEDNEC_AUDIT_KEY``
    or a retired one in ``MEDNEC_AUDIT_OLD_KEYS``). Returns the number of
    entries and every problem found (keyed entries that cannot be checked are problems too)."""
    problems: list[AuditProblem] = []
    count = 0
    secret = audit_key()
    kid = key_id(secret) if secret else None
    keys = verification_keys()
    heads = {h.id: h for h in session.execute(sa.select(AuditHead)).scalars()}
    for stripe in sorted(set(heads) | set(range(STRIPES))):
        prev, expected, keyed_seen = GENESIS, 1, False
        unchecked: dict[str, _Unchecked] = {}
        q = sa.select(AuditEntry).where(AuditEntry.stripe == stripe).order_by(AuditEntry.stripe_seq)
        for e in session.execute(q).scalars():
            count += 1
            if e.stripe_seq != expected:
                problems.append(AuditProblem(e.seq, stripe, e.stripe_seq, "entries missing before it (deleted)"))
            if e.prev_hash != prev:
                problems.append(AuditProblem(e.seq, stripe, e.stripe_seq,
                                             "does not follow the previous entry (deleted or reordered)"))
            use: bytes | None = None
            if e.hash_scheme == PLAIN:
                if keyed_seen:
                    problems.append(AuditProblem(e.seq, stripe, e.stripe_seq, "not keyed although earlier entries of "
                                                 "its chain are (rewritten without the key, or the key was removed)"))
            elif e.hash_scheme.startswith(KEYED + ":"):
                keyed_seen = True
                use = keys.get(e.hash_scheme.partition(":")[2])
                if use is None:
                    unchecked.setdefault(e.hash_scheme, _Unchecked(e)).count += 1
                    prev, expected = e.hash, e.stripe_seq + 1
                    continue
            else:
                problems.append(AuditProblem(e.seq, stripe, e.stripe_seq, f"unknown hash scheme {e.hash_scheme[:40]!r}"))
            h = entry_hash(e.prev_hash, e.stripe_seq, e.at, e.actor_id, e.action, e.entity_type, e.entity_id,
                           e.policy_version, e.input_hash, e.detail, use)
            if h != e.hash:
                problems.append(AuditProblem(e.seq, stripe, e.stripe_seq, "content does not match its hash (edited)"))
            prev, expected = e.hash, e.stripe_seq + 1
        problems.extend(_unchecked_problem(stripe, scheme, u, kid) for scheme, u in unchecked.items())
        head = heads.get(stripe)
        if head is not None and (head.seq != expected - 1 or head.hash != prev):
            problems.append(AuditProblem(head.seq, stripe, None,
                                         "the newest entries were removed (head does not match the last entry)"))
    return count, problems
