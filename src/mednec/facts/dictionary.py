"""The fact dictionary: loaded from ``dictionary.yaml`` and checked on load.

Every patient fact a policy may read is declared once, with its type, canonical unit and
the units it converts from, its plausible range, its standard codes, and the document
that establishes it. Intake (case files, FHIR, notes) and the policy validator both work
from this one declaration.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal, NamedTuple

import yaml

from mednec.errors import ConfigError, UnitError, UnknownFactError
from mednec.yaml_loader import SafeLoader

__all__ = [
    "CategoryValue",
    "Code",
    "Contradiction",
    "FactDef",
    "FactDictionary",
    "FieldDef",
    "load_dictionary",
    "normalize_unit",
]

FactType = Literal["number", "boolean", "category", "date", "events"]
_TYPES = ("number", "boolean", "category", "date", "events")


def normalize_unit(unit: str) -> str:
    """Spelling-insensitive form of a unit: case, spaces, µ/μ/u and '×'/'x' folded."""
    u = unit.strip().replace("µ", "u").replace("μ", "u").replace("×", "x").replace(" ", "")
    u = u.replace("^", "").replace("*", "")
    if u.lower().startswith("x10"):
        u = u[1:]
    return u.lower()


class Code(NamedTuple):
    """A standard code for a fact or a category value."""

    system: str
    code: str
    display: str = ""
    status: str = "confirmed"


class CategoryValue(NamedTuple):
    """One allowed value of a category fact."""

    key: str
    label: str
    synonyms: tuple[str, ...] = ()
    codes: tuple[Code, ...] = ()


class FieldDef(NamedTuple):
    """One field of an event in an ``events`` fact."""

    name: str
    type: str
    optional: bool = False
    range: tuple[float, float] | None = None
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FactDef:
    """The declaration of one fact."""

    id: str
    label: str
    type: FactType
    document: str
    unit: str | None = None
    units: Mapping[str, float] = field(default_factory=dict)
    range: tuple[float, float] | None = None
    values: Mapping[str, CategoryValue] = field(default_factory=dict)
    fields: Mapping[str, FieldDef] = field(default_factory=dict)
    codes: tuple[Code, ...] = ()
    derived_by: str | None = None
    may_give: bool = True
    question: str = ""

    def convert(self, value: float, unit: str | None, *, path: str) -> float:
        """Convert ``value`` in ``unit`` to the canonical unit (a bare number is canonical)."""
        if unit is None or self.unit is None:
            return value
        factor = self._unit_factors().get(normalize_unit(unit))
        if factor is None:
            accepted = ", ".join(sorted(self.units))
            raise UnitError(
                f"unit {unit!r} is not accepted for {self.label}; use one of: {accepted}",
                field=path,
            )
        return value * factor

    def _unit_factors(self) -> dict[str, float]:
        return {normalize_unit(k): float(v) for k, v in self.units.items()}

    def accepts_unit(self, unit: str) -> bool:
        """True when ``unit`` converts to this fact's canonical unit."""
        return normalize_unit(unit) in self._unit_factors()

    def category_key(self, raw: str) -> str | None:
        """The canonical key of a category value given by key, label or synonym."""
        if raw in self.values:
            return raw
        folded = _fold(raw)
        for key, cv in self.values.items():
            if folded == _fold(key) or folded == _fold(cv.label):
                return key
            if any(folded == _fold(s) for s in cv.synonyms):
                return key
        return None


def _fold(text: str) -> str:
    return text.strip().lower().replace("-", "_").replace(" ", "_")


class Contradiction(NamedTuple):
    """Two fact values that cannot both be true."""

    when: Mapping[str, Any]
    conflicts: Mapping[str, Any]
    message: str


@dataclass(frozen=True, slots=True, eq=False)
class FactDictionary:
    """All declared facts, the document catalogue and the contradiction rules."""

    version: str
    facts: Mapping[str, FactDef]
    documents: Mapping[str, str]
    contradictions: tuple[Contradiction, ...]

    def get(self, fact_id: str, *, path: str | None = None) -> FactDef:
        """The fact ``fact_id``; an unknown id raises with the nearest declared names."""
        try:
            return self.facts[fact_id]
        except KeyError:
            raise UnknownFactError(self.unknown_message(fact_id), field=path or fact_id) from None

    def unknown_message(self, fact_id: str) -> str:
        """Message for an undeclared fact id, suggesting the nearest names."""
        near = difflib.get_close_matches(fact_id, list(self.facts), n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
        return f"unknown fact {fact_id!r}{hint} (see `mednec facts` for the list)"

    def document_text(self, doc_id: str) -> str:
        """The human description of a document id."""
        return self.documents.get(doc_id, doc_id)


def _codes(raw: Any) -> tuple[Code, ...]:
    return tuple(
        Code(
            system=str(c["system"]),
            code=str(c["code"]),
            display=str(c.get("display", "")),
            status=str(c.get("status", "confirmed")),
        )
        for c in (raw or [])
    )


def _parse_fact(fid: str, raw: Mapping[str, Any], documents: Mapping[str, str]) -> FactDef:
    ftype = raw.get("type")
    if ftype not in _TYPES:
        raise ConfigError(f"type must be one of {', '.join(_TYPES)}", field=f"facts.{fid}.type")
    doc = str(raw.get("document", ""))
    if doc not in documents:
        raise ConfigError(f"document {doc!r} is not in the document catalogue", field=f"facts.{fid}")
    values = {
        str(k): CategoryValue(
            key=str(k),
            label=str(v.get("label", k)),
            synonyms=tuple(str(s) for s in v.get("synonyms", ())),
            codes=_codes(v.get("codes")),
        )
        for k, v in (raw.get("values") or {}).items()
    }
    if ftype == "category" and not values:
        raise ConfigError("a category fact needs values", field=f"facts.{fid}.values")
    unit = raw.get("unit")
    if ftype == "number" and not unit:
        raise ConfigError("a number fact needs a canonical unit", field=f"facts.{fid}.unit")
    units = {str(k): float(v) for k, v in (raw.get("units") or {}).items()}
    if unit and unit not in units:
        units[str(unit)] = 1.0
    rng = raw.get("range")
    fields = {
        str(name): FieldDef(
            name=str(name),
            type=str(spec["type"]),
            optional=bool(spec.get("optional", False)),
            range=(float(spec["range"][0]), float(spec["range"][1])) if spec.get("range") else None,
            values=tuple(str(v) for v in spec.get("values", ())),
        )
        for name, spec in (raw.get("fields") or {}).items()
    }
    return FactDef(
        id=fid,
        label=str(raw.get("label", fid)),
        type=ftype,
        document=doc,
        unit=str(unit) if unit else None,
        units=units,
        range=(float(rng[0]), float(rng[1])) if rng else None,
        values=values,
        fields=fields,
        codes=_codes(raw.get("codes")),
        derived_by=raw.get("derived_by"),
        may_give=bool(raw.get("may_give", raw.get("derived_by") is None)),
        question=str(raw.get("question", "")),
    )


def parse_dictionary(data: Mapping[str, Any]) -> FactDictionary:
    """Build a :class:`FactDictionary` from its YAML mapping, checking it as it goes."""
    documents = {str(k): str(v) for k, v in (data.get("documents") or {}).items()}
    facts = {str(fid): _parse_fact(str(fid), raw, documents) for fid, raw in data["facts"].items()}
    contradictions = []
    for i, c in enumerate(data.get("contradictions") or []):
        for side in ("when", "conflicts"):
            for fid in c[side]:
                if fid not in facts:
                    raise ConfigError(f"unknown fact {fid!r}", field=f"contradictions[{i}].{side}")
        contradictions.append(
            Contradiction(when=dict(c["when"]), conflicts=dict(c["conflicts"]), message=c["message"])
        )
    return FactDictionary(
        version=str(data.get("version", "")),
        facts=facts,
        documents=documents,
        contradictions=tuple(contradictions),
    )


def load_dictionary() -> FactDictionary:
    """Load the fact dictionary shipped in the package."""
    text = resources.files("mednec.facts").joinpath("dictionary.yaml").read_text("utf-8")
    return parse_dictionary(yaml.load(text, Loader=SafeLoader))  # noqa: S506 (safe loader)
