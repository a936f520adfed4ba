"""The policy file format (YAML), read into plain frozen dataclasses with path-aware errors.

A policy file holds one drug's policy. Its criteria are trees of nodes; a node is exactly
one of:

* ``all_of: [node, ...]`` -- every child must be met;
* ``any_of: [node, ...]`` -- at least one child must be met;
* ``not: node``;
* a leaf test on one fact: ``fact: <id>`` with one operator -- ``is: true|false``,
  ``eq: v``, ``in: [..]``, ``not_in: [..]``, ``lt/le/gt/ge: n`` (with optional ``unit``), or
  ``known: true|false`` -- whether the fact is documented at all. ``known`` is never
  unknown itself; use it for fallbacks ("IPSS when no IPSS-R is documented").

A node with an ``id`` is a *criterion*: it is reported with its status, needs ``text`` and
at least one ``cite``, and may name the ``documentation`` that establishes it (by default,
the documents of the facts it reads) and say ``if_unmet`` what would change the answer.

**Undocumented facts.** A leaf may say how an undocumented fact is handled (see
:mod:`mednec.policies.handling`): *required* (the default: unknown, and requested),
``presume: {attest, why, unless, cite}`` (met unless the case states otherwise or a warning
sign in ``unless`` is documented; the answer lists the statement the request must attest), or
``infer: [{when, value | between, because}]`` (the first rule whose ``when`` is met gives the
value, shown as "inferred from ...").

**A stated absence.** A criterion (an ``all_of`` / ``any_of`` / ``not``) may say
``stated_absent: {fact: ascvd_stated, is: false}``: when that leaf is met (the record states the condition is
absent) and the criterion is otherwise unknown, the criterion is not met; a documented finding that meets it
still does (the finding wins over the summary word). Compiled from the other node kinds
(:func:`mednec.policies.compile.close_when_stated_absent`), so every engine reads it.

**Parameters and variants.** A policy may declare ``parameters`` (a threshold, a duration, a
required step, a list), each with its default ``value``, ``unit``, ``text`` and ``cite``; a
leaf's operand (``ge: {param: ldl_min_ascvd}``), an authorisation period
(``months: {param: initial_months}``) or a criterion's ``enabled_by: <boolean parameter>``
(off: the criterion is not required and counts as met, saying so) refers to one; a pathway's
``enabled_by`` (off: the pathway is not offered, e.g. an off-label pathway a payer does not
cover) too. A *variant*
(``variants: [{id, name, payer, document, url, seen, cite, values: {param: value}}]``) is a
named parameter set modelling a public payer policy; each variant compiles to its own policy.

The reader is hand-written rather than pydantic so that `mednec evaluate` starts fast;
every error names its place in the file (``pathways[1].criteria[0].any_of[2]: ...``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, NamedTuple

from mednec.errors import ConfigError
from mednec.policies.handling import InferModel, PresumeModel, parse_infer, parse_presume
from mednec.yaml_loader import strict_mapping

__all__ = [
    "LEAF_OPS",
    "ParamRef",
    "ParameterModel",
    "VariantModel",
    "AuthorizationModel",
    "ConditionModel",
    "ContinuationModel",
    "DosingModel",
    "DrugModel",
    "NodeModel",
    "PathwayModel",
    "PolicyModel",
    "parse_policy",
]

LEAF_OPS = ("is", "eq", "in", "not_in", "lt", "le", "gt", "ge", "known", "tried")
_NODE_META = ("id", "text", "cite", "documentation", "if_unmet", "note", "enabled_by", "presume", "infer",
              "stated_absent")
_NODE_KINDS = ("all_of", "any_of", "not", "fact")


class _Reader:
    """Typed access to one mapping, naming the path in every error."""

    def __init__(self, raw: Any, path: str, allowed: tuple[str, ...]) -> None:
        if not isinstance(raw, Mapping):
            strict_mapping(raw, allowed, field=path or "policy")  # raises: not a mapping
        strict_mapping(raw, allowed, field=path, at_key=True)
        self.raw, self.path = raw, path

    def at(self, key: str) -> str:
        return _join(self.path, key)

    def has(self, key: str) -> bool:
        return self.raw.get(key) is not None

    def text(self, key: str, default: str | None = None) -> str:
        v = self.raw.get(key, default)
        if v is None:
            raise ConfigError("is required", field=self.at(key))
        if isinstance(v, bool) or not isinstance(v, str | int | float):
            raise ConfigError(f"expected text, got {v!r}", field=self.at(key))
        return str(v)

    def opt_text(self, key: str) -> str | None:
        return self.text(key) if self.has(key) else None

    def whole(self, key: str, default: int | None = None, lo: int = 0, hi: int = 10**6) -> int:
        v = self.raw.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int):
            raise ConfigError(f"expected a whole number, got {v!r}", field=self.at(key))
        if not lo <= v <= hi:
            raise ConfigError(f"must be between {lo} and {hi}", field=self.at(key))
        return v

    def opt_num(self, key: str) -> float | None:
        v = self.raw.get(key)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ConfigError(f"expected a number, got {v!r}", field=self.at(key))
        return float(v)

    def seq(self, key: str, *, required: bool = False) -> list[Any]:
        v = self.raw.get(key)
        if v is None:
            if required:
                raise ConfigError("is required (a non-empty list)", field=self.at(key))
            return []
        if not isinstance(v, list):
            raise ConfigError(f"expected a list, got {type(v).__name__}", field=self.at(key))
        if required and not v:
            raise ConfigError("must not be empty", field=self.at(key))
        return v

    def texts(self, key: str) -> tuple[str, ...]:
        return tuple(str(x) for x in self.seq(key))

    def date(self, key: str) -> dt.date:
        v = self.raw.get(key)
        if isinstance(v, dt.date):
            return v
        try:
            return dt.date.fromisoformat(str(v))
        except ValueError:
            raise ConfigError(f"expected a date YYYY-MM-DD, got {v!r}", field=self.at(key)) from None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class ParamRef(NamedTuple):
    """A reference to a policy parameter (``{param: name}`` in the YAML)."""

    name: str
    path: str


def _param_ref(raw: Any, path: str) -> ParamRef | None:
    """``{param: name}`` -> ParamRef; anything else -> None."""
    if isinstance(raw, Mapping) and "param" in raw:
        extra = sorted(set(map(str, raw)) - {"param"})
        if extra or not isinstance(raw["param"], str):
            raise ConfigError("a parameter reference is {param: <name>}", field=path)
        return ParamRef(str(raw["param"]), path)
    return None


class NodeModel(NamedTuple):
    """One node of a criteria tree, as written."""

    path: str
    id: str | None
    text: str | None
    cite: tuple[str, ...]
    documentation: tuple[str, ...]
    if_unmet: str | None
    note: str | None
    kind: str  # all_of | any_of | not | leaf
    children: tuple[NodeModel, ...] = ()
    fact: str | None = None
    op: str | None = None
    operand: Any = None  # a value, or a ParamRef
    unit: str | None = None
    enabled_by: str | None = None  # a boolean parameter: off -> not required
    presume: PresumeModel | None = None  # met when undocumented, unless a warning sign shows
    infer: tuple[InferModel, ...] = ()  # rules deriving the fact when undocumented
    stated_absent: NodeModel | None = None  # a criterion's "stated absent" leaf: met -> unknown becomes not met


def parse_node(raw: Any, path: str) -> NodeModel:
    """Read one node (recursively)."""
    r = _Reader(raw, path, (*_NODE_META, *_NODE_KINDS, *LEAF_OPS, "unit"))
    kinds = [k for k in _NODE_KINDS if r.has(k)]
    if len(kinds) != 1:
        raise ConfigError(
            "a node must be exactly one of all_of, any_of, not, or a leaf with fact "
            f"(found {', '.join(kinds) or 'none'})",
            field=path,
        )
    meta = _node_meta(r, path)
    ops = [op for op in LEAF_OPS if op in r.raw and r.raw[op] is not None]
    kind = kinds[0]
    if kind != "fact":
        if ops or r.has("unit"):
            raise ConfigError("operators and unit belong on a leaf with fact", field=path)
        if kind == "not":
            return NodeModel(kind="not", children=(parse_node(r.raw["not"], r.at("not")),), **meta)
        items = r.seq(kind, required=True)
        children = tuple(parse_node(c, f"{r.at(kind)}[{i}]") for i, c in enumerate(items))
        return NodeModel(kind=kind, children=children, **meta)
    if len(ops) != 1:
        raise ConfigError(
            f"a leaf on fact {r.raw['fact']!r} needs exactly one operator of {', '.join(LEAF_OPS)} "
            f"(found {', '.join(ops) or 'none'})",
            field=path,
        )
    return _leaf_node(r, ops[0], meta, path)


def _node_meta(r: _Reader, path: str) -> dict[str, Any]:
    """A node's id, text, citations and the rest, and its presume / infer declarations."""
    meta: dict[str, Any] = {
        "path": path,
        "id": r.opt_text("id"),
        "text": r.opt_text("text"),
        "cite": r.texts("cite"),
        "documentation": r.texts("documentation"),
        "if_unmet": r.opt_text("if_unmet"),
        "note": r.opt_text("note"),
        "enabled_by": r.opt_text("enabled_by"),
    }
    if r.has("presume") or r.has("infer"):
        if "fact" not in r.raw:
            raise ConfigError("presume and infer belong on a leaf test of one fact", field=path)
        if r.has("presume"):
            meta["presume"] = parse_presume(r.raw["presume"], r.at("presume"), parse_node)
        if r.has("infer"):
            meta["infer"] = parse_infer(r.raw["infer"], r.at("infer"), parse_node)
    if meta["enabled_by"] is not None and meta["id"] is None:
        raise ConfigError("enabled_by belongs on a criterion (a node with an id)", field=path)
    if r.has("stated_absent"):
        if meta["id"] is None or "fact" in r.raw:
            raise ConfigError("stated_absent belongs on a criterion (a node with an id) that is all_of, any_of or not",
                              field=path)
        meta["stated_absent"] = absent = parse_node(r.raw["stated_absent"], r.at("stated_absent"))
        if absent.kind != "leaf" or absent.op in ("known", "tried") or absent.presume or absent.infer:
            raise ConfigError("stated_absent takes one plain leaf test (fact and is / eq / in)",
                              field=r.at("stated_absent"))
    if meta["id"] is not None and not meta["text"]:
        raise ConfigError(f"criterion {meta['id']!r} needs text", field=path)
    return meta


def _leaf_node(r: _Reader, op: str, meta: dict[str, Any], path: str) -> NodeModel:
    """A leaf: one fact, one operator and its operand (a value, or a parameter)."""
    operand = r.raw[op]
    if op == "tried":  # step therapy over the treatment history (mednec.policies.steps), compiled later
        if not isinstance(operand, Mapping):
            raise ConfigError("'tried' takes a mapping (drugs or class, min_weeks, min_dose, intensity, outcome, "
                              "count)", field=r.at(op))
        if meta.get("presume") is not None or meta.get("infer"):
            raise ConfigError("presume and infer do not apply to a 'tried' leaf", field=path)
        return NodeModel(kind="leaf", fact=r.text("fact"), op=op, operand=dict(operand), unit=None, **meta)
    ref = _param_ref(operand, r.at(op))
    if ref is not None:
        if op == "known":
            raise ConfigError("'known' takes true or false, not a parameter", field=r.at(op))
        return NodeModel(kind="leaf", fact=r.text("fact"), op=op, operand=ref, unit=r.opt_text("unit"), **meta)
    if op in ("is", "known") and not isinstance(operand, bool):
        raise ConfigError(f"'{op}' takes true or false, got {operand!r}", field=r.at(op))
    if op in ("in", "not_in") and not isinstance(operand, list):
        raise ConfigError(f"'{op}' takes a list, got {operand!r}", field=r.at(op))
    if op in ("lt", "le", "gt", "ge"):
        operand = r.opt_num(op)
    return NodeModel(kind="leaf", fact=r.text("fact"), op=op, operand=operand, unit=r.opt_text("unit"), **meta)


class AuthorizationModel(NamedTuple):
    """How long an approval lasts, and why (a period may be a parameter)."""

    weeks: int | ParamRef | None
    months: int | ParamRef | None
    cite: tuple[str, ...]
    note: str


def _auth(raw: Any, path: str) -> AuthorizationModel:
    r = _Reader(raw, path, ("weeks", "months", "cite", "note"))
    if r.has("weeks") == r.has("months"):
        raise ConfigError("give exactly one of weeks or months", field=path)

    def period(key: str, hi: int) -> int | ParamRef | None:
        if not r.has(key):
            return None
        return _param_ref(r.raw[key], r.at(key)) or r.whole(key, lo=1, hi=hi)

    return AuthorizationModel(
        weeks=period("weeks", 520),
        months=period("months", 120),
        cite=r.texts("cite"),
        note=r.opt_text("note") or "",
    )


class ParameterModel(NamedTuple):
    """A policy parameter: its default value, unit, meaning and source."""

    id: str
    value: Any
    unit: str | None
    text: str
    cite: tuple[str, ...]
    path: str


class VariantModel(NamedTuple):
    """A named parameter set modelling a public payer policy."""

    id: str
    name: str
    payer: str
    document: str
    url: str
    seen: dt.date
    cite: tuple[str, ...]
    values: Mapping[str, Any]
    note: str
    path: str


def _parameter_value(raw: Any, path: str) -> Any:
    if isinstance(raw, bool | int | float | str):
        return raw
    if isinstance(raw, list) and all(isinstance(x, str | int | float) and not isinstance(x, bool) for x in raw):
        return tuple(raw)
    raise ConfigError(f"a parameter value is a number, true/false, text or a list, got {raw!r}", field=path)


def _parameters(raw: Any) -> tuple[ParameterModel, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise ConfigError("expected a mapping of parameter id to {value, unit, text, cite}", field="parameters")
    out = []
    for pid, spec in raw.items():
        path = f"parameters.{pid}"
        r = _Reader(spec, path, ("value", "unit", "text", "cite"))
        if "value" not in r.raw:
            raise ConfigError("is required", field=r.at("value"))
        out.append(ParameterModel(
            id=str(pid), value=_parameter_value(r.raw["value"], r.at("value")), unit=r.opt_text("unit"),
            text=r.text("text"), cite=r.texts("cite"), path=path,
        ))
    return tuple(out)


def _variants(raw: Any) -> tuple[VariantModel, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ConfigError("expected a list of variants", field="variants")
    out = []
    for i, spec in enumerate(raw):
        path = f"variants[{i}]"
        r = _Reader(spec, path, ("id", "name", "payer", "document", "url", "seen", "cite", "values", "note"))
        values = r.raw.get("values") or {}
        if not isinstance(values, Mapping):
            raise ConfigError("expected a mapping of parameter id to value", field=r.at("values"))
        out.append(VariantModel(
            id=r.text("id"), name=r.text("name"), payer=r.text("payer"), document=r.text("document"),
            url=r.text("url", ""), seen=r.date("seen"), cite=r.texts("cite"),
            values={str(k): v for k, v in values.items()}, note=r.text("note", ""), path=path,
        ))
    return tuple(out)


class PathwayModel(NamedTuple):
    """One route to approval (e.g. first-line in ESA-naive patients)."""

    id: str
    name: str
    line: int
    description: str
    cite: tuple[str, ...]
    criteria: tuple[NodeModel, ...]
    enabled_by: str | None = None  # a boolean parameter: off -> the pathway is not offered
    initial_authorization: AuthorizationModel | None = None  # None: the policy's initial period


class ContinuationModel(NamedTuple):
    """Re-authorisation criteria."""

    description: str
    criteria: tuple[NodeModel, ...]
    authorization: AuthorizationModel
    stop_rule: str
    stop_cite: tuple[str, ...]


class DosingModel(NamedTuple):
    """One dosing rule (start dose, titration, maximum, interval, hold rule)."""

    id: str
    text: str
    cite: tuple[str, ...]
    max_dose: float | None = None
    unit: str | None = None
    min_interval_days: int | None = None


class DrugModel(NamedTuple):
    """The drug a policy covers."""

    generic: str
    names: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    rxnorm: tuple[str, ...] = ()
    hcpcs: tuple[Mapping[str, str], ...] = ()
    drug_class: str = ""
    mechanism: str = ""
    mechanism_cite: tuple[str, ...] = ()
    regulatory: tuple[Mapping[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "generic": self.generic, "names": list(self.names), "brands": list(self.brands),
            "rxnorm": list(self.rxnorm), "hcpcs": [dict(h) for h in self.hcpcs],
            "drug_class": self.drug_class, "mechanism": self.mechanism,
            "mechanism_cite": list(self.mechanism_cite),
            "regulatory": [
                {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in r.items()}
                for r in self.regulatory
            ],
        }


class ConditionModel(NamedTuple):
    """A covered condition."""

    system: str
    code: str
    display: str = ""


class PolicyModel(NamedTuple):
    """A whole policy file."""

    id: str
    version: str
    effective_date: dt.date
    title: str
    drug: DrugModel
    conditions: tuple[ConditionModel, ...]
    label_status: str
    common: tuple[NodeModel, ...]
    pathways: tuple[PathwayModel, ...]
    initial_authorization: AuthorizationModel
    continuation: ContinuationModel | None
    dosing: tuple[DosingModel, ...]
    sequence_note: str
    sequence_cite: tuple[str, ...]
    notes: tuple[str, ...] = ()
    changes: tuple[str, ...] = ()
    parameters: tuple[ParameterModel, ...] = ()
    variants: tuple[VariantModel, ...] = ()


def _criteria(r: _Reader, key: str, *, required: bool) -> tuple[NodeModel, ...]:
    return tuple(parse_node(c, f"{r.at(key)}[{i}]") for i, c in enumerate(r.seq(key, required=required)))


def _drug(raw: Any) -> DrugModel:
    r = _Reader(raw, "drug", ("generic", "names", "brands", "rxnorm", "hcpcs", "drug_class",
                              "mechanism", "mechanism_cite", "regulatory"))
    for i, h in enumerate(r.seq("hcpcs")):
        _Reader(h, f"drug.hcpcs[{i}]", ("code", "text"))
    for i, reg in enumerate(r.seq("regulatory")):
        _Reader(reg, f"drug.regulatory[{i}]", ("date", "text", "cite"))
    return DrugModel(
        generic=r.text("generic"), names=r.texts("names"), brands=r.texts("brands"), rxnorm=r.texts("rxnorm"),
        hcpcs=tuple(r.seq("hcpcs")), drug_class=r.text("drug_class", ""), mechanism=r.text("mechanism", ""),
        mechanism_cite=r.texts("mechanism_cite"), regulatory=tuple(r.seq("regulatory")),
    )


def parse_policy(raw: Any) -> PolicyModel:
    """Read a whole policy mapping; raises :class:`ConfigError` naming the first bad field."""
    r = _Reader(raw, "", PolicyModel._fields)
    pathways = []
    for i, p in enumerate(r.seq("pathways", required=True)):
        path = f"pathways[{i}]"
        pr = _Reader(p, path, ("id", "name", "line", "description", "cite", "criteria", "enabled_by",
                               "initial_authorization"))
        pathways.append(PathwayModel(
            id=pr.text("id"), name=pr.text("name"), line=pr.whole("line", 1, lo=1, hi=5),
            description=pr.text("description", ""), cite=pr.texts("cite"),
            criteria=_criteria(pr, "criteria", required=True), enabled_by=pr.opt_text("enabled_by"),
            initial_authorization=(_auth(pr.raw["initial_authorization"], pr.at("initial_authorization"))
                                   if pr.has("initial_authorization") else None),
        ))
    continuation = None
    if r.has("continuation"):
        cr = _Reader(r.raw["continuation"], "continuation",
                     ("description", "criteria", "authorization", "stop_rule", "stop_cite"))
        continuation = ContinuationModel(
            description=cr.text("description", ""), criteria=_criteria(cr, "criteria", required=True),
            authorization=_auth(cr.raw.get("authorization"), "continuation.authorization"),
            stop_rule=cr.text("stop_rule", ""), stop_cite=cr.texts("stop_cite"),
        )
    dosing = []
    for i, d in enumerate(r.seq("dosing")):
        dr = _Reader(d, f"dosing[{i}]", ("id", "text", "cite", "max_dose", "unit", "min_interval_days"))
        dosing.append(DosingModel(
            id=dr.text("id"), text=dr.text("text"), cite=dr.texts("cite"), max_dose=dr.opt_num("max_dose"),
            unit=dr.opt_text("unit"),
            min_interval_days=dr.whole("min_interval_days", lo=1, hi=365) if dr.has("min_interval_days") else None,
        ))
    conditions = []
    for i, c in enumerate(r.seq("conditions", required=True)):
        cr2 = _Reader(c, f"conditions[{i}]", ("system", "code", "display"))
        conditions.append(ConditionModel(cr2.text("system"), cr2.text("code"), cr2.text("display", "")))
    return PolicyModel(
        id=r.text("id"),
        version=r.text("version"),
        effective_date=r.date("effective_date"),
        title=r.text("title"),
        drug=_drug(r.raw.get("drug")),
        conditions=tuple(conditions),
        label_status=r.text("label_status", ""),
        common=_criteria(r, "common", required=False),
        pathways=tuple(pathways),
        initial_authorization=_auth(r.raw.get("initial_authorization"), "initial_authorization"),
        continuation=continuation,
        dosing=tuple(dosing),
        sequence_note=r.text("sequence_note", ""),
        sequence_cite=r.texts("sequence_cite"),
        notes=r.texts("notes"),
        changes=r.texts("changes"),
        parameters=_parameters(r.raw.get("parameters")),
        variants=_variants(r.raw.get("variants")),
    )
