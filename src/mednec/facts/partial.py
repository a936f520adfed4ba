"""Values known only in part: one of several options, or a number between two bounds.

A calculator that lacks some of its inputs may still narrow its result: the IPSS-R without the
platelet count lies between the scores the lowest and highest counts would give; an ESA course
of 7 weeks is either a failure or too short to judge. Such a value is a :class:`OneOf` (for a
category or boolean fact) or a :class:`Between` (for a number), with the facts whose
documentation would settle it (``missing``) and a sentence saying why it is open (``reason``).

A criterion tested on a partial value is decided when every possible value lands on the same
side ("decided without platelets: any value gives ≤ 4.5"), and stays unknown otherwise, asking
for ``missing``. A partial value counts as documented for a ``known`` test: it was computed
from documented facts, so a fallback for an undocumented fact does not replace it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["Between", "OneOf", "Partial", "is_partial"]


@dataclass(frozen=True, slots=True)
class OneOf:
    """One of ``options`` (category keys or booleans); which one needs ``missing``."""

    options: tuple[Any, ...]
    missing: tuple[str, ...] = ()
    reason: str = ""

    @classmethod
    def of(cls, options: Iterable[Any], missing: Iterable[str] = (), reason: str = "") -> Any:
        """A OneOf (options in the order given: pass them ordered), or the plain value when only
        one option is left."""
        opts = tuple(dict.fromkeys(options))
        if len(opts) == 1:
            return opts[0]
        return cls(opts, tuple(dict.fromkeys(missing)), reason)

    def __str__(self) -> str:
        shown = [("yes" if o else "no") if isinstance(o, bool) else str(o).replace("_", " ") for o in self.options]
        return f"one of {', '.join(shown)}"

    def to_dict(self) -> dict[str, Any]:
        return {"one_of": list(self.options), "missing": list(self.missing), "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Between:
    """A number from ``low`` to ``high`` (both possible); which one needs ``missing``."""

    low: float
    high: float
    missing: tuple[str, ...] = ()
    reason: str = ""

    def __str__(self) -> str:
        return f"between {self.low:g} and {self.high:g}"

    def to_dict(self) -> dict[str, Any]:
        return {"between": [self.low, self.high], "missing": list(self.missing), "reason": self.reason}


Partial = OneOf | Between


def is_partial(value: Any) -> bool:
    """True for a :class:`OneOf` or :class:`Between`."""
    return isinstance(value, OneOf | Between)
