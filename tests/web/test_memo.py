"""The web app's bounded memo (functools.lru_cache underneath)."""

from __future__ import annotations

from mednec.web.memo import Memo


def test_made_once_per_key_and_the_least_recently_used_dropped() -> None:
    made: list[str] = []

    def maker(key: str) -> object:
        def make() -> str:
            made.append(key)
            return key.upper()
        return make

    memo = Memo(size=2)
    assert memo.get("a", maker("a")) == "A"
    assert memo.get("a", maker("a")) == "A"  # a hit: the second maker is not called
    memo.get("b", maker("b"))
    memo.get("a", maker("a"))  # a is now the most recently used
    memo.get("c", maker("c"))  # drops b
    assert len(memo) == 2
    memo.get("b", maker("b"))
    assert made == ["a", "b", "c", "b"]
    memo.clear()
    assert len(memo) == 0
    memo.get("a", maker("a"))
    assert made[-1] == "a"


def test_only_the_key_decides_a_hit() -> None:
    memo = Memo()
    assert memo.get(("x", 1), lambda: 1) == 1
    assert memo.get(("x", 1), lambda: 2) == 1
    assert memo.get(("x", 2), lambda: 2) == 2
