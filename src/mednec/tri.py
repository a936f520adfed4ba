"""Three-valued (Kleene) logic for criteria evaluation.

A criterion is ``MET``, ``NOT_MET`` or ``UNKNOWN``. A missing fact makes a leaf
``UNKNOWN``, never ``NOT_MET``; ``UNKNOWN`` then propagates by Kleene's strong
rules:

* ``all_of`` is NOT_MET if any child is NOT_MET, else UNKNOWN if any is UNKNOWN, else MET.
* ``any_of`` is MET if any child is MET, else UNKNOWN if any is UNKNOWN, else NOT_MET.
* ``not`` swaps MET and NOT_MET and leaves UNKNOWN alone.

The connectives come in two forms, both checked against the same hand-written truth tables
(tests/test_tri.py, tests/policies/test_compiled_logic.py): over values (:func:`tri_and`,
:func:`tri_or`, :func:`tri_not`) and over closures (:func:`all_of`, :func:`any_of`,
:func:`negation`), which the compiled criteria trees of :mod:`mednec.policies.compile` are
built from. A closure form either stops at the first deciding child (only the verdict is
wanted) or, given ``record``, runs every child (each records its status) and records its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from enum import Enum
from typing import Any, TypeVar, overload

__all__ = ["Tri", "all_of", "any_of", "negation", "tri_and", "tri_not", "tri_or"]

A = TypeVar("A")
B = TypeVar("B")


class Tri(str, Enum):
    """A three-valued truth value, serialised as ``met`` / ``not_met`` / ``unknown``."""

    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"

    @classmethod
    def of(cls, value: bool | None) -> Tri:
        """``True`` -> MET, ``False`` -> NOT_MET, ``None`` -> UNKNOWN."""
        if value is None:
            return cls.UNKNOWN
        return cls.MET if value else cls.NOT_MET


def tri_and(values: Iterable[Tri]) -> Tri:
    """Kleene conjunction; the empty conjunction is MET."""
    result = Tri.MET
    for v in values:
        if v is Tri.NOT_MET:
            return Tri.NOT_MET
        if v is Tri.UNKNOWN:
            result = Tri.UNKNOWN
    return result


def tri_or(values: Iterable[Tri]) -> Tri:
    """Kleene disjunction; the empty disjunction is NOT_MET."""
    result = Tri.NOT_MET
    for v in values:
        if v is Tri.MET:
            return Tri.MET
        if v is Tri.UNKNOWN:
            result = Tri.UNKNOWN
    return result


def tri_not(value: Tri) -> Tri:
    """Kleene negation."""
    if value is Tri.MET:
        return Tri.NOT_MET
    if value is Tri.NOT_MET:
        return Tri.MET
    return Tri.UNKNOWN


def _group(children: Sequence[Callable[[A, Any], Tri]], decides: Tri, otherwise: Tri,
           record: int | None) -> Callable[[A, Any], Tri]:
    """The Kleene group: ``decides`` (NOT_MET for all_of, MET for any_of) if a child gives it, else
    UNKNOWN if a child is UNKNOWN, else ``otherwise`` (the empty group's value)."""
    unknown = Tri.UNKNOWN
    if record is not None:
        i = record

        def run_all(a: A, out: list[Tri]) -> Tri:
            res = otherwise
            for child in children:
                r = child(a, out)
                if r is decides:
                    res = decides
                elif r is unknown and res is otherwise:
                    res = unknown
            out[i] = res
            return res

        return run_all

    def run_until_decided(a: A, b: Any) -> Tri:
        res = otherwise
        for child in children:
            r = child(a, b)
            if r is decides:
                return decides
            if r is unknown:
                res = unknown
        return res

    return run_until_decided


@overload
def all_of(children: Sequence[Callable[[A, B], Tri]]) -> Callable[[A, B], Tri]: ...
@overload
def all_of(children: Sequence[Callable[[A, list[Tri]], Tri]], *, record: int) -> Callable[[A, list[Tri]], Tri]: ...
def all_of(children: Sequence[Callable[[A, Any], Tri]], *, record: int | None = None) -> Callable[[A, Any], Tri]:
    """The conjunction of closures called with the same two arguments, by :func:`tri_and`'s rules.

    Without ``record`` it stops at the first NOT_MET child. With ``record`` every child runs (each
    records its own status) and the result is also written to ``out[record]`` (the second argument).
    """
    return _group(tuple(children), Tri.NOT_MET, Tri.MET, record)


@overload
def any_of(children: Sequence[Callable[[A, B], Tri]]) -> Callable[[A, B], Tri]: ...
@overload
def any_of(children: Sequence[Callable[[A, list[Tri]], Tri]], *, record: int) -> Callable[[A, list[Tri]], Tri]: ...
def any_of(children: Sequence[Callable[[A, Any], Tri]], *, record: int | None = None) -> Callable[[A, Any], Tri]:
    """The disjunction of closures, by :func:`tri_or`'s rules (``record`` as for :func:`all_of`)."""
    return _group(tuple(children), Tri.MET, Tri.NOT_MET, record)


@overload
def negation(child: Callable[[A, B], Tri]) -> Callable[[A, B], Tri]: ...
@overload
def negation(child: Callable[[A, list[Tri]], Tri], *, record: int) -> Callable[[A, list[Tri]], Tri]: ...
def negation(child: Callable[[A, Any], Tri], *, record: int | None = None) -> Callable[[A, Any], Tri]:
    """The negation of a closure, by :func:`tri_not`'s rule (``record`` as for :func:`all_of`)."""
    met, not_met = Tri.MET, Tri.NOT_MET
    if record is not None:
        i = record

        def negated_recorded(a: A, out: list[Tri]) -> Tri:
            r = child(a, out)
            r = out[i] = not_met if r is met else met if r is not_met else r
            return r

        return negated_recorded

    def negated(a: A, b: Any) -> Tri:
        r = child(a, b)
        return not_met if r is met else met if r is not_met else r

    return negated
