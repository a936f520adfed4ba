"""Three-valued (Kleene) logic for criteria evaluation.

A criterion is ``MET``, ``NOT_MET`` or ``UNKNOWN``. A missing fact makes a leaf
``UNKNOWN``, never ``NOT_MET``; ``UNKNOWN`` then propagates by Kleene's strong
rules:

* ``all_of`` is NOT_MET if any child is NOT_MET, else UNKNOWN if any is UNKNOWN, else MET.
* ``any_of`` is MET if any child is MET, else UNKNOWN if any is UNKNOWN, else NOT_MET.
* ``not`` swaps MET and NOT_MET and leaves UNKNOWN alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

__all__ = ["Tri", "tri_and", "tri_not", "tri_or"]


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
