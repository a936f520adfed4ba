"""A sliding-window limit for the public pages (no sign-in), telling how long to wait (Retry-After).

Each key (the client's address) may make ``limit`` requests per ``window`` seconds; past that the
page answers 429 with ``Retry-After``. The window is kept per process (several workers each keep
their own), bounded in the number of clients it remembers.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque

__all__ = ["WaitLimit"]


class WaitLimit:
    """``allow(key)`` -> seconds to wait (0: allowed, and counted)."""

    def __init__(self, limit: int, window: float = 60.0, clients: int = 10_000) -> None:
        self.limit, self.window, self.clients = limit, window, clients
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> float:
        t = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.pop(key, None) or deque()
            while hits and hits[0] <= t - self.window:
                hits.popleft()
            wait = 0.0
            if len(hits) >= self.limit:
                wait = max(0.0, hits[0] + self.window - t)
            else:
                hits.append(t)
            self._hits[key] = hits
            while len(self._hits) > self.clients:
                self._hits.popitem(last=False)
            return wait
