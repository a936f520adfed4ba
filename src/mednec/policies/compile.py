"""Compile a policy file (schema models) into evaluable trees, checking it against the
fact dictionary and the reference library as it goes.

Parameters are resolved here: a variant compiles with its own values in place of the
defaults, so an evaluation never looks a parameter up.

Problems are collected, not raised one at a time, so ``mednec policies check`` can list
every problem in a policy at once. Each problem names the place in the file
(``pathways[0].criteria[2].any_of[1]``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, TypedDict, cast

from mednec.errors import ConfigError
from mednec.facts.dictionary import FactDef, FactDictionary
from mednec.facts.factset import Datum, Values
from mednec.facts.partial import Between, OneOf
from mednec.policies.handling import InferModel, PresumeModel
from mednec.policies.model import (
    Authorization,
    CheckFn,
    Continuation,
    DosingRule,
    Inference,
    Node,
    Operand,
    Parameter,
    Pathway,
    Policy,
    Presumption,
    RunFn,
    Tree,
    Variant,
)
from mednec.policies.references import Citation, Reference, parse_citation
from mednec.policies.schema import AuthorizationModel, NodeModel, ParamRef, PolicyModel, VariantModel
from mednec.policies.steps import COURSES, Step, evaluate_step, parse_step
from mednec.tri import Tri, all_of, any_of, negation

__all__ = ["compile_policy", "compile_tree", "compile_with_variants", "fallback_used", "warning_signs"]

MET, NOT_MET, UNKNOWN = Tri.MET, Tri.NOT_MET, Tri.UNKNOWN
_OP_WORDS = {"lt": "<", "le": "≤", "gt": ">", "ge": "≥"}

#: a leaf's test of a documented value (the fact's value, or one possibility of a partial one)
Predicate = Callable[[Datum], bool]
#: :func:`_check`'s closures: tri.py's connectives call every child with a second argument
_Check2 = Callable[[Values, None], Tri]


class _Ctx:
    def __init__(self, dictionary: FactDictionary, references: Mapping[str, Reference],
                 parameters: Mapping[str, Parameter] | None = None) -> None:
        self.dictionary = dictionary
        self.references = references
        self.problems: list[ConfigError] = []
        self.parameters: Mapping[str, Parameter] = parameters or {}
        self.used: set[str] = set()

    def param(self, ref: ParamRef, kinds: tuple[type, ...], what: str) -> Parameter | None:
        """The parameter ``ref`` names, checked to be of one of ``kinds``."""
        p = self.parameters.get(ref.name)
        if p is None:
            self.problem(ref.path, f"unknown parameter {ref.name!r} (declared: {', '.join(self.parameters) or 'none'})")
            return None
        self.used.add(ref.name)
        ok = isinstance(p.value, kinds) and not (isinstance(p.value, bool) and bool not in kinds)
        if not ok:
            self.problem(ref.path, f"parameter {ref.name!r} is {p.value!r}; {what}")
            return None
        return p

    def problem(self, where: str, message: str) -> None:
        self.problems.append(ConfigError(message, field=where))

    def cites(self, raw: list[str], where: str) -> tuple[Citation, ...]:
        out = []
        for text in raw:
            c = parse_citation(text)
            if c.ref not in self.references:
                self.problem(where, f"citation {c.ref!r} is not in the reference library")
            out.append(c)
        return tuple(out)


def _value_label(fd: FactDef, key: str) -> str:
    """A category value as people write it: codes (``D46.1``) as codes, others (``intermediate_1``) by label."""
    if key not in fd.values or (any(ch.isdigit() for ch in key) and "_" not in key):
        return key
    return fd.values[key].label


def _fmt(v: object) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _resolve(m: NodeModel, ctx: _Ctx) -> NodeModel:
    """A leaf with its parameter reference replaced by the parameter's value (and unit)."""
    if m.op == "tried" or not isinstance(m.operand, ParamRef):
        return m
    op = str(m.op)
    kinds: tuple[type, ...]
    if op in ("lt", "le", "gt", "ge"):
        kinds, what = (int, float), "a comparison needs a number"
    elif op in ("in", "not_in"):
        kinds, what = (tuple,), f"'{op}' needs a list"
    elif op == "is":
        kinds, what = (bool,), "'is' needs true or false"
    else:
        kinds, what = (str, int, float, bool), "'eq' needs a single value"
    p = ctx.param(m.operand, kinds, what)
    if p is None:
        return m._replace(operand=[] if op in ("in", "not_in") else 0)
    value = list(p.value) if isinstance(p.value, tuple) else p.value
    return m._replace(operand=value, unit=m.unit or (p.unit if op in ("lt", "le", "gt", "ge") else None))


def _leaf(m: NodeModel, fd: FactDef, ctx: _Ctx, where: str) -> tuple[str, Operand, str]:
    """Check a leaf against its fact; return operator, canonical operand and its wording."""
    op = str(m.op)
    raw = m.operand
    label = fd.label
    if op == "known":
        return op, bool(raw), f"{label} {'is' if raw else 'is not'} documented"
    if op == "tried":
        if fd.id != "medication_history":
            ctx.problem(where, f"'tried' reads the treatment history: use fact: medication_history, not {fd.id!r}")
        try:
            step = parse_step(raw, f"{where}.tried", ctx.param)
        except ConfigError as exc:
            ctx.problem(exc.field or where, exc.message)
            return op, Step(drugs=("?",)), label
        return op, step, step.wording()
    if fd.type == "events" or fd.type == "date":
        ctx.problem(where, f"fact {fd.id!r} is of type {fd.type}; test a derived fact instead")
        return op, raw, label
    if op == "is":
        if fd.type != "boolean":
            ctx.problem(where, f"'is' needs a boolean fact; {fd.id!r} is {fd.type}")
        want = bool(raw)
        return op, want, f"{label}: {'yes' if want else 'no'}"
    if op in ("eq", "in", "not_in"):
        return _set_leaf(op, raw, fd, ctx, where)
    return _number_leaf(m, op, raw, fd, ctx, where)


def _set_leaf(op: str, raw: Any, fd: FactDef, ctx: _Ctx, where: str) -> tuple[str, Operand, str]:
    """An eq / in / not_in leaf: its values checked against a category or boolean fact (``raw``: the
    operand as the YAML gave it, a value for eq and a list for in / not_in, as the schema checks)."""
    label = fd.label
    values = [raw] if op == "eq" else list(raw)
    if fd.type == "category":
        for v in values:
            if str(v) not in fd.values:
                ctx.problem(
                    where,
                    f"{v!r} is not a value of {fd.id!r} (values: {', '.join(fd.values)})",
                )
        labels = ", ".join(_value_label(fd, str(v)) for v in values)
    elif fd.type == "boolean":
        labels = ", ".join("yes" if v else "no" for v in values)
    else:
        ctx.problem(where, f"{op!r} needs a category or boolean fact; {fd.id!r} is {fd.type}")
        labels = ", ".join(map(str, values))
    if op == "eq":
        return op, values[0], f"{label} is {labels}"
    if op == "in":
        return op, tuple(values), f"{label} is one of: {labels}"
    return op, tuple(values), f"{label} is not: {labels}"


def _number_leaf(m: NodeModel, op: str, raw: float, fd: FactDef, ctx: _Ctx, where: str) -> tuple[str, Operand, str]:
    """A lt / le / gt / ge leaf: the threshold in the fact's unit, checked against its plausible range."""
    label = fd.label
    if fd.type != "number":
        ctx.problem(where, f"{op!r} needs a number fact; {fd.id!r} is {fd.type}")
        return op, raw, label
    unit = m.unit or fd.unit
    if m.unit is not None and not fd.accepts_unit(m.unit):
        ctx.problem(
            where,
            f"unit {m.unit!r} does not convert to {fd.unit!r}, the unit of {fd.id!r} "
            f"(accepted: {', '.join(fd.units)})",
        )
        x = float(raw)
    else:
        x = round(fd.convert(float(raw), m.unit, path=where), 6)  # as the case parser rounds a converted value
    if fd.range is not None:
        lo, hi = fd.range
        never = {
            "lt": x <= lo, "le": x < lo, "gt": x >= hi, "ge": x > hi,
        }[op]
        always = {"lt": x > hi, "le": x >= hi, "gt": x < lo, "ge": x <= lo}[op]
        if never:
            ctx.problem(where, f"{fd.id} {_OP_WORDS[op]} {_fmt(x)} can never be met (plausible range {lo:g}-{hi:g} {fd.unit})")
        elif always and op in ("lt", "gt"):
            ctx.problem(where, f"{fd.id} {_OP_WORDS[op]} {_fmt(x)} is always met within the plausible range {lo:g}-{hi:g}")
    shown_unit = f" {unit}" if unit and unit not in ("count",) else ""
    return op, x, f"{label} {_OP_WORDS[op]} {_fmt(float(raw))}{shown_unit}"


def _check_satisfiable(children: list[Node], ctx: _Ctx, where: str) -> None:
    """Flag an all_of whose numeric leaves on one fact leave an empty interval."""
    bounds: dict[str, list[float]] = {}
    for c in children:
        if c.kind != "leaf" or c.op not in _OP_WORDS or not isinstance(c.operand, int | float):
            continue
        lo, hi = bounds.setdefault(str(c.fact), [float("-inf"), float("inf")])
        x = float(c.operand)
        if c.op in ("gt", "ge"):
            lo = max(lo, x)
        else:
            hi = min(hi, x)
        bounds[str(c.fact)] = [lo, hi]
        strict = any(
            d.kind == "leaf" and d.fact == c.fact and d.op in ("lt", "gt") for d in children
        )
        if lo > hi or (lo == hi and strict):
            ctx.problem(where, f"all_of can never be met: the tests on {c.fact!r} contradict each other")
            return


def _disabled(m: NodeModel, ctx: _Ctx, where: str) -> bool:
    """True when the criterion's ``enabled_by`` parameter is off."""
    if m.enabled_by is None:
        return False
    p = ctx.param(ParamRef(m.enabled_by, f"{where}.enabled_by"), (bool,), "enabled_by needs true or false")
    return p is not None and p.value is False


def _mark_used(m: NodeModel, ctx: _Ctx) -> None:
    """Count the parameters a (switched-off) subtree refers to as used."""
    if isinstance(m.operand, ParamRef):
        ctx.used.add(m.operand.name)
    elif isinstance(m.operand, Mapping):  # a 'tried' mapping: {min_weeks: {param: x}, ...}
        for v in m.operand.values():
            if isinstance(v, ParamRef):
                ctx.used.add(v.name)
            elif isinstance(v, Mapping) and isinstance(v.get("param"), str):
                ctx.used.add(v["param"])
    for child in m.children:
        _mark_used(child, ctx)


class _Common(TypedDict):
    """What every compiled node has, whatever its kind."""

    index: int
    id: str | None
    text: str | None
    cites: tuple[Citation, ...]
    documentation: tuple[str, ...]
    if_unmet: str | None
    note: str | None


def _build(m: NodeModel, ctx: _Ctx, where: str, counter: list[int], inside_criterion: bool) -> Node:
    index = counter[0]
    counter[0] += 1
    is_crit = m.id is not None
    if is_crit and not m.cite:
        ctx.problem(where, f"criterion {m.id!r} has no citation")
    if not is_crit and not inside_criterion:
        ctx.problem(where, "a top-level node must be a criterion (give it an id, text and cite)")
    for d in m.documentation:
        if d not in ctx.dictionary.documents:
            ctx.problem(where, f"documentation {d!r} is not in the document catalogue")
    common: _Common = {
        "index": index,
        "id": m.id,
        "text": m.text,
        "cites": ctx.cites(list(m.cite), where),
        "documentation": m.documentation,
        "if_unmet": m.if_unmet,
        "note": m.note,
    }
    inside = inside_criterion or is_crit
    if m.stated_absent is not None and not _disabled(m, ctx, where):
        return _closed(m, ctx, where, counter, common)
    if _disabled(m, ctx, where):
        _mark_used(m, ctx)  # a variant may switch it on: its parameters are in use
        p = ctx.parameters[str(m.enabled_by)]
        common["note"] = " ".join(x for x in (m.note, f"Not required by this policy: {p.text} (off).") if x)
        return Node(kind="const", children=(), operand=True, condition=f"not required ({p.text}: off)", **common)
    if m.kind == "leaf":
        m = _resolve(m, ctx)
        assert m.fact is not None
        fd = ctx.dictionary.facts.get(m.fact)
        if fd is None:
            ctx.problem(where, ctx.dictionary.unknown_message(m.fact))
            return Node(kind="leaf", children=(), fact=m.fact, op="is", operand=None, facts=(m.fact,), **common)
        op, operand, condition = _leaf(m, fd, ctx, where)
        presume = _presumption(m.presume, m, fd, ctx) if m.presume is not None else None
        infer = tuple(_inference(r, m, fd, ctx) for r in m.infer)
        return Node(
            kind="leaf", children=(), fact=m.fact, op=op, operand=operand,
            unit=m.unit or fd.unit, condition=condition, facts=(m.fact,), presume=presume, infer=infer, **common,
        )
    if m.kind == "not":
        child = _build(m.children[0], ctx, f"{where}.not", counter, inside)
        return Node(kind="not", children=(child,), facts=child.facts,
                    condition=f"not ({child.condition})", **common)
    kind = m.kind
    children = tuple(
        _build(c, ctx, f"{where}.{kind}[{i}]", counter, inside) for i, c in enumerate(m.children)
    )
    if kind == "all_of":
        _check_satisfiable(list(children), ctx, where)
    facts = tuple(dict.fromkeys(f for c in children for f in c.facts))
    joiner = " and " if kind == "all_of" else " or "
    return Node(kind=kind, children=children, facts=facts,
                condition=joiner.join(f"({c.condition})" if c.kind in ("all_of", "any_of") else c.condition for c in children),
                **common)


def _plain(m: NodeModel) -> NodeModel:
    """``m`` without its criterion metadata and undocumented-fact handling: a bare test."""
    return m._replace(id=None, text=None, cite=(), documentation=(), if_unmet=None, note=None, enabled_by=None,
                      presume=None, infer=(), stated_absent=None)


def _documented(m: NodeModel) -> NodeModel:
    """A node met exactly when ``m`` is met on documented facts alone (never unknown): each leaf also needs
    its fact documented (``known: true``); a ``not`` needs every fact under it documented."""
    m = _plain(m)
    if m.kind == "leaf":
        if m.op == "known":
            return m
        return m._replace(kind="all_of", children=(m, _known(m, str(m.fact), True)), fact=None, op=None,
                          operand=None, unit=None)
    if m.kind == "not":
        facts = dict.fromkeys(_model_facts(m))
        return m._replace(kind="all_of", children=(m, *(_known(m, f, True) for f in facts)))
    return m._replace(children=tuple(_documented(c) for c in m.children))


def _known(m: NodeModel, fact: str, known: bool) -> NodeModel:
    return NodeModel(path=m.path, id=None, text=None, cite=(), documentation=(), if_unmet=None, note=None,
                     kind="leaf", fact=fact, op="known", operand=known)


def _model_facts(m: NodeModel) -> list[str]:
    return [str(m.fact)] if m.kind == "leaf" else [f for c in m.children for f in _model_facts(c)]


def close_when_stated_absent(m: NodeModel) -> tuple[NodeModel, NodeModel]:
    """A criterion with ``stated_absent`` as plain nodes: (its own test, the guard) -- the criterion is their
    all_of. The guard is met when the absence is not stated (its fact undocumented, or documented otherwise) or
    when the test is met on documented facts alone, and not met otherwise; so a stated absence turns an unknown
    criterion into not met and leaves a met or not-met one as it is."""
    absent = m.stated_absent
    assert absent is not None and absent.fact is not None
    core = _plain(m)
    guard = core._replace(kind="any_of", children=(
        _known(absent, absent.fact, False),
        core._replace(kind="not", children=(_plain(absent),)),
        _documented(core),
    ))
    return core, guard


def _closed(m: NodeModel, ctx: _Ctx, where: str, counter: list[int], common: _Common) -> Node:
    """A criterion that a stated absence closes (``stated_absent``): all_of(its test, the guard)."""
    core_m, guard_m = close_when_stated_absent(m)
    core = _build(core_m, ctx, where, counter, True)
    guard = _build(guard_m, ctx, f"{where}.stated_absent", counter, True)
    absent = guard.children[1].children[0]
    facts = tuple(dict.fromkeys((*core.facts, *absent.facts)))
    return Node(kind="all_of", children=(core, guard), facts=facts, closed_by=absent,
                condition=f"{core.condition}; not met when {absent.condition} and nothing documented meets it",
                **common)


def _side(m: NodeModel, ctx: _Ctx, where: str) -> Node:
    """A warning sign or an inference's condition: a node of its own, numbered apart."""
    return _build(m, ctx, where, [10**6], True)


def _presumption(p: PresumeModel, m: NodeModel, fd: FactDef, ctx: _Ctx) -> Presumption:
    if m.op == "known":
        ctx.problem(p.path, "a 'known' test cannot be presumed")
    if m.infer:
        ctx.problem(p.path, "give presume or infer, not both")
    if not p.cite:
        ctx.problem(p.path, "a presumption needs a citation (why the statement may be presumed)")
    unless = tuple(_side(u, ctx, u.path) for u in p.unless)
    for u, n in zip(p.unless, unless, strict=True):
        if fd.id in n.facts:
            ctx.problem(u.path, f"a warning sign cannot read the presumed fact {fd.id!r}")
    checks = tuple(_compile_check(u, ctx.dictionary) for u in unless)
    return Presumption(p.attest, p.why, unless, ctx.cites(list(p.cite), p.path), checks)


def _inference(r: InferModel, m: NodeModel, fd: FactDef, ctx: _Ctx) -> Inference:
    if m.op == "known":
        ctx.problem(r.path, "a 'known' test cannot use an inferred value")
    when = _side(r.when, ctx, f"{r.path}.when")
    if fd.id in when.facts:
        ctx.problem(f"{r.path}.when", f"an inference of {fd.id!r} cannot read {fd.id!r} itself")
    value = r.value
    if r.between is not None:
        if fd.type != "number":
            ctx.problem(r.path, f"between needs a number fact; {fd.id!r} is {fd.type}")
    elif fd.type == "boolean":
        if not isinstance(value, bool):
            ctx.problem(f"{r.path}.value", f"{fd.id!r} is true or false, got {value!r}")
    elif fd.type == "category":
        if str(value) not in fd.values:
            ctx.problem(f"{r.path}.value", f"{value!r} is not a value of {fd.id!r} (values: {', '.join(fd.values)})")
    elif fd.type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            ctx.problem(f"{r.path}.value", f"{fd.id!r} is a number, got {value!r}")
        else:
            value = float(value)
            if fd.range is not None and not fd.range[0] <= value <= fd.range[1]:
                ctx.problem(f"{r.path}.value", f"{value:g} is outside {fd.id!r}'s plausible range")
    else:
        ctx.problem(r.path, f"a {fd.type} fact cannot be inferred by a rule")
    return Inference(when, value, r.between, r.because, _compile_check(when, ctx.dictionary))


_PARTIAL = (OneOf, Between)


def _decide_partial(v: Datum, test: Predicate) -> Tri:
    """Three-valued test of a value known in part: decided when every possibility agrees.

    A ``Between`` is tested at its ends (every test on a number is a threshold, so the ends
    bound every value between); a ``OneOf`` at each option."""
    options: tuple[Datum, ...] = (v.low, v.high) if isinstance(v, Between) else v.options if isinstance(v, OneOf) else (v,)
    hits = {bool(test(o)) for o in options}
    if len(hits) == 2:
        return UNKNOWN
    return MET if True in hits else NOT_MET


def _leaf_check(node: Node, dictionary: FactDictionary) -> _Check2:
    """``check(values) -> Tri`` for a leaf: its test on a documented value, the three-valued
    test on a partial one, and the presumption or inference on an undocumented one."""
    fact = str(node.fact)
    if node.op == "tried":  # step therapy: the courses the engine resolved from medication_history
        step = node.operand
        assert isinstance(step, Step)  # _leaf compiles every 'tried' operand to a Step

        def check_tried(values: Values, _: None = None) -> Tri:
            courses = values.get(COURSES)  # a tuple (with_courses), or None: no history documented
            return evaluate_step(step, courses if isinstance(courses, tuple) else None)

        return check_tried
    if node.op == "known":
        want = bool(node.operand)

        def check_known(values: Values, _: None = None) -> Tri:
            # a value known in part (computed from documented components) counts as documented:
            # a fallback for an undocumented fact ("IPSS when no IPSS-R") does not apply to it
            return MET if (values.get(fact) is not None) is want else NOT_MET

        return check_known
    test = _predicate(node) if dictionary.facts.get(fact) is not None else _never
    presume, infer = node.presume, node.infer
    if presume is None and not infer:

        def check_leaf(values: Values, _: None = None) -> Tri:
            v = values.get(fact)
            if v is None:
                return UNKNOWN
            if v.__class__ in _PARTIAL:
                return _decide_partial(v, test)
            return MET if test(v) else NOT_MET

        return check_leaf
    fallback = _fallback(node, dictionary, test)

    def check_handled(values: Values, _: None = None) -> Tri:
        v = values.get(fact)
        if v is None:
            return fallback(values)
        if v.__class__ in _PARTIAL:
            return _decide_partial(v, test)
        return MET if test(v) else NOT_MET

    return check_handled


def _fallback(node: Node, dictionary: FactDictionary, test: Predicate) -> CheckFn:
    """The status of a leaf whose fact is undocumented: presumed, inferred, or unknown."""
    if node.presume is not None:
        warnings = node.presume.checks

        def presumed(values: Values) -> Tri:
            for w in warnings:
                if w(values) is MET:
                    return UNKNOWN
            return MET

        return presumed
    rules = tuple((r.check or _compile_check(r.when, dictionary), r) for r in node.infer)

    def inferred(values: Values) -> Tri:
        for when, r in rules:
            if when(values) is MET:
                if r.between is not None:
                    return _decide_partial(Between(*r.between), test)
                return MET if test(r.value) else NOT_MET
        return UNKNOWN

    return inferred


def fallback_used(node: Node, values: Values) -> Inference | Presumption | None:
    """Which presumption or inference rule decided ``node`` on ``values`` (None: neither)."""
    if node.kind != "leaf" or values.get(str(node.fact)) is not None:
        return None
    if node.presume is not None:
        if any(w(values) is MET for w in node.presume.checks):
            return None
        return node.presume
    for r in node.infer:
        if r.check is not None and r.check(values) is MET:
            return r
    return None


def warning_signs(node: Node, values: Values) -> tuple[Node, ...]:
    """The warning signs documented on ``values`` that keep ``node``'s presumption from being made."""
    if node.presume is None:
        return ()
    return tuple(w for w, c in zip(node.presume.unless, node.presume.checks, strict=True) if c(values) is MET)


def _compile_run(node: Node, dictionary: FactDictionary) -> RunFn:
    """Turn a node into a closure ``run(values, out) -> Tri`` that records every status."""
    i = node.index
    if node.kind == "const":

        def run_const(values: Values, out: list[Tri]) -> Tri:
            out[i] = MET
            return MET

        return run_const
    if node.kind == "leaf" and node.op not in ("known", "tried") and node.presume is None and not node.infer:
        fact = str(node.fact)
        test = _predicate(node) if dictionary.facts.get(fact) is not None else _never

        def run_plain(values: Values, out: list[Tri]) -> Tri:
            v = values.get(fact)
            if v is None:
                r = UNKNOWN
            elif v.__class__ in _PARTIAL:
                r = _decide_partial(v, test)
            else:
                r = MET if test(v) else NOT_MET
            out[i] = r
            return r

        return run_plain
    if node.kind == "leaf":
        check = _leaf_check(node, dictionary)

        def run_leaf(values: Values, out: list[Tri]) -> Tri:
            r = check(values, None)
            out[i] = r
            return r

        return run_leaf
    fns = tuple(_compile_run(c, dictionary) for c in node.children)
    # tri.py's connectives: every child runs and records its status; the node records its own.
    if node.kind == "not":
        return negation(fns[0], record=i)
    return (all_of if node.kind == "all_of" else any_of)(fns, record=i)


def _compile_check(node: Node, dictionary: FactDictionary) -> CheckFn:
    """Turn a node into a short-circuiting closure ``check(values) -> Tri`` (no recording).

    Used where only the verdict matters (alternatives, benchmarks); Kleene rules allow
    stopping at the first NOT_MET child of all_of and the first MET child of any_of
    (:func:`mednec.tri.all_of`, :func:`mednec.tri.any_of`).
    """
    check = _check(node, dictionary)
    return lambda values: check(values, None)


def _check(node: Node, dictionary: FactDictionary) -> _Check2:
    """:func:`_compile_check`'s closures; they take a second, unused argument because tri.py's
    connectives call every child with two (the recording form passes its status list)."""
    if node.kind == "const":
        return lambda values, _: MET
    if node.kind == "leaf":
        return _leaf_check(node, dictionary)
    fns = tuple(_check(c, dictionary) for c in node.children)
    # tri.py's connectives, stopping at the first NOT_MET child of all_of and the first MET of any_of.
    if node.kind == "not":
        return negation(fns[0])
    return (all_of if node.kind == "all_of" else any_of)(fns)


def _never(v: Datum) -> bool:
    """The test of a leaf whose fact the dictionary does not know (a problem already reported)."""
    return False


def _predicate(node: Node) -> Predicate:
    """The leaf's test of a documented value. Built once per leaf: the evaluation only calls it.

    A threshold's test takes a number: the case reader gives a number fact only numbers (and a
    value known in part is tested at its possibilities, also numbers), which is what the cast
    records; nothing is checked per evaluation."""
    op, x = node.op, node.operand
    if op == "is":
        return lambda v: v is x
    if op == "eq":
        return lambda v: v == x
    if op in ("in", "not_in"):
        assert isinstance(x, tuple)  # _set_leaf compiles in / not_in to a tuple
        s = frozenset(x)
        return (lambda v: v in s) if op == "in" else (lambda v: v not in s)
    t = x if isinstance(x, int | float) else float("nan")  # not a number: a problem already reported
    test: Callable[[float], bool]
    if op == "lt":
        test = lambda v: v < t  # noqa: E731
    elif op == "le":
        test = lambda v: v <= t  # noqa: E731
    elif op == "gt":
        test = lambda v: v > t  # noqa: E731
    else:
        test = lambda v: v >= t  # noqa: E731
    return cast(Predicate, test)


def _flatten(root: Node) -> tuple[Node, ...]:
    out: list[Node] = []
    stack = [root]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(reversed(n.children))
    return tuple(sorted(out, key=lambda n: n.index))


def compile_tree(criteria: tuple[NodeModel, ...], ctx: _Ctx, where: str) -> Tree:
    """Compile a list of criteria (an implicit all_of) into a :class:`Tree`."""
    counter = [1]
    children = tuple(
        _build(c, ctx, f"{where}[{i}]", counter, False) for i, c in enumerate(criteria)
    )
    root = Node(
        index=0, kind="all_of", children=children, id=None, text=None, cites=(),
        documentation=(), if_unmet=None, note=None,
        facts=tuple(dict.fromkeys(f for c in children for f in c.facts)),
    )
    _check_satisfiable(list(children), ctx, where)
    ids = [n.id for n in _flatten(root) if n.id]
    for dup in {x for x in ids if ids.count(x) > 1}:
        ctx.problem(where, f"criterion id {dup!r} is used twice")
    return Tree(
        root=root,
        nodes=_flatten(root),
        run=_compile_run(root, ctx.dictionary),
        check=_compile_check(root, ctx.dictionary),
    )


def _auth(m: AuthorizationModel, ctx: _Ctx, where: str) -> Authorization:
    if not m.cite:
        ctx.problem(where, "authorization period has no citation")

    def period(v: int | ParamRef | None) -> int | None:
        if not isinstance(v, ParamRef):
            return v
        p = ctx.param(v, (int,), "an authorisation period needs a whole number")
        return p.value if p is not None and isinstance(p.value, int) else 1

    return Authorization(period(m.weeks), period(m.months), ctx.cites(list(m.cite), where), m.note or "")


def _parameters(model: PolicyModel, variant: VariantModel | None, ctx: _Ctx) -> dict[str, Parameter]:
    """The policy's parameters with the variant's values in place of the defaults."""
    out: dict[str, Parameter] = {}
    for p in model.parameters:
        if not p.cite:
            ctx.problem(p.path, f"parameter {p.id!r} has no citation")
        out[p.id] = Parameter(p.id, p.value, p.unit, p.text, ctx.cites(list(p.cite), p.path), p.value, False)
    if variant is None:
        return out
    for pid, raw in variant.values.items():
        where = f"{variant.path}.values.{pid}"
        base = out.get(pid)
        if base is None:
            ctx.problem(where, f"variant {variant.id!r} sets unknown parameter {pid!r}")
            continue
        value = tuple(raw) if isinstance(raw, list) else raw
        same_kind = (isinstance(value, bool) == isinstance(base.default, bool)) and (
            isinstance(value, tuple) == isinstance(base.default, tuple)) and (
            isinstance(value, int | float) == isinstance(base.default, int | float))
        if not same_kind:
            ctx.problem(where, f"variant {variant.id!r} gives {pid} = {raw!r}; the default is {base.default!r}")
            continue
        out[pid] = base._replace(value=value, overridden=value != base.default)
    return out


def compile_policy(
    model: PolicyModel,
    dictionary: FactDictionary,
    references: Mapping[str, Reference],
    *,
    source: str,
    pack: str,
    variant: VariantModel | None = None,
) -> tuple[Policy, list[ConfigError]]:
    """Compile and check one policy (with ``variant``'s parameter values, when given).

    Returns the policy and every problem found. The default policy's ``variants`` are
    compiled by the caller (:func:`compile_with_variants`).
    """
    ctx = _Ctx(dictionary, references)
    ctx.parameters = _parameters(model, variant, ctx)
    common = compile_tree(model.common, ctx, "common")
    pathways = []
    for i, p in enumerate(model.pathways):
        where = f"pathways[{i}]"
        if not p.cite:
            ctx.problem(where, f"pathway {p.id!r} has no citation")
        if p.enabled_by is not None:
            on = ctx.param(ParamRef(p.enabled_by, f"{where}.enabled_by"), (bool,), "enabled_by needs true or false")
            if on is not None and on.value is False:
                continue  # switched off by this policy's (variant's) parameters: not offered
        own = (None if p.initial_authorization is None
               else _auth(p.initial_authorization, ctx, f"{where}.initial_authorization"))
        pathways.append(
            Pathway(p.id, p.name, p.line, p.description, ctx.cites(list(p.cite), where),
                    compile_tree(p.criteria, ctx, f"{where}.criteria"), own)
        )
    ids = [p.id for p in model.pathways]
    for dup in {x for x in ids if ids.count(x) > 1}:
        ctx.problem("pathways", f"pathway id {dup!r} is used twice")
    all_ids = [i for t in [common] + [p.tree for p in pathways] for i in {n.id for n in t.nodes if n.id}]
    for dup in sorted({x for x in all_ids if all_ids.count(x) > 1}):
        ctx.problem("criteria", f"criterion id {dup!r} is used in more than one tree")
    cont = None
    if model.continuation is not None:
        c = model.continuation
        cont = Continuation(
            c.description,
            compile_tree(c.criteria, ctx, "continuation.criteria"),
            _auth(c.authorization, ctx, "continuation.authorization"),
            c.stop_rule,
            ctx.cites(list(c.stop_cite), "continuation.stop_cite"),
        )
        if c.stop_rule and not c.stop_cite:
            ctx.problem("continuation.stop_rule", "stop rule has no citation")
    dosing = tuple(
        DosingRule(d.id, d.text, ctx.cites(list(d.cite), f"dosing[{i}]"), d.max_dose, d.unit, d.min_interval_days)
        for i, d in enumerate(model.dosing)
    )
    ctx.cites(list(model.drug.mechanism_cite), "drug.mechanism_cite")
    for i, r in enumerate(model.drug.regulatory):
        ctx.cites(list(r.get("cite", [])), f"drug.regulatory[{i}]")
    policy = Policy(
        id=model.id,
        version=model.version,
        effective_date=model.effective_date,
        title=model.title,
        drug=model.drug,
        conditions=tuple((c.system, c.code, c.display) for c in model.conditions),
        label_status=model.label_status,
        common=common,
        pathways=tuple(pathways),
        initial_authorization=_auth(model.initial_authorization, ctx, "initial_authorization"),
        continuation=cont,
        dosing=dosing,
        sequence_note=model.sequence_note,
        sequence_cites=ctx.cites(list(model.sequence_cite), "sequence_cite"),
        notes=tuple(model.notes),
        changes=tuple(model.changes),
        source=source,
        pack=pack,
        parameters=tuple(ctx.parameters.values()),
        variant=None if variant is None else Variant(
            variant.id, variant.name, variant.payer, variant.document, variant.url, variant.seen,
            ctx.cites(list(variant.cite), variant.path), variant.note,
        ),
    )
    if variant is None:
        for pm in model.parameters:
            if pm.id not in ctx.used:
                ctx.problem(pm.path, f"parameter {pm.id!r} is declared but never used")
    elif not variant.cite:
        ctx.problem(variant.path, f"variant {variant.id!r} cites no source (the payer policy it models)")
    return policy, ctx.problems


def compile_with_variants(
    model: PolicyModel,
    dictionary: FactDictionary,
    references: Mapping[str, Reference],
    *,
    source: str,
    pack: str,
) -> tuple[Policy, list[ConfigError]]:
    """The default policy with each of its variants compiled into ``policy.variants``."""
    policy, problems = compile_policy(model, dictionary, references, source=source, pack=pack)
    variants = []
    ids = [v.id for v in model.variants]
    for dup in sorted({x for x in ids if ids.count(x) > 1} | ({"default"} & set(ids))):
        problems.append(ConfigError(f"variant id {dup!r} is used twice or reserved", field="variants"))
    for v in model.variants:
        compiled, more = compile_policy(model, dictionary, references, source=source, pack=pack, variant=v)
        problems += [e for e in more if e.field and e.field.startswith(v.path)]
        variants.append(compiled)
    return replace(policy, variants=tuple(variants)), problems
