"""Signed checkpoints of the audit chains, kept outside the database.

The hash chains (:mod:`mednec.store.audit`) show an entry edited, deleted or reordered *inside*
a chain, but nothing in the database can show that a chain's newest entries were removed together
with its head row, that a whole chain was deleted, or that the log was emptied. A checkpoint
records, for every chain, the position and hash of its newest entry; it is signed with HMAC-SHA256
under a key that is not in the database (``MEDNEC_AUDIT_KEY``) and appended, one JSON line, to a
file outside it (``MEDNEC_AUDIT_ANCHOR``, ideally on other storage or shipped elsewhere).
``mednec audit verify`` then checks every checkpoint: its signature, and that each anchored entry
is still in its chain at its position with its hash.

A checkpoint also records whether the log was keyed (``keyed``: a chain's newest entry was an
HMAC entry, :mod:`mednec.store.audit`); every entry written after such a checkpoint must then be
keyed too, so a rewrite that recomputed plain SHA-256 hashes over entries the checkpoint does not
cover yet is reported, also where a chain had no keyed entry left to give it away.

What is detected: any anchored entry removed or changed (tail truncation, a chain deleted, the
log emptied, a chain rewritten from an anchored point), a plain entry after a keyed checkpoint,
and an edited or forged checkpoint line. What is not: entries written after the newest
checkpoint and removed together with their head row before the next one (checkpoint often, e.g.
every minute from cron), a checkpoint file deleted as a whole (keep it where the database's
administrators cannot write), and anyone who holds the key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mednec.errors import InputError
from mednec.store.audit import PLAIN, STRIPES
from mednec.store.models import AuditEntry

__all__ = ["AnchorProblem", "checkpoint", "verify_anchor", "write_checkpoint"]


@dataclass(frozen=True)
class AnchorProblem:
    """A checkpoint (its line in the file) that the database no longer matches, and why."""

    line: int
    what: str

    @property
    def problem(self) -> str:
        return f"checkpoint line {self.line}: {self.what}"


def _mac(key: bytes, body: dict[str, Any]) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def checkpoint(session: Session, key: bytes, at: dt.datetime) -> dict[str, Any]:
    """The signed checkpoint of every chain's newest entry (position 0 and no hash for an empty chain)."""
    chains: dict[str, dict[str, Any]] = {}
    newest = sa.select(AuditEntry.stripe, sa.func.max(AuditEntry.stripe_seq)).group_by(AuditEntry.stripe)
    tops = {int(stripe): top for stripe, top in session.execute(newest).all()}
    total, keyed = 0, False
    for stripe in range(STRIPES):
        position = int(tops.get(stripe) or 0)
        digest = None
        if position:
            digest, scheme = session.execute(sa.select(AuditEntry.hash, AuditEntry.hash_scheme).where(
                AuditEntry.stripe == stripe, AuditEntry.stripe_seq == position)).one()
            keyed = keyed or scheme != PLAIN
        chains[str(stripe)] = {"position": position, "hash": digest}
        total += position
    body: dict[str, Any] = {"at": at.astimezone(dt.UTC).isoformat(timespec="seconds"), "chains": chains,
                            "entries": total, "keyed": keyed}
    return {**body, "mac": _mac(key, body)}


def write_checkpoint(session: Session, key: bytes, path: Path, at: dt.datetime) -> dict[str, Any]:
    """Append a checkpoint to the anchor file (created when missing) and return it."""
    cp = checkpoint(session, key, at)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(cp, sort_keys=True, separators=(",", ":")) + "\n")
    return cp


def verify_anchor(session: Session, key: bytes | Sequence[bytes], path: Path) -> tuple[int, list[AnchorProblem]]:
    """Check every checkpoint in the anchor file against the database: (checkpoints read, problems).
    ``key``: the signing key, or several (the current one and retired ones): a checkpoint signed under
    any of them is accepted."""
    keys = [key] if isinstance(key, bytes) else list(key)
    if not path.is_file():
        raise InputError(f"no anchor file at {path}", field="MEDNEC_AUDIT_ANCHOR")
    problems: list[AnchorProblem] = []
    count = 0
    hashes: dict[tuple[int, int], str] = {}
    plain: dict[int, list[int]] = {}
    q = sa.select(AuditEntry.stripe, AuditEntry.stripe_seq, AuditEntry.hash, AuditEntry.hash_scheme)
    for stripe, seq, digest, scheme in session.execute(q):
        hashes[(int(stripe), int(seq))] = str(digest)
        if scheme == PLAIN:
            plain.setdefault(int(stripe), []).append(int(seq))
    keyed_at: tuple[int, dict[str, Any]] | None = None  # the newest keyed checkpoint: (line, body)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path} is not an anchor file (not UTF-8 text)", field="MEDNEC_AUDIT_ANCHOR") from None
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        count += 1
        try:
            cp = json.loads(line)
            body = {k: cp[k] for k in ("at", "chains", "entries")}
            if "keyed" in cp:  # checkpoints written before keyed entries existed have no such field
                body["keyed"] = bool(cp["keyed"])
            mac = str(cp["mac"])
        except (ValueError, KeyError, TypeError, RecursionError):
            problems.append(AnchorProblem(n, "not a checkpoint (unreadable line)"))
            continue
        if not any(hmac.compare_digest(mac, _mac(k, body)) for k in keys):
            problems.append(AnchorProblem(n, "signature does not match (the line was edited, or another key)"))
            continue
        if body.get("keyed"):
            keyed_at = (n, body)
        for stripe, anchored in sorted(body["chains"].items(), key=lambda kv: int(kv[0])):
            position, digest = int(anchored["position"]), anchored["hash"]
            if not position:
                continue
            found = hashes.get((int(stripe), position))
            if found is None:
                problems.append(AnchorProblem(n, f"chain {stripe}: entry {position}, anchored on {body['at']}, is "
                                                 "gone (the chain was truncated, deleted or emptied)"))
            elif found != digest:
                problems.append(AnchorProblem(n, f"chain {stripe}: entry {position} differs from the one anchored on "
                                                 f"{body['at']} (the chain was rewritten)"))
    if keyed_at is not None:
        problems.extend(_unkeyed_after(keyed_at, plain))
    return count, problems


def _unkeyed_after(keyed_at: tuple[int, dict[str, Any]], plain: dict[int, list[int]]) -> list[AnchorProblem]:
    """Plain entries after a checkpoint that found the log keyed: written without the key, or rewritten."""
    n, body = keyed_at
    found = []
    for stripe, positions in sorted(plain.items()):
        anchored = body["chains"].get(str(stripe), {})
        after = [p for p in positions if p > int(anchored.get("position") or 0)]
        if after:
            found.append(AnchorProblem(n, f"chain {stripe}: {len(after)} entries from position {min(after)} are not "
                                          f"keyed, although the log was keyed when this checkpoint was written on "
                                          f"{body['at']} (rewritten without the key, or the key was removed)"))
    return found
