"""Compile a policy file (schema models) into evaluable trees, checking it against the
fact dictionary and the reference library as it goes.

Problems are collected, not raised one at a time, so ``mednec policies check`` can list
every problem in a policy at once. Each problem names the place in the file
(``pathways[0].criteria[2].any_of[1]``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mednec.errors import ConfigError
from mednec.facts.dictionary import FactDef, FactDictionary
from mednec.policies.model import (
    Authorization,
    CheckFn,
    Continuation,
    DosingRule,
    Node,
    Pathway,
    Policy,
    RunFn,
    Tree,
)
from mednec.policies.references import Citation, Reference, parse_citation
from mednec.policies.schema import AuthorizationModel, NodeModel, PolicyModel
from mednec.tri import Tri

__all__ = ["compile_policy", "compile_tree"]

MET, NOT_MET, UNKNOWN = Tri.MET, Tri.NOT_MET, Tri.UNKNOWN
_OP_WORDS = {"lt": "<", "le": "≤", "gt": ">", "ge": "≥"}


class _Ctx:
    def __init__(self, dictionary: FactDictionary, references: Mapping[str, Reference]) -> None:
        self.dictionary = dictionary
        self.references = references
        self.problems: list[ConfigError] = []

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
    """A category value as people write it: codes (``D46.1``) as codes, others by label."""
    if key not in fd.values or any(ch.isdigit() for ch in key):
        return key
    return fd.values[key].label


def _fmt(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _leaf(m: NodeModel, fd: FactDef, ctx: _Ctx, where: str) -> tuple[str, Any, str]:
    """Check a leaf against its fact; return operator, canonical operand and its wording."""
    op = str(m.op)
    raw = m.operand
    label = fd.label
    if op == "known":
        return op, bool(raw), f"{label} {'is' if raw else 'is not'} documented"
    if fd.type == "events" or fd.type == "date":
        ctx.problem(where, f"fact {fd.id!r} is of type {fd.type}; test a derived fact instead")
        return op, raw, label
    if op == "is":
        if fd.type != "boolean":
            ctx.problem(where, f"'is' needs a boolean fact; {fd.id!r} is {fd.type}")
        want = bool(raw)
        return op, want, f"{label}: {'yes' if want else 'no'}"
    if op in ("eq", "in", "not_in"):
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
    # numeric comparison
    if fd.type != "number":
        ctx.problem(where, f"{op!r} needs a number fact; {fd.id!r} is {fd.type}")
        return op, raw, label
    unit = m.unit or fd.unit
    if m.unit is not None and not fd.accepts_unit(m.unit):
        ctx.problem(
            where,
            f"unit {m.unit!r} does not convert to {fd.id!r}'s unit {fd.unit!r} "
            f"(accepted: {', '.join(fd.units)})",
        )
        x = float(raw)
    else:
        x = fd.convert(float(raw), m.unit, path=where)
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
        if c.kind != "leaf" or c.op not in _OP_WORDS:
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
    common: dict[str, Any] = {
        "index": index,
        "id": m.id,
        "text": m.text,
        "cites": ctx.cites(list(m.cite), where),
        "documentation": m.documentation,
        "if_unmet": m.if_unmet,
        "note": m.note,
    }
    inside = inside_criterion or is_crit
    if m.kind == "leaf":
        assert m.fact is not None
        fd = ctx.dictionary.facts.get(m.fact)
        if fd is None:
            ctx.problem(where, ctx.dictionary.unknown_message(m.fact))
            return Node(kind="leaf", children=(), fact=m.fact, op="is", operand=None, facts=(m.fact,), **common)
        op, operand, condition = _leaf(m, fd, ctx, where)
        return Node(
            kind="leaf", children=(), fact=m.fact, op=op, operand=operand,
            unit=m.unit or fd.unit, condition=condition, facts=(m.fact,), **common,
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


def _compile_run(node: Node, dictionary: FactDictionary) -> RunFn:
    """Turn a node into a closure ``run(values, out) -> Tri`` that records every status."""
    i = node.index
    if node.kind == "leaf":
        fact = node.fact
        fd = dictionary.facts.get(str(fact))
        if node.op == "known":
            want = bool(node.operand)

            def run_known(values: Mapping[str, Any], out: list[Tri]) -> Tri:
                r = MET if (values.get(fact) is not None) is want else NOT_MET  # type: ignore[arg-type]
                out[i] = r
                return r

            return run_known
        test = _predicate(node) if fd is not None else (lambda v: False)

        def run_leaf(values: Mapping[str, Any], out: list[Tri]) -> Tri:
            v = values.get(fact)  # type: ignore[arg-type]
            r = UNKNOWN if v is None else (MET if test(v) else NOT_MET)
            out[i] = r
            return r

        return run_leaf
    fns = tuple(_compile_run(c, dictionary) for c in node.children)
    if node.kind == "not":
        (child,) = fns

        def run_not(values: Mapping[str, Any], out: list[Tri]) -> Tri:
            r = child(values, out)
            r = NOT_MET if r is MET else MET if r is NOT_MET else UNKNOWN
            out[i] = r
            return r

        return run_not
    if node.kind == "all_of":

        def run_all(values: Mapping[str, Any], out: list[Tri]) -> Tri:
            res = MET
            for f in fns:
                r = f(values, out)
                if r is NOT_MET:
                    res = NOT_MET
                elif r is UNKNOWN and res is MET:
                    res = UNKNOWN
            out[i] = res
            return res

        return run_all

    def run_any(values: Mapping[str, Any], out: list[Tri]) -> Tri:
        res = NOT_MET
        for f in fns:
            r = f(values, out)
            if r is MET:
                res = MET
            elif r is UNKNOWN and res is NOT_MET:
                res = UNKNOWN
        out[i] = res
        return res

    return run_any


def _compile_check(node: Node, dictionary: FactDictionary) -> CheckFn:
    """Turn a node into a short-circuiting closure ``check(values) -> Tri`` (no recording).

    Used where only the verdict matters (alternatives, benchmarks); Kleene rules allow
    stopping at the first NOT_MET child of all_of and the first MET child of any_of.
    """
    if node.kind == "leaf":
        fact = node.fact
        if node.op == "known":
            want = bool(node.operand)
            return lambda values: MET if (values.get(fact) is not None) is want else NOT_MET  # type: ignore[arg-type]
        test = _predicate(node) if dictionary.facts.get(str(fact)) is not None else (lambda v: False)

        def check_leaf(values: Mapping[str, Any]) -> Tri:
            v = values.get(fact)  # type: ignore[arg-type]
            return UNKNOWN if v is None else (MET if test(v) else NOT_MET)

        return check_leaf
    fns = tuple(_compile_check(c, dictionary) for c in node.children)
    if node.kind == "not":
        (child,) = fns

        def check_not(values: Mapping[str, Any]) -> Tri:
            r = child(values)
            return NOT_MET if r is MET else MET if r is NOT_MET else UNKNOWN

        return check_not
    stop, other = (NOT_MET, MET) if node.kind == "all_of" else (MET, NOT_MET)

    def check_group(values: Mapping[str, Any]) -> Tri:
        res = other
        for f in fns:
            r = f(values)
            if r is stop:
                return stop
            if r is UNKNOWN:
                res = UNKNOWN
        return res

    return check_group


def _predicate(node: Node) -> Callable[[Any], bool]:
    op, x = node.op, node.operand
    if op == "is":
        return lambda v: v is x
    if op == "eq":
        return lambda v: v == x
    if op == "in":
        s = frozenset(x)
        return lambda v: v in s
    if op == "not_in":
        s2 = frozenset(x)
        return lambda v: v not in s2
    if op == "lt":
        return lambda v: v < x
    if op == "le":
        return lambda v: v <= x
    if op == "gt":
        return lambda v: v > x
    return lambda v: v >= x


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
    return Authorization(m.weeks, m.months, ctx.cites(list(m.cite), where), m.note or "")


def compile_policy(
    model: PolicyModel,
    dictionary: FactDictionary,
    references: Mapping[str, Reference],
    *,
    source: str,
    pack: str,
) -> tuple[Policy, list[ConfigError]]:
    """Compile and check one policy. Returns the policy and every problem found."""
    ctx = _Ctx(dictionary, references)
    common = compile_tree(model.common, ctx, "common")
    pathways = []
    for i, p in enumerate(model.pathways):
        where = f"pathways[{i}]"
        if not p.cite:
            ctx.problem(where, f"pathway {p.id!r} has no citation")
        pathways.append(
            Pathway(p.id, p.name, p.line, p.description, ctx.cites(list(p.cite), where),
                    compile_tree(p.criteria, ctx, f"{where}.criteria"))
        )
    ids = [p.id for p in model.pathways]
    for dup in {x for x in ids if ids.count(x) > 1}:
        ctx.problem("pathways", f"pathway id {dup!r} is used twice")
    all_ids = [n.id for t in [common] + [p.tree for p in pathways] for n in t.nodes if n.id]
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
    )
    return policy, ctx.problems
