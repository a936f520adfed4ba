"""A small in-process rate limit: at most ``limit`` counted events per ``window`` seconds for one
key (a client address). Sign-in counts failed attempts per address; each worker keeps its own
counts, and the per-username lockout (:mod:`mednec.store.passwords`) is the limit that holds
across workers and addresses."""

from __future__ import annotations

import threading
import time
from collections import deque

__all__ = ["RateLimit"]


class RateLimit:
    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._seen.setdefault(key, deque())
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def blocked(self, key: str) -> bool:
        """True when ``key`` has had ``limit`` events within the window."""
        with self._lock:
            return len(self._recent(key, time.monotonic())) >= self.limit

    def hit(self, key: str) -> None:
        """Count one event for ``key``."""
        with self._lock:
            if len(self._seen) > 50_000:  # bounded memory: forget everyone rather than grow
                self._seen.clear()
            self._recent(key, time.monotonic()).append(time.monotonic())
