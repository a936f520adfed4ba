"""The fact dictionary: the core ``dictionary.yaml`` plus each pack's ``facts.yaml``, checked on load.

Every patient fact a policy may read is declared once, with its type, canonical unit and
the units it converts from, its plausible range, its standard codes, and the document
that establishes it. Intake (case files, FHIR, notes) and the policy validator both work
from this one declaration.

The core declares what every pack shares (date of birth, age, sex, diagnosis, ...); a pack
adds its own facts, documents and contradictions in ``packs/<pack>/facts.yaml``, may add
values to a core category (``extends: {diagnosis: {values: {...}}}``) and may reword a core
document for its own determinations. Two packs declaring the same fact is an error.

Limits: an ``events`` fact takes at most ``max_items`` events (default
:data:`DEFAULT_MAX_ITEMS`) and a ``text`` field of an event at most ``max_length`` characters
(default :data:`DEFAULT_MAX_TEXT`); a case beyond them is bad input, not something to store.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

import yaml

from mednec.errors import ConfigError, InputError, UnitError, UnknownFactError
from mednec.hygiene import excerpt
from mednec.packdirs import PacksDir, pack_folders
from mednec.yaml_loader import SafeLoader, load_user_yaml, strict_mapping

__all__ = [
    "CategoryValue",
    "Code",
    "CodeRange",
    "Contradiction",
    "FactDef",
    "FactDictionary",
    "FieldDef",
    "load_dictionary",
    "normalize_unit",
    "pack_fact_files",
    "parse_dictionary",
]

FactType = Literal["number", "boolean", "category", "date", "events"]
_TYPES = ("number", "boolean", "category", "date", "events")


_EXPONENT = re.compile(r"10(?:[eE]|\()(\d{1,2})\)?")


def normalize_unit(unit: str) -> str:
    """Spelling-insensitive form of a unit: case, spaces, µ/μ/u and '×'/'x' folded."""
    u = unit.strip().replace("µ", "u").replace("μ", "u").replace("×", "x").replace(" ", "")
    u = u.replace("^", "").replace("*", "")
    if "10" in u:  # the exponent of a count unit as labs print it: 10E9, 10(9) -> 109 (as 10^9)
        u = _EXPONENT.sub(r"10\1", u)
    if u.lower().startswith("x10"):
        u = u[1:]
    return u.lower()


@lru_cache(maxsize=1024)
def _factor_table(units: tuple[tuple[str, float], ...]) -> Mapping[str, float]:
    """A fact's units folded by :func:`normalize_unit` -> factor, built once per unit table (it was
    rebuilt for every value converted: ~20 folds per quantity)."""
    return MappingProxyType({normalize_unit(k): float(v) for k, v in units})


class Code(NamedTuple):
    """A standard code for a fact or a category value. ``source`` names the reference (in the pack's
    ``references.yaml``, or ``facts/references.yaml`` for the core dictionary's codes) in which the code
    and its descriptor were read; :mod:`mednec.packcheck.codes` checks it."""

    system: str
    code: str
    display: str = ""
    status: str = "confirmed"
    source: str = ""


class CodeRange(NamedTuple):
    """A code that names a number fact's value as a range (ICD-10-CM Z68.35 'Body mass index [BMI] 35.0-35.9,
    adult': a BMI from 35.0 to 35.9): ``low`` and ``high`` in the fact's unit, an open end the fact's plausible
    range. A criterion is decided on it only when the whole range lies on one side of the threshold."""

    code: Code
    low: float
    high: float


class CategoryValue(NamedTuple):
    """One allowed value of a category fact."""

    key: str
    label: str
    synonyms: tuple[str, ...] = ()
    codes: tuple[Code, ...] = ()
    pack: str = ""  # the pack that added the value to a core category ("" for the core's own)


DEFAULT_MAX_ITEMS = 1000  # events per fact: years of weekly records, far below a resource attack
DEFAULT_MAX_TEXT = 200  # characters of a text field of an event (a drug name, a dose unit)


class FieldDef(NamedTuple):
    """One field of an event in an ``events`` fact."""

    name: str
    type: str
    optional: bool = False
    range: tuple[float, float] | None = None
    values: tuple[str, ...] = ()
    max_length: int = DEFAULT_MAX_TEXT


@dataclass(frozen=True, slots=True)
class FactDef:
    """The declaration of one fact."""

    id: str
    label: str
    type: FactType
    document: str
    unit: str | None = None
    units: Mapping[str, float] = field(default_factory=dict)
    #: a unit whose scale does not start at the canonical unit's zero: ``value * factor + offset``
    #: (HbA1c in IFCC mmol/mol -> NGSP %: x 0.09148 + 2.152); most units have none
    offsets: Mapping[str, float] = field(default_factory=dict)
    range: tuple[float, float] | None = None
    values: Mapping[str, CategoryValue] = field(default_factory=dict)
    fields: Mapping[str, FieldDef] = field(default_factory=dict)
    codes: tuple[Code, ...] = ()
    derived_by: str | None = None
    may_give: bool = True
    question: str = ""
    text_form: str | None = None  # a text notation the fact also accepts ("iscn": a karyotype)
    pack: str = ""  # the pack that declares the fact ("" for the core)
    names: tuple[str, ...] = ()  # words questions, notes and FHIR code texts name the fact by
    #: further texts an EHR's Observation.code may carry for the fact (FHIR intake only; they win over
    #: another fact's label or name, e.g. "IPSS-R cytogenetic risk" is the cytogenetic risk, not IPSS-R)
    fhir_texts: tuple[str, ...] = ()
    #: a past event (a myocardial infarction, a stroke): an inactive, resolved or in-remission FHIR
    #: Condition still documents it (FHIR intake only); other conditions count only while active
    fhir_history: bool = False
    #: a relative's condition counts (a family history of medullary thyroid carcinoma): a FHIR
    #: FamilyMemberHistory documents it (FHIR intake only)
    fhir_family: bool = False
    #: words that, right before one of ``names``, make it another condition ("heat" stroke, "Ludwig's"
    #: angina, "neurogenic" claudication): the text intake does not read the name there
    not_after: tuple[str, ...] = ()
    max_items: int = DEFAULT_MAX_ITEMS  # events facts: at most this many events
    #: codes that name a number fact's value as a range (ICD-10-CM Z68.xx: the BMI), read from a diagnosis code in
    #: a case file, a question or a FHIR Condition (mednec.facts.icd10.code_ranges)
    code_ranges: tuple[CodeRange, ...] = ()

    def convert(self, value: float, unit: str | None, *, path: str) -> float:
        """Convert ``value`` in ``unit`` to the canonical unit (a bare number is canonical)."""
        if unit is None or self.unit is None:
            return value
        factor, offset = self.scale(unit, path=path)
        return value * factor + offset if offset else value * factor

    def scale(self, unit: str, *, path: str) -> tuple[float, float]:
        """(factor, offset) from ``unit`` to the canonical unit: canonical = value * factor + offset."""
        factor = self._unit_factors().get(normalize_unit(unit))
        if factor is None:
            accepted = ", ".join(sorted(self.units))
            raise UnitError(
                f"unit {unit!r} is not accepted for {self.label}; use one of: {accepted}",
                field=path,
            )
        return factor, (_factor_table(tuple(self.offsets.items())).get(normalize_unit(unit), 0.0) if self.offsets else 0.0)

    def _unit_factors(self) -> Mapping[str, float]:
        return _factor_table(tuple(self.units.items()))

    def accepts_unit(self, unit: str) -> bool:
        """True when ``unit`` converts to this fact's canonical unit."""
        return normalize_unit(unit) in self._unit_factors()

    def category_key(self, raw: str) -> str | None:
        """The canonical key of a category value given by key, label or synonym."""
        if raw in self.values:
            return raw
        return _folded_values(self).get(_fold(raw))


def _fold(text: str) -> str:
    return text.strip().lower().replace("-", "_").replace(" ", "_")


#: Each category fact's values by their folded key, label and synonyms (the first value in the dictionary's order
#: that any of them folds to: what a scan of the values finds first), built once per fact definition; keyed by id,
#: the definition kept beside its map so that the id is never reused while the map is.
_FOLDED: dict[int, tuple[FactDef, dict[str, str]]] = {}


def _folded_values(fd: FactDef) -> dict[str, str]:
    got = _FOLDED.get(id(fd))
    if got is not None and got[0] is fd:
        return got[1]
    table: dict[str, str] = {}
    for key, cv in fd.values.items():
        for text in (key, cv.label, *cv.synonyms):
            table.setdefault(_fold(text), key)
    _FOLDED[id(fd)] = (fd, table)
    return table


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
    #: a pack's own wording of core documents, by pack id
    pack_documents: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: each pack's facts.yaml version, by pack id
    pack_versions: Mapping[str, str] = field(default_factory=dict)

    def get(self, fact_id: str, *, path: str | None = None) -> FactDef:
        """The fact ``fact_id``; an unknown id raises with the nearest declared names."""
        try:
            return self.facts[fact_id]
        except KeyError:
            raise UnknownFactError(self.unknown_message(fact_id), field=path or fact_id) from None

    def unknown_message(self, fact_id: str) -> str:
        """Message for an undeclared fact id, suggesting the nearest names."""
        near = difflib.get_close_matches(fact_id, list(self.facts), n=3, cutoff=0.5) if len(fact_id) <= 80 else []
        hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
        return f"unknown fact {excerpt(repr(fact_id))}{hint} (see `mednec facts` for the list)"

    def document_text(self, doc_id: str, pack: str | None = None) -> str:
        """The human description of a document id (in ``pack``'s wording, when it has one)."""
        if pack is not None:
            own = self.pack_documents.get(pack, {}).get(doc_id)
            if own is not None:
                return own
        return self.documents.get(doc_id, doc_id)


def _codes(raw: Any) -> tuple[Code, ...]:
    return tuple(
        Code(
            system=str(c["system"]),
            code=str(c["code"]),
            display=str(c.get("display", "")),
            status=str(c.get("status", "confirmed")),
            source=str(c.get("source", "")),
        )
        for c in (raw or [])
    )


def _parse_fact(fid: str, raw: Mapping[str, Any], documents: Mapping[str, str], pack: str = "") -> FactDef:
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
            pack=str(v.get("pack", "")) if isinstance(v, Mapping) else "",
        )
        for k, v in (raw.get("values") or {}).items()
    }
    if ftype == "category" and not values and not raw.get("extensible"):
        raise ConfigError("a category fact needs values", field=f"facts.{fid}.values")
    unit = raw.get("unit")
    if ftype == "number" and not unit:
        raise ConfigError("a number fact needs a canonical unit", field=f"facts.{fid}.unit")
    # a unit is a factor, or {factor, offset} for an affine scale (HbA1c mmol/mol -> %)
    raw_units = raw.get("units") or {}
    units = {str(k): float(v["factor"] if isinstance(v, Mapping) else v) for k, v in raw_units.items()}
    offsets = {str(k): float(v.get("offset", 0.0)) for k, v in raw_units.items() if isinstance(v, Mapping)}
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
            max_length=_positive(spec.get("max_length", DEFAULT_MAX_TEXT), f"facts.{fid}.fields.{name}.max_length"),
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
        offsets=offsets,
        range=(float(rng[0]), float(rng[1])) if rng else None,
        values=values,
        fields=fields,
        codes=_codes(raw.get("codes")),
        derived_by=raw.get("derived_by"),
        may_give=bool(raw.get("may_give", raw.get("derived_by") is None)),
        question=str(raw.get("question", "")),
        text_form=_text_form(fid, raw.get("text_form")),
        pack=pack,
        names=_names(fid, raw.get("names")),
        fhir_texts=_names(fid, raw.get("fhir_texts"), "fhir_texts"),
        fhir_history=_flag(fid, raw.get("fhir_history", False), "fhir_history"),
        fhir_family=_flag(fid, raw.get("fhir_family", False), "fhir_family"),
        not_after=_names(fid, raw.get("not_after"), "not_after"),
        max_items=_positive(raw.get("max_items", DEFAULT_MAX_ITEMS), f"facts.{fid}.max_items"),
        code_ranges=_code_ranges(fid, ftype, raw.get("code_ranges"), (float(rng[0]), float(rng[1])) if rng else None),
    )


def _code_ranges(fid: str, ftype: str, raw: Any, rng: tuple[float, float] | None) -> tuple[CodeRange, ...]:
    """``code_ranges``: each a code (as under ``codes``) with ``between: [low, high]`` (null: the fact's range end)."""
    if not raw:
        return ()
    if ftype != "number" or not isinstance(raw, list):
        raise ConfigError("code_ranges is a list of codes with 'between' on a number fact", field=f"facts.{fid}.code_ranges")
    out = []
    lo, hi = rng or (-math.inf, math.inf)
    for i, c in enumerate(raw):
        between = c.get("between") if isinstance(c, Mapping) else None
        if not isinstance(between, list) or len(between) != 2:
            raise ConfigError("needs between: [low, high]", field=f"facts.{fid}.code_ranges[{i}]")
        low = lo if between[0] is None else float(between[0])
        high = hi if between[1] is None else float(between[1])
        if low > high:
            raise ConfigError("between: low is above high", field=f"facts.{fid}.code_ranges[{i}]")
        out.append(CodeRange(_codes([{k: v for k, v in c.items() if k != "between"}])[0], low, high))
    return tuple(out)


def _flag(fid: str, raw: Any, key: str) -> bool:
    if not isinstance(raw, bool):
        raise ConfigError(f"{key} must be true or false", field=f"facts.{fid}.{key}")
    return raw


def _positive(raw: Any, where: str) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or raw < 1:
        raise ConfigError("must be a positive whole number", field=where)
    return raw


def _names(fid: str, raw: Any, key: str = "names") -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(n, str) and n.strip() for n in raw):
        raise ConfigError(f"{key} must be a list of words", field=f"facts.{fid}.{key}")
    return tuple(raw)


_PACK_KEYS = ("version", "documents", "facts", "extends", "contradictions")


def _mapping(raw: Any, where: str) -> Mapping[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"expected a mapping, got {type(raw).__name__}", field=where)
    return raw


TEXT_FORMS = ("iscn", "icd10")


def _text_form(fid: str, raw: Any) -> str | None:
    if raw is None:
        return None
    if raw not in TEXT_FORMS:
        raise ConfigError(f"text_form must be one of {', '.join(TEXT_FORMS)}", field=f"facts.{fid}.text_form")
    return str(raw)


def parse_dictionary(
    data: Mapping[str, Any], packs: Sequence[tuple[str, Mapping[str, Any]]] = ()
) -> FactDictionary:
    """Build a :class:`FactDictionary` from the core mapping and each pack's ``(id, mapping)``."""
    documents = {str(k): str(v) for k, v in _mapping(data.get("documents"), "documents").items()}
    raw_facts: dict[str, tuple[str, dict[str, Any]]] = {
        str(fid): ("", dict(raw)) for fid, raw in _mapping(data.get("facts"), "facts").items()
    }
    raw_contradictions: list[tuple[str, Any]] = [("", c) for c in data.get("contradictions") or []]
    pack_documents: dict[str, dict[str, str]] = {}
    pack_versions: dict[str, str] = {}
    doc_origin = {d: "" for d in documents}
    for pack, pdata in packs:
        where = f"{pack}/facts.yaml"
        strict_mapping(_mapping(pdata, where), _PACK_KEYS, field=where)
        pack_versions[pack] = str(pdata.get("version", ""))
        for k, v in _mapping(pdata.get("documents"), f"{where}:documents").items():
            doc, text = str(k), str(v)
            if doc not in documents:
                documents[doc], doc_origin[doc] = text, pack
            elif doc_origin[doc] == "":
                pack_documents.setdefault(pack, {})[doc] = text  # the pack's wording of a core document
            elif documents[doc] != text:
                raise ConfigError(f"document {doc!r} is declared differently by pack {doc_origin[doc]!r}",
                                  field=f"{where}:documents.{doc}")
        for fid, raw in _mapping(pdata.get("facts"), f"{where}:facts").items():
            if str(fid) in raw_facts:
                owner = raw_facts[str(fid)][0] or "the core dictionary"
                raise ConfigError(f"fact {fid!r} is already declared by {owner}", field=f"{where}:facts.{fid}")
            raw_facts[str(fid)] = (pack, dict(raw))
        for fid, ext in _mapping(pdata.get("extends"), f"{where}:extends").items():
            if str(fid) not in raw_facts:
                raise ConfigError(f"extends unknown fact {fid!r}", field=f"{where}:extends.{fid}")
            ext_m = _mapping(ext, f"{where}:extends.{fid}")
            if set(ext_m) - {"values"}:
                raise ConfigError("a pack may only add values to a core fact", field=f"{where}:extends.{fid}")
            owner, base = raw_facts[str(fid)]
            values = dict(_mapping(base.get("values"), f"facts.{fid}.values"))
            for key, val in _mapping(ext_m.get("values"), f"{where}:extends.{fid}.values").items():
                if key in values:
                    raise ConfigError(f"{fid} already has the value {key!r}", field=f"{where}:extends.{fid}.values")
                values[key] = {**_mapping(val, f"{where}:extends.{fid}.values.{key}"), "pack": pack}
            raw_facts[str(fid)] = (owner, {**base, "values": values})
        raw_contradictions += [(pack, c) for c in pdata.get("contradictions") or []]
    facts = {
        fid: _parse_fact(fid, raw, documents, owner) for fid, (owner, raw) in raw_facts.items()
    }
    contradictions = []
    for i, (owner, c) in enumerate(raw_contradictions):
        for side in ("when", "conflicts"):
            for fid in c[side]:
                if fid not in facts:
                    where = f"{owner}/facts.yaml:contradictions" if owner else "contradictions"
                    raise ConfigError(f"unknown fact {fid!r}", field=f"{where}[{i}].{side}")
        contradictions.append(
            Contradiction(when=dict(c["when"]), conflicts=dict(c["conflicts"]), message=c["message"])
        )
    return FactDictionary(
        version=str(data.get("version", "")),
        facts=facts,
        documents=documents,
        contradictions=tuple(contradictions),
        pack_documents=pack_documents,
        pack_versions=pack_versions,
    )


def _read(path: Path) -> Any:
    """A pack's facts file (packs may come from users: no anchors or aliases, see yaml_loader)."""
    try:
        return load_user_yaml(path.read_text("utf-8"), SafeLoader, field=path.name)
    except InputError as exc:
        raise ConfigError(exc.message, field=f"{path}: {exc.field}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {getattr(exc, 'problem', exc)}", field=str(path)) from None


def pack_fact_files(packs_dir: PacksDir = None) -> list[tuple[str, Path]]:
    """``(pack id, facts.yaml)`` of every pack folder (one with a ``pack.yaml``), in folder order."""
    out = []
    for folder in pack_folders(packs_dir):
        facts = folder / "facts.yaml"
        if facts.is_file():
            meta = _mapping(_read(folder / "pack.yaml"), str(folder / "pack.yaml"))
            out.append((str(meta.get("id") or folder.name), facts))
    return out


def load_dictionary(packs_dir: PacksDir = None) -> FactDictionary:
    """The core fact dictionary with the facts of every pack under ``packs_dir`` (default: the
    packs shipped in the package)."""
    text = resources.files("mednec.facts").joinpath("dictionary.yaml").read_text("utf-8")
    core = yaml.load(text, Loader=SafeLoader)  # noqa: S506 (safe loader)
    packs = [(pid, _mapping(_read(path), str(path))) for pid, path in pack_fact_files(packs_dir)]
    return parse_dictionary(core, packs)
