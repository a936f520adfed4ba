"""What text intake produces: findings with the exact words they came from.

A :class:`Finding` is one fact value read from text (a question or a clinical note) in the
case-file form that :func:`mednec.intake.case_file.parse_case` accepts, with the span of
text it came from. An :class:`Unused` records words that were recognised but deliberately
not turned into a fact (a bound such as "hemoglobin below 10", a hypothetical, a drug
outside the pack), so the user sees what was *not* used and why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Conflict", "DrugMention", "Finding", "TextSpan", "Unused", "clip"]


def clip(text: str, limit: int = 80) -> str:
    """``text`` on one line, shortened to ``limit`` characters."""
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class TextSpan:
    """Characters ``start:end`` of the source text, and the text itself."""

    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}

    def cover(self, other: TextSpan, source_text: str) -> TextSpan:
        """The smallest span covering both."""
        s, e = min(self.start, other.start), max(self.end, other.end)
        return TextSpan(s, e, source_text[s:e])


#: the modifier of a transfusion-free window's empty ``rbc_transfusions`` finding: the record is complete
#: only after this date (``since:<ISO date>``); the assembled case then gives ``rbc_transfusions_since``
SINCE_MODIFIER = "since:"
#: a transfusion list made from a count over a window longer than 8 weeks with no dates ("1 unit in the past 16
#: weeks"): the units fell somewhere after this date, up to the latest listed one (``rbc_transfusions_within``)
WITHIN_MODIFIER = "within:"
#: a count before the treatment whose text gives the transfusions since the start only as a count: the record
#: stands only with that count read (a pre-treatment count alone is no record of none since the start)
PRE_COUNT_SAID = "pretreatment:count_said"

@dataclass(frozen=True, slots=True)
class Finding:
    """One fact read from text.

    ``value`` is in case-file form: a number (in ``unit``), a boolean, a category key, a
    date, or a list of event mappings. ``kind`` is ``stated`` (the words say it),
    ``inferred`` (it follows from what was stated, e.g. a normal karyotype has no del(5q)) or
    ``synthesized`` (a dated list built from a phrase such as "2 units every 2 weeks").
    """

    fact: str
    value: Any
    span: TextSpan
    unit: str | None = None
    date: dt.date | None = None
    kind: str = "stated"
    note: str = ""
    source: str = "question"
    modifiers: tuple[str, ...] = ()
    rank: int = 0  # how specific the wording is; higher wins among undated values of one source
    #: the last possible day of a date said only as a range ("in August 2026"); ``date`` is its first
    date_last: dt.date | None = None

    @property
    def where(self) -> str:
        """Provenance text: ``question [12:27] "Hb 8.1"``."""
        return f'{self.source} [{self.span.start}:{self.span.end}] "{clip(self.span.text, 60)}"'

    def shown(self) -> str:
        """The value as a person reads it."""
        v = self.value
        if isinstance(v, bool):
            return "yes" if v else "no"
        if isinstance(v, float | int):
            return f"{v:g} {self.unit}" if self.unit else f"{v:g}"
        if isinstance(v, list):
            if not v:
                return "none"
            return f"{len(v)} recorded"
        if isinstance(v, dt.date):
            return v.isoformat()
        return str(v).replace("_", " ")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "fact": self.fact,
            "value": _jsonable(self.value),
            "unit": self.unit,
            "date": self.date.isoformat() if self.date else None,
            "kind": self.kind,
            "source": self.source,
            "span": self.span.to_dict(),
        }
        if self.note:
            out["note"] = self.note
        if self.modifiers:
            out["modifiers"] = list(self.modifiers)
        return out


@dataclass(frozen=True, slots=True)
class Unused:
    """Words recognised but not turned into a fact, and why."""

    span: TextSpan
    reason: str
    fact: str | None = None
    source: str = "question"

    def to_dict(self) -> dict[str, Any]:
        return {"fact": self.fact, "reason": self.reason, "source": self.source, "span": self.span.to_dict()}


@dataclass(frozen=True, slots=True)
class Conflict:
    """Two sources (or two places in one) that disagree about a fact, and which value won."""

    fact: str
    kept: Finding
    dropped: Finding
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "fact": self.fact,
            "kept": {"value": _jsonable(self.kept.value), "where": self.kept.where,
                     "date": self.kept.date.isoformat() if self.kept.date else None},
            "dropped": {"value": _jsonable(self.dropped.value), "where": self.dropped.where,
                        "date": self.dropped.date.isoformat() if self.dropped.date else None},
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class DrugMention:
    """A drug named in the text: the policy it maps to (``None`` outside the pack)."""

    name: str
    span: TextSpan
    policy_id: str | None
    how: str = "exact"  # exact | alias | fuzzy | option | note
    note: str = ""
    consumed: bool = field(default=False, compare=False)  # part of ESA history, not the request

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "policy": self.policy_id, "how": self.how,
                               "span": self.span.to_dict()}
        if self.note:
            out["note"] = self.note
        return out


def _jsonable(v: Any) -> Any:
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v
