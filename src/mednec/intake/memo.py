"""A bounded memo for the readers' hot paths: a dict that empties itself when full.

The readers remember what they computed for a plain key (a date's text, a value with its fact and unit)
because most of it recurs across patients; a refusal is never remembered, so its message always names its
own field. Emptying when full (rather than dropping the least recently used) keeps a hit a plain
``dict.get``, the cost that matters on the population runs' per-value path."""

from __future__ import annotations

from typing import TypeVar

__all__ = ["Bounded"]

K = TypeVar("K")
V = TypeVar("V")


class Bounded(dict[K, V]):
    """A dict of at most ``most`` entries: :meth:`keep` empties it first when it is full."""

    __slots__ = ("most",)

    def __init__(self, most: int) -> None:
        super().__init__()
        self.most = most

    def keep(self, key: K, value: V) -> V:
        """Remember ``value`` for ``key`` and return it."""
        if len(self) >= self.most:
            self.clear()
        self[key] = value
        return value
