"""Fact values with provenance, and the immutable set of them that the engine reads."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple, TypeAlias

from mednec.facts.days import iso_day
from mednec.facts.partial import Between, OneOf, Partial, is_partial

__all__ = ["Datum", "FactSet", "FactTypes", "FactValue", "Provenance", "Values", "restore_value"]

#: A fact's value as criteria read it, in the fact's canonical unit: a number, yes/no, a category
#: key, a date, the entries of an events fact (one mapping per event), or a value known only in part.
Datum: TypeAlias = "bool | float | str | dt.date | tuple[Mapping[str, object], ...] | Partial"
#: What criteria are evaluated on: fact id -> its value (absent or ``None``: not documented).
Values: TypeAlias = "Mapping[str, Datum | None]"


class Provenance(NamedTuple):
    """Where a fact value came from.

    ``source`` names the origin ("case file", "FHIR Observation/hb-1", "note chars 120-141",
    "calculated: ipss_r"); ``detail`` says more (the inputs of a calculation, the text span).
    """

    source: str
    detail: str = ""

    def to_dict(self) -> dict[str, str]:
        out = {"source": self.source}
        if self.detail:
            out["detail"] = self.detail
        return out


class FactValue(NamedTuple):
    """One fact's value in its canonical unit, with the date it was observed.

    A date known only to a range of days (a month, a year, "early March") is ``observed`` (its
    first possible day) to ``observed_last`` (its last possible day, never after the evaluation
    date); ``observed_last`` is ``None`` for a date known to the day. A check on the date decides
    only when both ends give the same answer."""

    fact: str
    value: Any
    unit: str | None
    observed: dt.date | None
    provenance: Provenance
    derived: bool = False
    observed_last: dt.date | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "fact": self.fact,
            "value": _jsonable(self.value),
            "unit": self.unit,
            "observed": self.observed.isoformat() if self.observed else None,
            "provenance": self.provenance.to_dict(),
            "derived": self.derived,
        }
        if self.observed_last is not None:
            out["observed_last"] = self.observed_last.isoformat()
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], types: FactTypes | None = None) -> FactValue:
        """The inverse of :meth:`to_dict`. JSON has no dates, tuples or floats that are whole
        numbers, so ``types`` (the fact's type, and for events each field's type, as the fact
        dictionary declares them) restores them; without it dates stay ISO strings."""
        prov = data.get("provenance") or {}
        kind, fields = types if types is not None else (None, {})
        return cls(
            fact=str(data["fact"]),
            value=restore_value(data["value"], kind, fields),
            unit=data.get("unit"),
            observed=dt.date.fromisoformat(data["observed"]) if data.get("observed") else None,
            provenance=Provenance(str(prov.get("source", "")), str(prov.get("detail", ""))),
            derived=bool(data.get("derived", False)),
            observed_last=dt.date.fromisoformat(data["observed_last"]) if data.get("observed_last") else None,
        )


#: a fact's type and, for events, each field's type (``("events", {"date": "date", ...})``)
FactTypes = tuple[str | None, Mapping[str, str]]


def restore_value(value: Any, kind: str | None, fields: Mapping[str, str] | None = None) -> Any:
    """A fact value read back from JSON in the types the engine gives it: numbers as floats,
    dates as dates, events as a tuple of mappings with typed fields."""
    if value is None:
        return None
    if isinstance(value, Mapping) and set(value) in ({"between", "missing", "reason"}, {"one_of", "missing", "reason"}):
        if "between" in value:
            lo, hi = value["between"]
            return Between(float(lo), float(hi), tuple(value["missing"]), str(value["reason"]))
        return OneOf(tuple(value["one_of"]), tuple(value["missing"]), str(value["reason"]))
    if kind == "number" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind == "date" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if isinstance(value, list):
        if all(isinstance(v, Mapping) for v in value):
            return tuple({k: restore_value(x, (fields or {}).get(k)) for k, x in v.items()} for v in value)
        return tuple(restore_value(v, None) for v in value)
    return value


_PLAIN = (str, bool, int)


def _canonical(value: Any) -> Any:
    cls = value.__class__  # the common exact types first: the same answers as the chain below
    if value is None or cls in _PLAIN:
        return value
    if cls is float:
        return int(value) if value.is_integer() else value
    if cls is dict:  # an event: its plain values read here, not through a call each
        items = []
        for k, v in value.items():
            kind = v.__class__
            if kind is dt.date:
                v = iso_day(v)
            elif kind is float:
                v = int(v) if v.is_integer() else v
            elif not (v is None or kind in _PLAIN):
                v = _canonical(v)
            items.append((k if k.__class__ is str else str(k), v))
        items.sort()
        return tuple(items)
    if cls is list or cls is tuple:
        return tuple(_canonical(v) for v in value)
    if cls is dt.date:
        return iso_day(value)
    if is_partial(value):
        return _canonical(value.to_dict())
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return tuple(_canonical(v) for v in value)
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _canonical(v)) for k, v in value.items()))
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _jsonable(value: Any) -> Any:
    if value is None or value.__class__ in _PLAIN:
        return value
    if is_partial(value):
        return _jsonable(value.to_dict())
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class FactSet(Mapping[str, FactValue]):
    """An immutable mapping of fact id to :class:`FactValue` for one patient.

    ``as_of`` is the evaluation date: windows such as "the last 8 weeks" end on it.
    ``notes`` records what intake or derivation decided (e.g. "IPSS-R category derived").
    """

    __slots__ = ("_digest", "_values", "as_of", "notes")

    def __init__(
        self,
        values: Mapping[str, FactValue],
        as_of: dt.date,
        notes: tuple[str, ...] = (),
        *,
        given_digest: str | None = None,
    ) -> None:
        self._values = dict(values)
        self.as_of = as_of
        self.notes = notes
        self._digest = given_digest

    def given_digest(self) -> str:
        """SHA-256 of the given (not derived) values, units and dates, computed once.

        Provenance is left out on purpose: the same facts from a case file and from a FHIR
        bundle hash the same.
        """
        if self._digest is None:
            rows = []
            for k, fv in sorted(self._values.items()):
                if fv.derived:
                    continue
                value = fv.value
                kind = value.__class__  # a plain value as _canonical gives it, without the call
                if kind is float:
                    value = int(value) if value.is_integer() else value
                elif not (value is None or kind in _PLAIN):
                    value = _canonical(value)
                day = iso_day(fv.observed) if fv.observed else None
                if fv.observed_last is not None:  # a range of days (appended: a dated value hashes as before)
                    day = f"{day}/{iso_day(fv.observed_last)}"
                rows.append((k, value, fv.unit, day))
            self._digest = hashlib.sha256(repr(tuple(rows)).encode()).hexdigest()
        return self._digest

    def __getitem__(self, key: str) -> FactValue:
        return self._values[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def items(self) -> Any:
        return self._values.items()

    def keys(self) -> Any:
        return self._values.keys()

    def values(self) -> Any:
        return self._values.values()

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def value(self, key: str) -> Any:
        """The bare value of ``key``, or ``None`` when the fact is absent."""
        fv = self._values.get(key)
        return None if fv is None else fv.value

    def with_values(self, extra: Mapping[str, FactValue], notes: tuple[str, ...] = ()) -> FactSet:
        """A new FactSet with ``extra`` added (existing keys are replaced)."""
        merged = dict(self._values)
        merged.update(extra)
        return FactSet(merged, self.as_of, self.notes + notes)

    def without(self, *keys: str) -> FactSet:
        """A new FactSet without ``keys``."""
        return FactSet(
            {k: v for k, v in self._values.items() if k not in keys}, self.as_of, self.notes
        )

    def to_dict(self) -> dict[str, Any]:
        return {k: self._values[k].to_dict() for k in sorted(self._values)}
