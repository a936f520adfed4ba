"""A bounded per-application memo on :func:`functools.lru_cache`: values computed once per key,
the least recently used dropped first (the web app's rendered articles and test-case runs)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

__all__ = ["Memo"]

T = TypeVar("T")


class _Make:
    """The function that makes a value, passed through the cache without being part of its key:
    every ``_Make`` hashes and compares alike, so only the key decides a hit."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn

    def __hash__(self) -> int:
        return 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Make)


def _make(key: Hashable, make: _Make) -> Any:
    return make.fn()


class Memo:
    """``get(key, make)``: the value made for ``key``, calling ``make()`` on a miss (thread-safe;
    two threads missing the same key at once may both make it)."""

    def __init__(self, size: int = 256) -> None:
        self._cached = functools.lru_cache(maxsize=size)(_make)

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        value: T = self._cached(key, _Make(make))
        return value

    def clear(self) -> None:
        self._cached.cache_clear()

    def __len__(self) -> int:
        return self._cached.cache_info().currsize
