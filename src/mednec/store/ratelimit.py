"""Rate limits shared by every worker of the service: the counts live in the database.

Each limit (a *scope*: failed sign-ins, public pages, anonymous questions) allows ``limit`` events
per ``window`` seconds for one client. Counts are kept per time bucket (``window`` seconds of the
wall clock, the same in every process) and read as a sliding window: the current bucket's count
plus the previous bucket's, weighted by how much of it still lies within the last ``window``
seconds. A count goes up in one atomic statement (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``,
the same on SQLite and PostgreSQL), so two workers counting at once both count.

- No personal data in the table: a client is a keyed hash (HMAC-SHA256 with ``MEDNEC_SECRET_KEY``,
  or a fixed key when it is not set) of the scope and its address; the address is never stored.
- Bounded: every ``window`` seconds each process deletes the buckets that left the window; if a
  scope still holds more than ``rows`` clients it forgets them all rather than grow.
- When the database cannot count (locked, unreachable), the request is let through and a warning
  logged: the per-username lockout (:mod:`mednec.store.passwords`) still holds for sign-in.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from mednec.errors import TooManyRequestsError
from mednec.settings import current
from mednec.store.db import Database
from mednec.store.models import RateCount

__all__ = ["EXPENSIVE", "SharedLimit", "WorkLimits", "sliding_estimate", "wait_for"]

log = logging.getLogger(__name__)


def sliding_estimate(prev: int, curr: int, elapsed: float, window: float) -> float:
    """Events within the last ``window`` seconds, estimated from two buckets: ``prev`` events in the
    previous bucket weighted by the share of it still inside the window, plus ``curr`` in this one,
    ``elapsed`` seconds into it."""
    return prev * (1 - elapsed / window) + curr


def wait_for(prev: int, curr: int, elapsed: float, limit: int, window: float) -> float:
    """Seconds until one more event fits under ``limit`` (see :func:`sliding_estimate`), if no other
    event comes."""
    room = limit - 1  # the estimate must come down to this for the next event to fit
    if curr <= room:  # this bucket has room once enough of the previous one has slid out
        if prev <= 0 or sliding_estimate(prev, curr, elapsed, window) <= room:
            return 0.0
        return max(0.0, window * (1 - (room - curr) / prev) - elapsed)
    # only in the next bucket, once enough of this one has slid out
    return (window - elapsed) + window * (1 - room / curr)


class SharedLimit:
    """``limit`` events per ``window`` seconds per client, counted in ``db`` (one ``scope`` each)."""

    def __init__(self, db: Database, scope: str, limit: int, window: float, *, rows: int = 100_000,
                 clock: Callable[[], float] = time.time) -> None:
        self.db, self.scope, self.limit, self.window, self.rows, self.clock = db, scope, limit, window, rows, clock
        secret = current().secret_key
        self._secret = secret.encode() if secret else b"mednec.ratelimit"
        self._pruned = 0.0
        self._lock = threading.Lock()

    def key(self, client: str) -> str:
        """The client's key in the table (a keyed hash: the address is never stored)."""
        return hmac.new(self._secret, f"{self.scope}\n{client}".encode(), hashlib.sha256).hexdigest()[:40]

    def _now(self) -> tuple[int, float]:
        t = self.clock()
        bucket = math.floor(t / self.window)
        return bucket, t - bucket * self.window

    def _counts(self, s: Session, key: str, bucket: int) -> tuple[int, int]:
        rows = {int(b): int(h) for b, h in s.execute(sa.select(RateCount.bucket, RateCount.hits).where(
            RateCount.scope == self.scope, RateCount.key == key, RateCount.bucket.in_((bucket - 1, bucket))))}
        return rows.get(bucket - 1, 0), rows.get(bucket, 0)

    def _add(self, s: Session, key: str, bucket: int, n: int) -> int:
        """Add ``n`` to the client's count in ``bucket`` in one statement; the new count."""
        from sqlalchemy.dialects import postgresql, sqlite

        values = {"scope": self.scope, "key": key, "bucket": bucket, "hits": n}
        dialect: Any = postgresql if self.db.engine.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(RateCount).values(values).on_conflict_do_update(
            index_elements=["scope", "key", "bucket"], set_={"hits": RateCount.hits + n})
        return int(s.execute(stmt.returning(RateCount.hits)).scalar_one())

    def estimate(self, client: str) -> float:
        """The client's events within the last ``window`` seconds (sliding-window estimate)."""
        bucket, elapsed = self._now()
        try:
            with self.db.reading() as s:
                prev, curr = self._counts(s, self.key(client), bucket)
        except SQLAlchemyError as exc:
            log.warning("rate limit %s not read (%s): allowed", self.scope, type(exc).__name__)
            return 0.0
        return sliding_estimate(prev, curr, elapsed, self.window)

    def blocked(self, client: str) -> bool:
        """True when the client had ``limit`` events within the window (nothing is counted)."""
        return self.estimate(client) >= self.limit

    def hit(self, client: str) -> float:
        """Count one event for the client; its estimate afterwards."""
        bucket, elapsed = self._now()
        key = self.key(client)
        try:
            with self.db.session() as s:
                curr = self._add(s, key, bucket, 1)
                prev, _ = self._counts(s, key, bucket)
        except SQLAlchemyError as exc:
            log.warning("rate limit %s not counted (%s)", self.scope, type(exc).__name__)
            return 0.0
        self._prune(bucket)
        return sliding_estimate(prev, curr, elapsed, self.window)

    def allow(self, client: str) -> float:
        """Seconds to wait: 0 when the event is allowed (and counted); else it is not counted."""
        bucket, elapsed = self._now()
        key = self.key(client)
        try:
            with self.db.session() as s:
                curr = self._add(s, key, bucket, 1)
                prev, _ = self._counts(s, key, bucket)
                if sliding_estimate(prev, curr, elapsed, self.window) <= self.limit:
                    wait = 0.0
                else:  # over: the attempt does not count, so waiting as told is enough
                    curr = self._add(s, key, bucket, -1)
                    wait = max(1.0, wait_for(prev, curr, elapsed, self.limit, self.window))
        except SQLAlchemyError as exc:
            log.warning("rate limit %s not counted (%s): allowed", self.scope, type(exc).__name__)
            return 0.0
        self._prune(bucket)
        return wait

    def _prune(self, bucket: int) -> None:
        """At most once a window per process: drop the buckets that left the window, and forget the
        scope's clients altogether if more than ``rows`` remain."""
        now = self.clock()
        with self._lock:
            if now - self._pruned < self.window:
                return
            self._pruned = now
        mine = RateCount.scope == self.scope
        try:
            with self.db.session() as s:
                s.execute(sa.delete(RateCount).where(mine, RateCount.bucket < bucket - 1))
                if s.execute(sa.select(sa.func.count()).select_from(RateCount).where(mine)).scalar_one() > self.rows:
                    s.execute(sa.delete(RateCount).where(mine))
                    log.warning("rate limit %s: more than %d clients, all forgotten", self.scope, self.rows)
        except SQLAlchemyError as exc:
            log.warning("rate limit %s not pruned (%s)", self.scope, type(exc).__name__)


#: Work that costs a request far more than the rest (a PDF is compiled by Typst: 0.1-0.5 s of CPU;
#: an impact analysis evaluates every stored case): at most this many per user per window (seconds)
EXPENSIVE: dict[str, tuple[int, float]] = {"pdf": (30, 60.0), "impact": (6, 60.0)}
_WORK_WORDS = {"pdf": "PDF documents", "impact": "impact analyses"}


class WorkLimits:
    """Per-user limits of expensive work, shared by every worker (one :class:`SharedLimit` per
    kind of :data:`EXPENSIVE`, made when first used)."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self.db, self.clock = db, clock
        self._limits: dict[str, SharedLimit] = {}

    def take(self, kind: str, user_id: str) -> None:
        """Count one piece of ``kind`` work for the user, or raise :class:`TooManyRequestsError`
        (not counted) with the seconds to wait."""
        limit = self._limits.get(kind)
        if limit is None:
            n, window = EXPENSIVE[kind]
            limit = self._limits.setdefault(kind, SharedLimit(self.db, f"work-{kind}", n, window, clock=self.clock))
        wait = limit.allow(user_id)
        if wait:
            raise TooManyRequestsError(
                f"at most {limit.limit} {_WORK_WORDS.get(kind, kind)} a minute per user; "
                f"try again in {int(wait) + 1} seconds", retry_after=int(wait) + 1)
