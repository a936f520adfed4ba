"""evaluate(policy, facts) -> Determination. Pure: no I/O, no clock, no randomness.

The decision rule, for the initial phase:

* every pathway's status is its own criteria AND the policy's common criteria (Kleene);
* ``meets_criteria`` when some pathway is met (the first met pathway is reported);
* otherwise ``insufficient_information`` when some pathway is unknown: nothing has ruled it
  out, and the missing documentation is exactly the unknown facts that pathway still needs;
* otherwise ``does_not_meet_criteria``.

For the continuation phase the continuation criteria decide the same way.

What does not depend on the patient (which criteria exist, their order, parents, depths and
citation numbers) is worked out once per policy and phase in a :class:`_Plan`; an
evaluation only runs the trees and reads the evidence.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import math
from collections.abc import Callable, Mapping
from functools import cache
from typing import NamedTuple

from mednec.calculators.courses import start_questions
from mednec.calculators.registry import CalculatorSet
from mednec.engine import presumed
from mednec.engine.determination import (
    INSUFFICIENT,
    MEETS,
    NOT_MET,
    Alternative,
    Assumption,
    AuthorizationInfo,
    Change,
    CitedRef,
    CriterionResult,
    Determination,
    Explanation,
    Inferred,
    MissingDocument,
    MissingFact,
    PathwayResult,
    PolicyInfo,
    presumption_line,
)
from mednec.engine.outlook import could_meet
from mednec.facts.days import iso_day
from mednec.facts.dictionary import FactDictionary
from mednec.facts.factset import FactSet, FactValue, Provenance, Values
from mednec.facts.partial import Between, OneOf
from mednec.policies.compile import fallback_used, warning_signs
from mednec.policies.model import Authorization, Node, Pack, Pathway, Policy, Presumption, Tree
from mednec.policies.references import Citation
from mednec.policies.steps import Step, with_courses
from mednec.states import Verdict
from mednec.tri import Tri, tri_and

__all__ = ["PHASES", "decide", "evaluate", "input_hash", "prepare"]

PHASES = ("initial", "continuation")
_MET, _NOT, _UNK = Tri.MET, Tri.NOT_MET, Tri.UNKNOWN


def prepare(facts: FactSet, dictionary: FactDictionary, calculators: CalculatorSet) -> FactSet:
    """Add every fact ``calculators`` can derive from the given ones (a pack's
    ``pack.calculators``, or ``catalog.calculators`` across packs).

    A given value known only as a bound (a lab reported as '<8') is no calculator input: the
    calculators run without it (so what needs it stays underived) and it is kept as given; then
    the calculators that read only their inputs' dates (``dates_only``: the LDL-C's age) run on
    it too, since a bound is dated like any value ('> 190' drawn 21 days ago is 21 days old).
    """
    bounded = {k: fv for k, fv in facts.items() if not fv.derived and isinstance(fv.value, Between)}
    if not bounded:
        return calculators.derive(facts, _units(dictionary))
    exact = FactSet({k: fv for k, fv in facts.items() if k not in bounded}, facts.as_of, facts.notes,
                    given_digest=facts.given_digest())
    derived = calculators.derive(exact, _units(dictionary))
    out = FactSet({**dict(derived.items()), **bounded}, derived.as_of, derived.notes,
                  given_digest=facts.given_digest())
    dated = _dates_only(calculators)
    return dated.derive(out, _units(dictionary)) if dated.calculators else out


@cache
def _dates_only(calculators: CalculatorSet) -> CalculatorSet:
    """The calculators of ``calculators`` that read only their inputs' dates (one set per calculator set)."""
    return CalculatorSet(tuple(c for c in calculators.calculators if c.dates_only), calculators.drugs)


@cache
def _units(dictionary: FactDictionary) -> Mapping[str, str | None]:
    return {k: fd.unit for k, fd in dictionary.facts.items()}


def _combine(common: Tri, own: Tri) -> Tri:
    """A pathway's status: its own criteria and the common ones (Kleene conjunction)."""
    return tri_and((common, own))


def _verdict(statuses: list[Tri]) -> Verdict:
    if _MET in statuses:
        return MEETS
    if _UNK in statuses:
        return INSUFFICIENT
    return NOT_MET


def decide(policy: Policy, values: Values, phase: str = "initial",
           dictionary: FactDictionary | None = None) -> tuple[Verdict, str | None]:
    """The determination and met pathway id only, short-circuiting (alternatives, benchmarks).
    With ``dictionary``, an undecided answer that no documentation could turn into a met pathway
    is not met (:func:`open_pathways`), as :func:`evaluate` decides."""
    if phase == "continuation":
        if policy.continuation is None:
            raise ValueError(f"policy {policy.id} has no continuation criteria")
        status = policy.continuation.tree.check(values)
        verdict = _verdict([status])
        if verdict == INSUFFICIENT and dictionary is not None and not open_pathways(policy, values, phase, dictionary):
            verdict = NOT_MET
        return verdict, ("continuation" if status is _MET else None)
    common = policy.common.check(values)
    if common is _NOT:
        return NOT_MET, None
    statuses = []
    for p in policy.pathways:
        s = _combine(common, p.tree.check(values))
        if s is _MET:
            return MEETS, p.id
        statuses.append(s)
    verdict = _verdict(statuses)
    if verdict == INSUFFICIENT and dictionary is not None and not open_pathways(policy, values, phase, dictionary):
        verdict = NOT_MET
    return verdict, None


def open_pathways(policy: Policy, values: Values, phase: str,
                  dictionary: FactDictionary) -> tuple[str, ...]:
    """The undecided pathways (``continuation`` for that phase) that some documentation of the
    missing facts could still meet (:func:`mednec.engine.outlook.could_meet`)."""
    if phase == "continuation":
        assert policy.continuation is not None
        tree = policy.continuation.tree
        if tree.check(values) is not _UNK:
            return ()
        return ("continuation",) if could_meet((tree,), values, dictionary, tri_and) else ()
    common = policy.common.check(values)
    return tuple(p.id for p in policy.pathways
                 if _combine(common, p.tree.check(values)) is _UNK
                 and could_meet((policy.common, p.tree), values, dictionary, tri_and))


def input_hash(policy: Policy, facts: FactSet, phase: str) -> str:
    """SHA-256 over the policy version (and variant), phase, evaluation date and the given facts."""
    pid = policy.key  # "id@variant" for a variant, so a variant's answers hash apart
    blob = f"{pid}|{policy.version}|{phase}|{iso_day(facts.as_of)}|{facts.given_digest()}"
    return "sha256:" + hashlib.sha256(blob.encode()).hexdigest()


class _CriterionSlot(NamedTuple):
    """A criterion's place in the output: everything about it except its status and evidence."""

    node: Node
    pathway: str | None
    parent: str | None
    depth: int
    citations: tuple[int, ...]
    documentation: tuple[str, ...]


class _TreePlan(NamedTuple):
    tree: Tree
    pathway: Pathway | None
    label: str | None  # pathway id, "continuation", or None for the common criteria
    slots: tuple[_CriterionSlot, ...]
    # (presumed or inferred leaf, its criterion's slot, the presumption's citation numbers)
    handled: tuple[tuple[Node, _CriterionSlot, tuple[int, ...]], ...] = ()


class _Plan(NamedTuple):
    """The patient-independent layout of a policy's determination for one phase."""

    trees: tuple[_TreePlan, ...]
    pathway_cites: tuple[tuple[int, ...], ...]
    citation_order: Mapping[str, int]
    citation_sections: Mapping[str, tuple[str, ...]]


class _Numbering:
    """Numbers citations in order of first use."""

    def __init__(self, order: Mapping[str, int] | None = None,
                 sections: Mapping[str, tuple[str, ...]] | None = None) -> None:
        self.order: dict[str, int] = dict(order or {})
        self.sections: dict[str, list[str]] = {k: list(v) for k, v in (sections or {}).items()}

    def add(self, cites: tuple[Citation, ...]) -> tuple[int, ...]:
        nums = []
        for c in cites:
            n = self.order.get(c.ref)
            if n is None:
                n = self.order[c.ref] = len(self.order) + 1
                self.sections[c.ref] = []
            if c.section and c.section not in self.sections[c.ref]:
                self.sections[c.ref].append(c.section)
            if n not in nums:
                nums.append(n)
        return tuple(nums)

    def refs(self, pack: Pack) -> tuple[CitedRef, ...]:
        return tuple(CitedRef(n, pack.references[r], tuple(self.sections[r])) for r, n in self.order.items())


@cache
def _plan(policy: Policy, phase: str, dictionary: FactDictionary) -> _Plan:
    numbering = _Numbering()
    if phase == "continuation":
        assert policy.continuation is not None
        trees: list[tuple[Tree, Pathway | None, str | None]] = [
            (policy.continuation.tree, None, "continuation")
        ]
        pathway_cites: tuple[tuple[int, ...], ...] = ()
    else:
        pathway_cites = tuple(numbering.add(p.cites) for p in policy.pathways)
        trees = [(policy.common, None, None)] + [(p.tree, p, p.id) for p in policy.pathways]
    plans = []
    for tree, pathway, label in trees:
        slots: list[_CriterionSlot] = []
        handled: list[tuple[Node, _CriterionSlot, tuple[int, ...]]] = []

        def walk(node: Node, parent: str | None, depth: int, owner: _CriterionSlot | None) -> None:
            if node.is_criterion:
                docs = node.documentation or tuple(
                    dict.fromkeys(dictionary.facts[f].document for f in node.facts if f in dictionary.facts)
                )
                slot = _CriterionSlot(node, label, parent, depth, numbering.add(node.cites), docs)  # noqa: B023
                slots.append(slot)  # noqa: B023
                parent, depth, owner = node.id, depth + 1, slot
            if (node.presume is not None or node.infer) and owner is not None:
                nums = numbering.add(node.presume.cites) if node.presume is not None else ()
                handled.append((node, owner, nums))  # noqa: B023
            for c in node.children:
                walk(c, parent, depth, owner)

        walk(tree.root, None, 0, None)
        plans.append(_TreePlan(tree, pathway, label, tuple(slots), tuple(handled)))
    return _Plan(
        tuple(plans),
        pathway_cites,
        dict(numbering.order),
        {k: tuple(v) for k, v in numbering.sections.items()},
    )


def _show(fv: FactValue) -> str:
    v = fv.value
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:g} {fv.unit}" if fv.unit else f"{v:g}"
    if isinstance(v, tuple):
        return f"{len(v)} recorded"
    return str(v).replace("_", " ")


class _Explainer:
    """Turns node statuses into criterion results, missing documents and changes."""

    def __init__(self, facts: FactSet, dictionary: FactDictionary, calculators: CalculatorSet,
                 values: Values) -> None:
        self.facts = facts
        self.dictionary = dictionary
        self.by_name = calculators.by_name
        self._values = values
        self.criteria: list[CriterionResult] = []
        self.missing: dict[str, tuple[list[str], list[str]]] = {}
        self.changes: list[Change] = []
        self.derived_cites: dict[str, None] = {}
        self._seen: dict[str, FactValue | MissingFact] = {}
        self.inferred: dict[str, dict[str, FactValue]] = {}  # criterion id -> fact -> inferred value
        self.reasons: dict[str, dict[str, None]] = {}  # document -> why a partial value needs it
        self.assumptions: list[Assumption] = []
        self.inferences: list[Inferred] = []

    def evidence(self, node: Node) -> tuple[FactValue | MissingFact, ...]:
        """The facts ``node`` was judged on; then the documented warning signs that kept a presumption under
        it from being made (why it asks instead)."""
        own = self.inferred.get(str(node.id)) or {}
        items = [own.get(f) or self._item(f) for f in node.facts]
        shown = set(node.facts)
        for sign in self._signs(node):
            for f in sign.facts:
                if f not in shown and f in self.facts:
                    shown.add(f)
                    items.append(self._item(f))
        return tuple(items)

    def _signs(self, node: Node) -> list[Node]:
        """The warning signs documented on the case for the presumptions of ``node``'s leaves."""
        if node.kind == "leaf":
            return list(warning_signs(node, self._values))
        return [w for c in node.children for w in self._signs(c)]

    def handled(self, plan: _TreePlan, statuses: list[Tri], reported: bool) -> None:
        """Presumptions and inferences the tree's statuses rest on (``reported``: list them)."""
        for leaf, slot, nums in plan.handled:
            if statuses[leaf.index] is _UNK:
                continue
            used = fallback_used(leaf, self._values)
            if used is None:
                continue
            owner = slot.node
            fact = str(leaf.fact)
            fd = self.dictionary.facts[fact]
            if isinstance(used, Presumption):
                if reported and statuses[leaf.index] is _MET:
                    self.assumptions.append(Assumption(
                        str(owner.id), str(owner.text), slot.pathway, fact, fd.label, used.attest, used.why,
                        nums))
                continue
            value = Between(*used.between) if used.between is not None else used.value
            fv = FactValue(fact, value, fd.unit, None, Provenance("inferred", f"inferred from {used.because}"), True)
            self.inferred.setdefault(str(owner.id), {})[fact] = fv
            if reported:
                self.inferences.append(Inferred(str(owner.id), slot.pathway, fact, fd.label, _show(fv), used.because))

    def _item(self, fact: str) -> FactValue | MissingFact:
        item = self._seen.get(fact)
        if item is None:
            fv = self.facts.get(fact)
            if fv is not None:
                item = fv
                if fv.derived:
                    calc = self.by_name.get(fv.provenance.source.removeprefix("calculated: "))
                    if calc is not None and calc.citation:
                        self.derived_cites[calc.citation] = None
            else:
                fd = self.dictionary.facts[fact]
                item = MissingFact(fact, fd.label, fd.document, fd.question)
            self._seen[fact] = item
        return item

    def tree(self, plan: _TreePlan, statuses: list[Tri], relevant: bool, reported: bool) -> None:
        if plan.handled:
            self.handled(plan, statuses, reported)
        for s in plan.slots:
            node = s.node
            st = statuses[node.index]
            self.criteria.append(
                CriterionResult(
                    str(node.id), str(node.text), st, s.pathway, s.parent, s.depth, node.condition,
                    self.evidence(node), s.citations, s.documentation,
                    node.if_unmet if st is not _MET else None, node.note,
                )
            )
        if relevant:
            self._collect(plan.tree, statuses, plan.label)

    def _collect(self, tree: Tree, statuses: list[Tri], pathway: str | None) -> None:
        """Missing facts under unknown nodes; changes for top-level unmet/unknown criteria."""
        for top in tree.root.children:
            st = statuses[top.index]
            if st is _MET:
                continue
            missing = _unknown_leaves(top, statuses)
            if st is _UNK:
                for leaf, fact in ((lf, f) for lf in missing for f in self._requested(str(lf.fact))):
                    part = self._values.get(str(leaf.fact))
                    for d in leaf.documentation or (self.dictionary.facts[fact].document,):
                        if isinstance(part, OneOf | Between) and part.reason:
                            self.reasons.setdefault(d, {})[part.reason] = None
                        if isinstance(leaf.operand, Step):  # step therapy: ask about the drugs it names
                            self.reasons.setdefault(d, {})[leaf.operand.question()] = None
                            for q in start_questions(self._values.get(str(leaf.fact))):  # a start known to a month
                                self.reasons.setdefault(d, {})[q] = None
                        facts_, crits = self.missing.setdefault(d, ([], []))
                        if fact not in facts_:
                            facts_.append(fact)
                        if top.id not in crits:
                            crits.append(str(top.id))
            self.changes.append(Change(str(top.id), pathway, st, self._change_text(top, st, missing)))

    def _requested(self, fact: str) -> list[str]:
        """What to ask for when ``fact`` is unknown: a calculated-only fact is asked for by the
        inputs its calculator lacks (``esa_status`` -> ``esa_history``); a value known only in
        part by the facts that would settle it (a 7-week ESA course -> ``esa_history``)."""
        part = self._values.get(fact)
        if isinstance(part, OneOf | Between) and part.missing:
            return list(dict.fromkeys(f for m in part.missing if m in self.dictionary.facts for f in self._requested(m)
                                      if f != fact)) or [fact]
        fd = self.dictionary.facts[fact]
        calc = self.by_name.get(fd.derived_by) if fd.derived_by else None
        if calc is None or fd.may_give:
            return [fact]
        lacking = [i for i in calc.inputs_for(fact) if i not in self.facts]
        if not lacking:
            return [fact]  # inputs present but too early or too little to compute (e.g. < 8 weeks)
        return [r for i in lacking for r in self._requested(i)]

    def _change_text(self, node: Node, st: Tri, missing: list[Node]) -> str:
        if st is _UNK:
            asked = list(dict.fromkeys(f for n in missing for f in self._requested(str(n.fact))))
            labels = ", ".join(self.dictionary.facts[f].label for f in asked)
            steps = [n.operand.question() for n in missing if isinstance(n.operand, Step)]
            questions = " ".join(dict.fromkeys(
                [*steps, *(q for q in (self.dictionary.facts[f].question for f in asked) if q)]))
            signs = [w.condition for n in missing for w in warning_signs(n, self._values)]
            why = f" Not presumed because {'; '.join(dict.fromkeys(signs))} is documented." if signs else ""
            for n in missing:
                part = self._values.get(str(n.fact))
                if isinstance(part, OneOf | Between):
                    why += f" {self.dictionary.facts[str(n.fact)].label} is {part}" + (
                        f": {part.reason}." if part.reason else ".")
            return (f"Not documented: {labels}.{why} {questions} "
                    f"The criterion needs: {node.condition}.").replace("  ", " ")
        if node.if_unmet:
            return node.if_unmet
        current = "; ".join(
            f"{self.dictionary.facts[f].label} is {_show(self.facts[f])}" for f in node.facts if f in self.facts
        )
        return f"Would need: {node.condition}" + (f" (currently: {current})." if current else ".")


def _unknown_leaves(node: Node, statuses: list[Tri]) -> list[Node]:
    if statuses[node.index] is not _UNK:
        return []
    if node.kind == "leaf":
        return [node]
    return [leaf for c in node.children for leaf in _unknown_leaves(c, statuses)]


_MAX_SETS = 64  # beyond this many alternative fact sets the bottom line lists the facts flat


def _and_sets(a: list[tuple[str, ...]] | None, b: list[tuple[str, ...]] | None) -> list[tuple[str, ...]] | None:
    """Every way to satisfy both ``a`` and ``b`` (each a list of alternative fact sets)."""
    if a is None or b is None:
        return None
    out = list(dict.fromkeys(tuple(dict.fromkeys(x + y)) for x in a for y in b))
    return out if len(out) <= _MAX_SETS else None


def _needed_sets(nodes: tuple[Node, ...], statuses: list[Tri],
                 requested: Callable[[Node], tuple[str, ...]], *, any_of: bool = False) -> list[tuple[str, ...]] | None:
    """The fact sets that could settle undecided ``nodes`` (all of them, or one of them when
    ``any_of``), as alternatives: ``[("a",), ("b", "c")]`` is "a, or b and c". ``None``: too many
    alternatives to list."""
    sets: list[tuple[str, ...]] | None = [] if any_of else [()]
    for node in nodes:
        if statuses[node.index] is not _UNK:
            continue
        if node.kind == "leaf":
            mine: list[tuple[str, ...]] | None = [requested(node)]
        elif node.kind == "not":
            mine = _needed_sets(node.children, statuses, requested)
        else:
            mine = _needed_sets(node.children, statuses, requested, any_of=node.kind == "any_of")
        if any_of:
            sets = None if sets is None or mine is None else list(dict.fromkeys(sets + mine))
            sets = sets if sets is None or len(sets) <= _MAX_SETS else None
        else:
            sets = _and_sets(sets, mine)
    return sets


def _needed_groups(sets: list[tuple[str, ...]]) -> tuple[list[tuple[str, ...]], list[list[str]] | None]:
    """The smallest alternatives among ``sets`` (the same one in another order once, none that holds
    another whole: documenting the smaller one may already be enough), and, when they are every
    combination of one fact from each of some groups, those groups (``None`` otherwise).
    ``[("a", "x"), ("b", "x"), ("x", "a")]`` -> ``[("a", "x"), ("b", "x")]`` and ``[["a", "b"], ["x"]]``."""
    unique = list({frozenset(s): s for s in reversed(sets)}.values())[::-1]  # the first order of each
    minimal = [s for s in unique if not any(frozenset(o) < frozenset(s) for o in unique)]
    facts = list(dict.fromkeys(f for s in minimal for f in s))
    together = {f: {g for s in minimal if f in s for g in s} for f in facts}
    groups: list[list[str]] = []
    for f in facts:  # a group: the facts that never stand together in one alternative (connected)
        joined = [g for g in groups if any(h not in together[f] for h in g)]
        merged = [h for g in joined for h in g] + [f]
        groups = [g for g in groups if g not in joined] + [merged]
    groups.sort(key=lambda g: (len(g) > 1, facts.index(g[0])))  # what every alternative needs first
    fits = math.prod(len(g) for g in groups) == len(minimal) and all(sum(f in s for f in g) == 1 for s in minimal for g in groups)
    return minimal, ([sorted(g, key=facts.index) for g in groups] if fits else None)


def _shared_groups(per_part: list[list[tuple[str, ...]] | None]) -> list[list[str]]:
    """The choices every pathway's alternatives share (``[["a", "b"]]``: each pathway needs a or b),
    when there are two pathways or more and each pathway's smallest alternatives are whole groups:
    said once, before the pathways (A and X, or A and Y, is A, and X or Y)."""
    known = [sets for sets in per_part if sets is not None]
    if len(per_part) < 2 or len(known) < len(per_part):
        return []
    grouped = []
    for sets in known:
        groups = _needed_groups(sets)[1]
        if groups is None:
            return []
        grouped.append(groups)
    return [g for g in grouped[0] if all(any(set(g) == set(h) for h in other) for other in grouped[1:])]


def _maybe(sets: list[tuple[str, ...]], minimal: list[tuple[str, ...]]) -> dict[tuple[str, ...], list[str]]:
    """For each smallest alternative, the facts only a larger alternative holding it adds (facts no
    smallest alternative needs): documenting them may be needed too."""
    needed = {f for m in minimal for f in m}
    return {m: list(dict.fromkeys(f for s in sets if set(m) < set(s) for f in s if f not in needed)) for m in minimal}


def _choice(group: list[str], label: Callable[[str], str]) -> str:
    words = [label(f) for f in group]
    if len(words) == 1:
        return words[0]
    if len(words) == 2:
        return f"either {words[0]}, or {words[1]}"
    return "one of: " + ", ".join(words[:-1]) + f" or {words[-1]}"


def _needed_phrase(sets: list[tuple[str, ...]] | None, label: Callable[[str], str]) -> str:
    """Alternative fact sets in words, each fact once where the alternatives allow: the facts every
    alternative needs, then the choices ("A, and either B, or C, and one of: D, E or F" when the
    alternatives are every combination of those), otherwise "either A, or B and C"; a fact that only a
    larger alternative adds is said "possibly". Too many alternatives (``None``) are not listed one by
    one."""
    if sets is None:
        return "the facts listed under missing documentation"
    minimal, groups = _needed_groups(sets)
    maybe = _maybe(sets, minimal)
    extra = list(dict.fromkeys(f for m in minimal for f in maybe[m]))
    possibly = "possibly " + " and ".join(label(f) for f in extra)
    if groups is not None and all(maybe[m] == extra for m in minimal):  # every combination, each maybe the same
        singles = [label(g[0]) for g in groups if len(g) == 1]
        choices = [_choice(g, label) for g in groups if len(g) > 1] + ([possibly] if extra else [])
        if not choices:
            return singles[0] if len(singles) == 1 else ", ".join(singles[:-1]) + f" and {singles[-1]}"
        return ", and ".join(([", ".join(singles)] if singles else []) + choices)
    common = [f for f in dict.fromkeys(f for s in minimal for f in s) if all(f in s for s in minimal)]
    shared = [f for f in extra if all(f in maybe[m] for m in minimal)]  # said once, at the end

    def option(m: tuple[str, ...]) -> str:
        words = " and ".join(label(f) for f in m if f not in common)
        own = [label(f) for f in maybe[m] if f not in shared]
        return words + (f" (possibly with {' and '.join(own)})" if own else "")

    words = ", ".join(label(f) for f in common)
    options = list(dict.fromkeys(option(m) for m in minimal))
    tail = options[0] if len(options) == 1 else "either " + ", or ".join(options)
    if shared:
        tail += ", and possibly " + " and ".join(label(f) for f in shared)
    return f"{words}, and {tail}" if words else tail


def _run(tree: Tree, values: Values) -> list[Tri]:
    out = [_UNK] * len(tree.nodes)
    tree.run(values, out)
    return out


def evaluate(
    policy: Policy,
    facts: FactSet,
    pack: Pack,
    dictionary: FactDictionary,
    *,
    phase: str = "initial",
    derived: bool = False,
) -> Determination:
    """Evaluate ``policy`` for the patient in ``facts`` and explain the result.

    ``facts`` are the given facts; calculators add what they can derive unless ``derived``
    says that was already done. Other policies in ``pack`` are evaluated as alternatives.
    """
    if phase not in PHASES:
        raise ValueError(f"phase must be one of {PHASES}")
    if phase == "continuation" and policy.continuation is None:
        raise ValueError(f"policy {policy.id} has no continuation criteria")
    full = facts if derived else prepare(facts, dictionary, pack.calculators)
    values = with_courses({k: fv.value for k, fv in full.items()}, full.as_of, pack.drugs)
    plan = _plan(policy, phase, dictionary)
    runs = [_run(tp.tree, values) for tp in plan.trees]
    pathways: list[PathwayResult] = []
    met: PathwayResult | None = None
    auth: Authorization
    if phase == "continuation":
        assert policy.continuation is not None
        overall: list[Tri] = []
        verdict = _verdict([runs[0][0]])
        auth = policy.continuation.authorization
    else:
        common = runs[0][0]
        overall = [_combine(common, r[0]) for r in runs[1:]]
        for p, s, cites in zip(policy.pathways, overall, plan.pathway_cites, strict=True):
            pr = PathwayResult(p.id, p.name, p.line, s, p.description, cites)
            pathways.append(pr)
            if s is _MET and met is None:
                met = pr
        verdict = _verdict(overall)
        auth = policy.initial_period(met.id if met is not None else None)
    reachable: tuple[str, ...] = ()
    outlook_notes: tuple[str, ...] = ()
    if verdict == INSUFFICIENT:
        reachable = open_pathways(policy, values, phase, dictionary)
        if not reachable:  # no documentation could meet any undecided pathway: say so, do not ask
            verdict = NOT_MET
            outlook_notes = ("Would not meet the criteria whatever the missing documents show: no value of the "
                             "undocumented facts meets any pathway still undecided.",)
    numbering = _Numbering(plan.citation_order, plan.citation_sections)
    authorization: AuthorizationInfo | None = None
    if verdict == MEETS:
        authorization = {
            "period": auth.text,
            "start": full.as_of.isoformat(),
            "end": auth.end_date(full.as_of).isoformat(),
            "citations": list(numbering.add(auth.cites)),
            "note": auth.note,
        }

    def explain() -> Explanation:
        ex = _Explainer(full, dictionary, pack.calculators, values)
        ex.tree(plan.trees[0], runs[0], relevant=verdict != MEETS, reported=True)
        for tp, r, s in zip(plan.trees[1:], runs[1:], overall, strict=True):
            # an unknown pathway's missing facts matter; a ruled-out one's do not. Presumptions
            # count where the answer rests on them: the met pathway, or the pathways still open.
            reported = (met is not None and tp.label == met.id) or (verdict == INSUFFICIENT and s is _UNK)
            ex.tree(tp, r, relevant=verdict != MEETS and (s is _UNK or verdict == NOT_MET), reported=reported)
        numbering.add(tuple(Citation(r) for r in ex.derived_cites if r in pack.references))
        missing: tuple[MissingDocument, ...] = ()
        if verdict == INSUFFICIENT:
            fdefs = dictionary.facts
            missing = tuple(
                MissingDocument(
                    document=d,
                    description=dictionary.document_text(d, pack.id),
                    facts=tuple(fs),
                    questions=tuple(dict.fromkeys([*(fdefs[f].question for f in fs if fdefs[f].question),
                                                   *ex.reasons.get(d, {})])),
                    criteria=tuple(cs),
                )
                for d, (fs, cs) in ex.missing.items()
            )
        assumptions = tuple(dict.fromkeys(ex.assumptions))
        if presumed.presumes_complete_list(full):
            assumptions += _list_presumptions(full, plan, runs, met, verdict, pack, dictionary, numbering)
        return Explanation(
            criteria=tuple(ex.criteria),
            missing_documentation=missing,
            changes=tuple(ex.changes) if verdict != MEETS else (),
            citations=numbering.refs(pack),
            assumptions=assumptions,
            inferences=tuple(dict.fromkeys(ex.inferences)),
            bottom_line=_bottom_line(verdict, met, pathways, reachable, plan, runs, ex, assumptions, outlook_notes),
        )

    return Determination(
        determination=verdict,
        phase=phase,
        pathway=met,
        pathways=tuple(pathways),
        alternatives=_alternatives(policy, pack, values, dictionary),
        policy=_policy_info(policy, pack, dictionary),
        authorization=authorization,
        as_of=full.as_of,
        input_hash=input_hash(policy, full, phase),
        notes=full.notes + _effective_note(policy, full.as_of) + outlook_notes,
        fact_set=full,
        explain=explain,
    )


def _list_presumptions(full: FactSet, plan: _Plan, runs: list[list[Tri]], met: PathwayResult | None,
                       verdict: Verdict, pack: Pack, dictionary: FactDictionary,
                       numbering: _Numbering) -> tuple[Assumption, ...]:
    """The criteria decided only because the medication list is taken as complete (:mod:`presumed`): decided
    here, unknown when the same entries name their own drugs only. The common criteria and, for a met
    answer, its pathway; for another answer every pathway (a ruled-out one may rest on the list)."""
    alt = prepare(presumed.as_named_only(full), dictionary, pack.calculators)
    alt_values = with_courses({k: fv.value for k, fv in alt.items()}, alt.as_of, pack.drugs)
    attest, why = presumed.attestation(full[presumed.LIST_FACT])
    label = dictionary.facts[presumed.HISTORY].label
    decision = tuple(Citation(r) for r, ref in pack.references.items() if ref.kind == "decision")[:1]
    out: list[Assumption] = []
    for tp, r in zip(plan.trees, runs, strict=True):
        if tp.label is not None and verdict == MEETS and met is not None and tp.label != met.id:
            continue
        alt_run = _run(tp.tree, alt_values)
        above = _ancestors(tp.tree)
        for slot in tp.slots:
            i = slot.node.index
            # a criterion under a node met either way (a sibling settles it) rests the answer on nothing
            masked = any(r[a] is _MET and alt_run[a] is _MET for a in above[i])
            if r[i] is not _UNK and alt_run[i] is _UNK and not masked:
                out.append(Assumption(str(slot.node.id), str(slot.node.text), slot.pathway, presumed.HISTORY, label,
                                      attest, why, numbering.add(decision)))
    return tuple(out)


def _ancestors(tree: Tree) -> dict[int, tuple[int, ...]]:
    """Each node's ancestors in ``tree`` (node indexes, the nearest first)."""
    out: dict[int, tuple[int, ...]] = {tree.root.index: ()}
    stack = [tree.root]
    while stack:
        node = stack.pop()
        for child in node.children:
            out[child.index] = (node.index, *out[node.index])
            stack.append(child)
    return out


#: marks a fact the bottom line asks to be ruled out (a criterion needs it absent: "Pregnant ruled out")
_RULED_OUT = "\x1fruled-out"


def _insufficient_line(pathways: list[PathwayResult], reachable: tuple[str, ...], plan: _Plan,
                       runs: list[list[Tri]], ex: _Explainer) -> str:
    """The undecided bottom line: the facts whose documentation could meet each reachable pathway."""
    common = plan.trees[0] if plan.trees[0].label is None else None

    def requested(leaf: Node) -> tuple[str, ...]:
        facts = tuple(ex._requested(str(leaf.fact)))  # noqa: SLF001
        if facts == (leaf.fact,) and leaf.op == "is" and leaf.operand is False:
            return (f"{leaf.fact}{_RULED_OUT}",)  # needed absent: asked to be ruled out, not by its bare name
        return facts

    def asked(tp: _TreePlan, statuses: list[Tri]) -> list[tuple[str, ...]] | None:
        return _needed_sets(tp.tree.root.children, statuses, requested)

    def label(token: str) -> str:
        fact = token.removesuffix(_RULED_OUT)
        return ex.dictionary.facts[fact].label + (" ruled out" if fact != token else "")

    per_part = []
    for tp, r in zip(plan.trees, runs, strict=True):
        if tp.label is None or tp.label not in reachable:
            continue
        sets = _and_sets(asked(common, runs[0]) if common is not None else [()], asked(tp, r))
        name = next((p.name for p in pathways if p.id == tp.label), "continuation")
        per_part.append((tp.label, name, sets))
    shared = _shared_groups([sets for _, _, sets in per_part])
    hoisted = {f for g in shared for f in g}
    if shared:
        per_part = [(pid, name, list(dict.fromkeys(tuple(f for f in s if f not in hoisted) for s in sets)))
                    for pid, name, sets in per_part if sets is not None]
    said: dict[str, list[str]] = {}  # the same facts for several pathways are said once, naming them all
    for pid, name, sets in per_part:
        said.setdefault(_needed_phrase(sets, label) if sets != [()] else "nothing more", []).append(
            f"“{name}”" if pid != "continuation" else "")
    lead = ""
    if shared:
        shared_words = _needed_phrase([tuple(p) for p in itertools.product(*shared)], label)
        if list(said) == ["nothing more"]:  # every pathway needs just the shared facts
            said = {shared_words: said["nothing more"]}
        else:
            lead = shared_words + ", for every pathway; then "
    parts = [f"{words} (pathway {' or '.join(names)})" if any(names) else words for words, names in said.items()]
    return "Likely to meet once these are documented: " + lead + "; or ".join(parts) + "."


def _bottom_line(verdict: Verdict, met: PathwayResult | None, pathways: list[PathwayResult],
                 reachable: tuple[str, ...], plan: _Plan, runs: list[list[Tri]], ex: _Explainer,
                 assumptions: tuple[Assumption, ...], outlook: tuple[str, ...]) -> str:
    """The answer in a sentence, first in every output."""
    if verdict == MEETS:
        where = f" on the pathway “{met.name}”" if met is not None else ""
        return " ".join(filter(None, (f"Meets the criteria{where}.", presumption_line(assumptions))))
    if verdict == INSUFFICIENT:  # the likely answer rests on the presumptions of the pathways still open too
        still = [a for a in assumptions if a.pathway in (None, "continuation") or a.pathway in reachable]
        return " ".join(filter(None, (_insufficient_line(pathways, reachable, plan, runs, ex),
                                      presumption_line(still))))
    if outlook:
        return outlook[0]
    common_unmet = [c.text for c in ex.criteria if c.depth == 0 and c.pathway in (None, "continuation")
                    and c.status is _NOT]
    if common_unmet:
        return "Does not meet the criteria: " + "; ".join(common_unmet) + "."
    per_path = []
    for p in pathways:
        first = next((c.text for c in ex.criteria if c.depth == 0 and c.pathway == p.id and c.status is _NOT), None)
        if first is not None:
            per_path.append(f"“{p.name}” needs: {first}")
    return "Does not meet the criteria. " + "; ".join(per_path) + "." if per_path else "Does not meet the criteria."


def _policy_info(policy: Policy, pack: Pack, dictionary: FactDictionary) -> PolicyInfo:
    """Which policy applied; for a payer variant, also the variant and the parameter values it changes."""
    info: PolicyInfo = {
        "id": policy.id,
        "version": policy.version,
        "effective_date": iso_day(policy.effective_date),
        "title": policy.title,
        "drug": policy.drug.generic,
        "pack": pack.id,
        "pack_version": pack.version,
        "fact_dictionary_version": dictionary.version,
    }
    if policy.variant is not None:
        info["variant"] = policy.variant.to_dict()
        info["parameters"] = {
            p.id: {"value": list(p.value) if isinstance(p.value, tuple) else p.value, "unit": p.unit,
                   "default": list(p.default) if isinstance(p.default, tuple) else p.default}
            for p in policy.parameters if p.overridden}
    return info


def _effective_note(policy: Policy, as_of: dt.date) -> tuple[str, ...]:
    if as_of < policy.effective_date:
        return (f"The evaluation date {as_of.isoformat()} is before this policy version's effective date "
                f"{policy.effective_date.isoformat()}; check which version applied on that date.",)
    return ()


@cache
def _sequence(pack: Pack) -> tuple[Mapping[str, int], Mapping[str, str]]:
    order: dict[str, int] = {}
    text: dict[str, str] = {}
    for i, step in enumerate(pack.sequence):
        for pid in step.policies:
            order.setdefault(pid, i)
            text.setdefault(pid, step.text)
    return order, text


def _alternatives(policy: Policy, pack: Pack, values: Values,
                  dictionary: FactDictionary | None = None) -> tuple[Alternative, ...]:
    """Every other policy in the pack, evaluated for the same patient, in sequence order."""
    order, steps = _sequence(pack)
    out = []
    for other in pack.policies:
        if other is policy:
            continue
        verdict, pathway = decide(other, values, dictionary=dictionary)
        line = next((p.line for p in other.pathways if p.id == pathway), None)
        out.append(
            Alternative(other.id, other.drug.generic, tuple(other.drug.brands), verdict, pathway,
                        line, steps.get(other.id, other.sequence_note))
        )
    out.sort(key=lambda a: (order.get(a.policy, 99), a.line or 9, a.policy))
    return tuple(out)
