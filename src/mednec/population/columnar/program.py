"""A policy's compiled criteria trees -> three-valued masks over fact columns.

Generic over any policy: the program is built from the :class:`~mednec.policies.model.Tree`
the policy compiler produced (the same nodes the row-wise engine runs), and each leaf is
tested exactly as the row-wise predicate tests it:

* a leaf on a boolean or category fact is a lookup table over the fact's finite domain, filled
  by calling the row-wise predicate (:func:`mednec.policies.compile._predicate`) on every value;
* a numeric comparison (``lt``, ``le``, ``gt``, ``ge``) compares float64 columns with the same
  operand, and is cross-checked against the row-wise predicate at and around the operand when
  the program is built;
* ``known`` is presence; a missing fact makes any other leaf unknown;
* ``tried`` (step therapy) is unknown where ``medication_history`` is absent, and for the rows
  that give it is the row-wise step test itself (:func:`mednec.policies.steps.evaluate_step` on
  :func:`mednec.calculators.courses.courses`), run once per distinct history and evaluation date.

What the program cannot reproduce -- a node kind, an operator or a fact type it does not know,
a field of the policy language's nodes or facts it has not been taught (a new feature), or
changed rules for deriving facts -- makes :func:`compile_program` return the reason instead;
the policy is then evaluated by the row-wise engine and the run reports why.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

import numpy as np
from numpy.typing import NDArray

from mednec.calculators.courses import courses
from mednec.calculators.registry import Calculator, CalculatorSet
from mednec.engine.evaluate import open_pathways
from mednec.engine.outlook import MAX_TRIALS
from mednec.engine.outlook import _leaves as outlook_leaves  # noqa: PLC2701 - the same leaves, not a twin
from mednec.engine.outlook import _shared as outlook_shared  # noqa: PLC2701 - the same facts, not a twin
from mednec.facts.dictionary import FactDef, FactDictionary
from mednec.facts.drugs import DrugVocabulary
from mednec.policies.model import Node, Policy, Tree
from mednec.policies.steps import Step, evaluate_step, with_courses
from mednec.population.columnar import digests
from mednec.population.columnar.calculators import _fact_value, twin_for
from mednec.population.columnar.frame import (
    KNOWN_FACT_FIELDS,
    Bools,
    Events,
    Frame,
    Ints,
    Scalar,
    date_of,
    row_values,
    take_rows,
)
from mednec.tri import Tri

__all__ = ["MET", "NOT", "UNK", "PolicyProgram", "compile_program"]

NOT, UNK, MET = 0, 1, 2
_TRI = {Tri.NOT_MET: NOT, Tri.UNKNOWN: UNK, Tri.MET: MET}
_KINDS = {"leaf", "all_of", "any_of", "not", "const"}
_OPS = {"known", "is", "eq", "in", "not_in", "lt", "le", "gt", "ge", "tried"}
_NUMERIC = {"lt", "le", "gt", "ge"}
#: combinations of free values tried column-wise per group of rows before the rest are asked row-wise
WITNESS_TRIALS = 64
# the fields of the policy language this compiler knows; a new one in use is a feature it has not
# been taught (a non-empty value of an unknown field makes the policy fall back to row-wise)
_NODE_FIELDS = {"index", "kind", "children", "id", "text", "cites", "documentation", "if_unmet", "note", "fact",
                "op", "operand", "unit", "condition", "facts", "presume", "infer", "closed_by"}
# parameters and variants are resolved when a policy compiles (a variant is its own policy)
_POLICY_FIELDS = {"id", "version", "effective_date", "title", "drug", "conditions", "label_status", "common",
                  "pathways", "initial_authorization", "continuation", "dosing", "sequence_note", "sequence_cites",
                  "notes", "changes", "source", "pack", "parameters", "variant", "variants"}
_TREE_FIELDS = {"root", "nodes", "run", "check"}
# check_fact / check / derived_note only write notes
_CALC_FIELDS = {"name", "title", "inputs", "outputs", "citation", "run", "optional_inputs", "needs", "check_fact",
                "check", "derived_note", "input_set", "output_set", "any_of", "run_drugs",
                # running on a bound: derive_columns sends a row whose input is known only in part row-wise
                "dates_only",
                # the date a calculated fact carries: the result rows carry statuses, never dates
                "dated_by"}

#: three-valued statuses (NOT, UNK, MET), one per row (or per node and row)
Status = NDArray[np.int8]
#: a leaf's test: (present, true where present, undecided where present or None)
Test = tuple[Bools, Bools, Bools | None]


class Answers(TypedDict):
    """A policy's answers for every row of a frame."""

    verdict: Status  # NOT, UNK or MET
    pathway: NDArray[np.int16]  # the met pathway's position, -1 for none
    statuses: Status  # criteria x rows, in the determination's order
    missing: Ints  # rows x documents: positions in PolicyProgram.documents, -1 padded


def _extra(obj: object, known: set[str]) -> list[str]:
    """Fields of a dataclass that this compiler does not know and that are in use (non-empty)."""
    if not dataclasses.is_dataclass(obj):
        return []
    return [f.name for f in dataclasses.fields(obj) if f.name not in known and getattr(obj, f.name)]


def _predicate(node: Node) -> Callable[[object], bool] | None:
    from mednec.policies import compile as policy_compile

    make = getattr(policy_compile, "_predicate", None)
    return make(node) if callable(make) else None


@dataclass
class _Leaf:
    node: Node
    # -> (present, true where present, where present but undecided: a value known only in part
    # whose possibilities disagree, or None)
    test: Callable[[Frame], Test]


def _undecided_options(col: Scalar, table: Bools, true: Bools) -> tuple[Bools, Bools]:
    """A lookup-table test on a value known in part (one of several codes): met when every
    option passes, not met when none does, undecided otherwise (``_decide_partial``)."""
    passes = np.int64(sum(1 << c for c, t in enumerate(table.tolist()) if t))
    part, _, opts, _, _ = col.partial(len(true))
    some = (opts & passes) != 0
    every = (opts & ~passes) == 0
    return np.where(part, every, true), part & some & ~every


def _tried(node: Node, dictionary: FactDictionary, drugs: DrugVocabulary) -> _Leaf | str:
    """A step-therapy leaf: unknown without a treatment history; else the row-wise test on the
    row's courses (present = decided, true = met)."""
    step = node.operand
    if not isinstance(step, Step) or node.fact != "medication_history":
        return "leaf 'tried' on another fact than medication_history"

    def test(frame: Frame) -> Test:
        status = np.full(frame.n, UNK, dtype=np.int8)
        col = frame.facts.get("medication_history")
        if isinstance(col, Events):
            seen: dict[tuple[object, ...], int] = {}
            for i in np.flatnonzero(col.has & ~frame.bad):
                history = _fact_value(frame, "medication_history", int(i), dictionary).value
                as_of = date_of(frame.as_of[i])
                key = (as_of, tuple(tuple(sorted(e.items())) for e in history))
                if key not in seen:
                    seen[key] = _TRI[evaluate_step(step, courses(list(history), as_of, drugs))]
                status[i] = seen[key]
        return status != UNK, status == MET, None

    return _Leaf(node, test)


def _leaf(node: Node, dictionary: FactDictionary, drugs: DrugVocabulary) -> _Leaf | str:
    fact = str(node.fact)
    fd = dictionary.facts.get(fact)
    if fd is None:
        return f"criterion leaf on an unknown fact {fact!r}"
    if node.op == "tried":
        return _tried(node, dictionary, drugs)
    if node.op == "known":
        return _Leaf(node, lambda frame: (np.ones(frame.n, dtype=bool), frame.has(fact), None))
    pred = _predicate(node)
    if pred is None:
        return "the row-wise predicate is not available"
    if fd.type in ("boolean", "category"):
        domain: list[object] = [False, True] if fd.type == "boolean" else list(fd.values)
        try:
            table = np.array([bool(pred(v)) for v in domain], dtype=bool)
        except Exception as exc:  # noqa: BLE001 - a predicate that cannot run on the domain
            return f"leaf on {fact}: {type(exc).__name__}"

        def lookup(frame: Frame) -> Test:
            col = frame.facts.get(fact)
            if not isinstance(col, Scalar):
                return np.zeros(frame.n, dtype=bool), np.zeros(frame.n, dtype=bool), None
            idx = col.values.astype(np.int64)
            true = table[np.clip(idx, 0, len(table) - 1)]
            if col.part is None:
                return col.has, true, None
            return (col.has, *_undecided_options(col, table, true))

        return _Leaf(node, lookup)
    if fd.type == "number" and node.op in _NUMERIC and isinstance(node.operand, float):
        x = float(node.operand)
        ops: dict[str, np.ufunc] = {"lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal}
        op = ops[str(node.op)]
        for probe in (x, np.nextafter(x, -np.inf), np.nextafter(x, np.inf), x - 1.0, x + 1.0):
            if bool(op(probe, x)) != bool(pred(float(probe))):
                return f"leaf on {fact}: the row-wise test of {node.op} differs"

        def compare(frame: Frame) -> Test:
            col = frame.facts.get(fact)
            if not isinstance(col, Scalar):
                return np.zeros(frame.n, dtype=bool), np.zeros(frame.n, dtype=bool), None
            low = op(col.values, x)
            if col.part is None:
                return col.has, low, None
            high = op(col.high, x)  # a number known in part is tested at both ends (_decide_partial)
            return col.has, low & high, col.part & (low != high)

        return _Leaf(node, compare)
    return f"leaf {node.op!r} on a {fd.type} fact ({fact})"


Side = Callable[[Frame], Status]  # a node's status for every row


def _side(node: Node, dictionary: FactDictionary, drugs: DrugVocabulary) -> Side | str:
    """A warning sign or an inference's condition as a status mask (any subtree; no recording)."""
    if node.kind == "leaf":
        if node.presume is not None or node.infer:
            return "a warning sign or inference condition that is itself presumed or inferred"
        leaf = _leaf(node, dictionary, drugs)
        if isinstance(leaf, str):
            return leaf
        if node.op == "known":
            want = bool(node.operand)
            return lambda frame: np.where(leaf.test(frame)[1] == want, MET, NOT).astype(np.int8)

        def test(frame: Frame) -> Status:
            present, true, undecided = leaf.test(frame)
            out = np.where(present, np.where(true, MET, NOT), UNK).astype(np.int8)
            if undecided is not None:
                out[undecided] = UNK
            return out

        return test
    if node.kind == "const":
        return lambda frame: np.full(frame.n, MET, dtype=np.int8)
    kids = [_side(c, dictionary, drugs) for c in node.children]
    bad = next((k for k in kids if isinstance(k, str)), None)
    if bad is not None:
        return bad
    fns = [k for k in kids if not isinstance(k, str)]
    if node.kind == "not":
        return lambda frame: (2 - fns[0](frame)).astype(np.int8)
    if node.kind not in ("all_of", "any_of"):
        return f"node kind {node.kind!r}"
    combine = np.minimum if node.kind == "all_of" else np.maximum

    def group(frame: Frame) -> Status:
        out = fns[0](frame)
        for f in fns[1:]:
            out = combine(out, f(frame))
        return out

    return group


def _fallback(node: Node, dictionary: FactDictionary, drugs: DrugVocabulary) -> Side | str | None:
    """The status of a presumed or inferred leaf for rows where its fact is absent (row-wise:
    :func:`mednec.policies.compile._fallback`)."""
    pred = _predicate(node)
    if pred is None:
        return "the row-wise predicate is not available"
    if node.presume is not None:
        signs = [_side(w, dictionary, drugs) for w in node.presume.unless]
        bad = next((w for w in signs if isinstance(w, str)), None)
        if bad is not None:
            return bad
        warn = [w for w in signs if not isinstance(w, str)]

        def presumed(frame: Frame) -> Status:
            out = np.full(frame.n, MET, dtype=np.int8)
            for w in warn:
                out[w(frame) == MET] = UNK
            return out

        return presumed
    if not node.infer:
        return None
    rules: list[tuple[Side, int]] = []
    for r in node.infer:
        when = _side(r.when, dictionary, drugs)
        if isinstance(when, str):
            return when
        if r.between is not None:
            hits = {bool(pred(r.between[0])), bool(pred(r.between[1]))}
            status = UNK if len(hits) == 2 else (MET if True in hits else NOT)
        else:
            status = MET if pred(r.value) else NOT
        rules.append((when, status))

    def inferred(frame: Frame) -> Status:
        out = np.full(frame.n, UNK, dtype=np.int8)
        done = np.zeros(frame.n, dtype=bool)
        for when, status in rules:
            hit = (when(frame) == MET) & ~done
            out[hit] = status
            done |= hit
        return out

    return inferred


@dataclass
class TreeProgram:
    """One tree: every node's status for every row (``statuses[node.index]``)."""

    tree: Tree
    leaves: dict[int, _Leaf]
    fallbacks: dict[int, Side] = dataclasses.field(default_factory=dict)
    #: per node, the facts its status reads (a leaf's own, its warning signs' and inference conditions')
    reads: list[frozenset[str]] = dataclasses.field(default_factory=list)
    _affected: dict[frozenset[str], list[Node]] = dataclasses.field(default_factory=dict)

    def run(self, frame: Frame) -> Status:
        out = np.empty((len(self.tree.nodes), frame.n), dtype=np.int8)
        for node in reversed(self.tree.nodes):  # children have higher indices than their parent (pre-order)
            self._status(node, frame, out)
        return out

    def rerun(self, frame: Frame, base: Status, changed: frozenset[str]) -> Status:
        """The statuses with the facts ``changed`` given anew in ``frame``: the nodes that read none
        of them keep their status in ``base`` (the statuses of the same rows before)."""
        nodes = self._affected.get(changed)
        if nodes is None:
            nodes = self._affected[changed] = [n for n in reversed(self.tree.nodes) if self.reads[n.index] & changed]
        out = base.copy()
        for node in nodes:
            self._status(node, frame, out)
        return out

    def read_by(self, changed: frozenset[str]) -> frozenset[str]:
        """Every fact read by the leaves whose status the facts ``changed`` change."""
        return frozenset(f for n in self.tree.nodes if n.kind == "leaf" and self.reads[n.index] & changed
                         for f in self.reads[n.index])

    def _status(self, node: Node, frame: Frame, out: Status) -> None:
        i = node.index
        if node.kind == "leaf":
            present, true, undecided = self.leaves[i].test(frame)
            if node.op == "known":
                want = bool(node.operand)
                out[i] = np.where(true == want, MET, NOT)
            else:
                fb = self.fallbacks.get(i)
                absent = UNK if fb is None else fb(frame)
                out[i] = np.where(present, np.where(true, MET, NOT), absent)
                if undecided is not None:
                    out[i][undecided] = UNK
        elif node.kind == "const":  # a criterion its policy's parameters switch off: met
            out[i] = MET
        elif node.kind == "not":
            out[i] = 2 - out[node.children[0].index]
        elif node.kind == "all_of":
            out[i] = MET
            for c in node.children:
                np.minimum(out[i], out[c.index], out=out[i])
        else:
            out[i] = NOT
            for c in node.children:
                np.maximum(out[i], out[c.index], out=out[i])


def _tree(tree: Tree, dictionary: FactDictionary, drugs: DrugVocabulary) -> TreeProgram | str:
    if [n.index for n in tree.nodes] != list(range(len(tree.nodes))):
        return "tree nodes are not numbered in pre-order"
    extra = _extra(tree, _TREE_FIELDS)
    if extra:
        return f"criteria trees use {', '.join(extra)}"
    leaves: dict[int, _Leaf] = {}
    fallbacks: dict[int, Side] = {}
    for node in tree.nodes:
        extra = _extra(node, _NODE_FIELDS)
        if extra:
            return f"criterion {node.id or node.index} uses {', '.join(extra)}"
        if node.kind not in _KINDS:
            return f"node kind {node.kind!r}"
        if any(c.index <= node.index for c in node.children):
            return "a child numbered before its parent"
        if node.kind == "not" and len(node.children) != 1:
            return "a 'not' with other than one child"
        if node.kind == "leaf":
            if node.op not in _OPS:
                return f"operator {node.op!r}"
            leaf = _leaf(node, dictionary, drugs)
            if isinstance(leaf, str):
                return leaf
            leaves[node.index] = leaf
            fb = _fallback(node, dictionary, drugs)
            if isinstance(fb, str):
                return fb
            if fb is not None:
                fallbacks[node.index] = fb
    reads: list[frozenset[str]] = [frozenset()] * len(tree.nodes)
    for node in reversed(tree.nodes):
        reads[node.index] = frozenset(str(lf.fact) for lf in outlook_leaves(node)) if node.kind == "leaf" else \
            frozenset().union(*(reads[c.index] for c in node.children))
    return TreeProgram(tree, leaves, fallbacks, reads)


@dataclass
class _Need:
    """One way a missing document enters the answer: which node path must be unknown, which
    facts must be absent, and the document."""

    tree: int
    path: tuple[int, ...]
    absent: tuple[str, ...]
    present: tuple[str, ...]
    criterion: str
    fact: str
    document: str
    # (fact F, j): only where the leaf's fact F is known in part and its j-th settling fact is
    # missing; (F, -1): only where F is not known in part; None: F is never known in part
    part: tuple[str, int] | None = None


def _requested(fact: str, dictionary: FactDictionary, by_name: dict[str, Calculator],
               depth: int = 0) -> list[tuple[tuple[str, ...], tuple[str, ...], str]]:
    """What is asked for when ``fact`` is unknown, as (facts absent, facts present, fact to ask)
    alternatives in the row-wise order (:meth:`_Explainer._requested`)."""
    fd = dictionary.facts[fact]
    calc = by_name.get(fd.derived_by) if fd.derived_by else None
    if calc is None or fd.may_give or depth > 8:
        return [((), (), fact)]
    inputs = calc.inputs_for(fact)
    out: list[tuple[tuple[str, ...], tuple[str, ...], str]] = [((), tuple(inputs), fact)]
    for i in inputs:
        for absent, present, f in _requested(i, dictionary, by_name, depth + 1):
            out.append(((i, *absent), present, f))
    return out


def _leaves_under(node: Node, path: tuple[int, ...]) -> list[tuple[Node, tuple[int, ...]]]:
    path = (*path, node.index)
    if node.kind == "leaf":
        return [(node, path)]
    return [x for c in node.children for x in _leaves_under(c, path)]


@dataclass
class PolicyProgram:
    """A policy and phase as masks: statuses, verdicts, criteria and missing documents."""

    policy: Policy
    phase: str
    trees: list[TreeProgram]
    criteria: list[tuple[int, int, str]]  # (tree, node index, criterion id) in the determination's order
    needs: list[_Need]
    documents: list[str]
    dictionary: FactDictionary
    drugs: DrugVocabulary
    _facts: frozenset[str] | None = None
    _orders: dict[tuple[tuple[int, ...], tuple[str, ...]], list[tuple[int, ...]]] = \
        dataclasses.field(default_factory=dict)

    def run(self, frame: Frame) -> Answers:
        runs = [t.run(frame) for t in self.trees]
        n = frame.n
        if self.phase == "continuation":
            overall = [runs[0][0]]
            pathway_runs: list[Status] = []
        else:
            common = runs[0][0]
            pathway_runs = [np.minimum(common, r[0]) for r in runs[1:]]
            overall = pathway_runs
        verdict = np.zeros(n, dtype=np.int8)
        for s in overall:
            np.maximum(verdict, s, out=verdict)
        pathway = np.full(n, -1, dtype=np.int16)
        for k in reversed(range(len(pathway_runs))):
            pathway[pathway_runs[k] == MET] = k
        missing = self._missing(frame, runs, pathway_runs, verdict)
        undecided = pathway_runs if pathway_runs else overall
        asked = self._outlook(frame, undecided, verdict)
        if asked.any():
            asked &= ~self._proven_open(frame, runs, undecided, asked)
        for i in np.flatnonzero(asked):
            if not open_pathways(self.policy, self._values(frame, int(i)), self.phase, self.dictionary):
                verdict[i] = NOT  # no possibility meets an undecided pathway: nothing is asked for
                missing[i] = -1
        statuses = np.stack([runs[t][i] for t, i, _ in self.criteria]) if self.criteria else np.zeros((0, n), np.int8)
        return {"verdict": verdict, "pathway": pathway, "statuses": statuses, "missing": missing}

    def _outlook(self, frame: Frame, undecided: list[Status], verdict: Status) -> Bools:
        """Rows whose undecided answer :func:`mednec.engine.evaluate.open_pathways` may turn into not
        met: an undecided pathway tests a fact more than once that is undocumented or known only in
        part, and :func:`mednec.engine.outlook.could_meet` tries each value (each possibility) of
        it (those rows are asked, one by one, with the row-wise function). An undocumented fact
        counts as well as a partial one: two criteria can each be left open by the same missing
        fact yet fail together for every value of it (Zepbound's continuation: sleep apnea not
        improved, and the lifestyle programme stopped, with the indication undocumented)."""
        out = np.zeros(frame.n, dtype=bool)
        for k, trees in enumerate(self._pathway_trees()):
            open_ = (verdict == UNK) & (undecided[k] == UNK)
            if not open_.any():
                continue
            for f in outlook_shared(trees, self.dictionary):
                col = frame.facts.get(f)
                free = ~frame.has(f)
                if isinstance(col, Scalar) and col.part is not None:
                    free = free | col.part
                out |= open_ & free
        if frame.bad is not None:  # rows the row-wise engine answers: their columnar answer is not used
            out &= ~frame.bad
        return out

    def _proven_open(self, frame: Frame, runs: list[Status], undecided: list[Status], asked: Bools) -> Bools:
        """Rows of ``asked`` that :func:`open_pathways` would keep open, shown column-wise, so only
        the others are asked row by row. A row is open when some undecided pathway could still be
        met (:func:`mednec.engine.outlook.could_meet`): none of the pathway's shared facts is free
        (undocumented or known in part), or the row's combinations of their values are more than
        ``MAX_TRIALS`` (the benefit of the doubt), or one combination of values -- the values
        could_meet tries, and for a value known in part only its own possibilities -- leaves the
        pathway other than not met when the trees are run again with it (:meth:`_witness`). A row
        no combination tried here opens is left to the row-wise check, which also decides the
        rows where nothing could meet; so this only ever spares work, never changes an answer."""
        proven = np.zeros(frame.n, dtype=bool)
        for k, trees in enumerate(self._pathway_programs()):
            rows = asked & (undecided[k] == UNK) & ~proven
            if not rows.any():
                continue
            shared = outlook_shared(tuple(self.trees[t].tree for t in trees), self.dictionary)
            facts = list(shared)
            free = np.zeros((len(facts), frame.n), dtype=bool)
            count = np.ones(frame.n, dtype=np.int64)
            options: dict[str, Bools] = {}
            for j, f in enumerate(facts):
                free[j], options[f], opts = _free_options(frame, f, shared[f], self.dictionary.facts[f])
                count = np.minimum(count * np.where(free[j], np.maximum(opts, 1), 1), MAX_TRIALS + 1)
            # nothing to try, or too many combinations to try: could_meet answers open
            proven |= rows & (~free.any(axis=0) | (count > MAX_TRIALS))
            rows &= ~proven
            if not rows.any():
                continue
            signature = np.zeros(frame.n, dtype=np.int64)
            for j in range(len(facts)):
                signature |= free[j].astype(np.int64) << j
            for sig in np.unique(signature[rows]):
                group = np.flatnonzero(rows & (signature == sig))
                tried = [f for j, f in enumerate(facts) if (int(sig) >> j) & 1]
                proven[group[self._witness(frame, runs, trees, tried, shared, options, group)]] = True
        return proven

    def _witness(self, frame: Frame, runs: list[Status], trees: tuple[int, ...], tried: list[str],
                 shared: Mapping[str, tuple[object, ...]], options: dict[str, Bools], group: Ints) -> Bools:
        """For the rows ``group`` (the same facts ``tried`` free in each), whether some combination
        of the values could_meet tries leaves the pathway other than not met: the trees are run
        again on these rows with the combination in place of those facts (only the nodes that
        read them), the likeliest combinations first, up to ``WITNESS_TRIALS`` of them."""
        found = np.zeros(len(group), dtype=bool)
        changed = frozenset(tried)
        programs = [self.trees[t] for t in trees]
        needed = frozenset().union(*(p.read_by(changed) for p in programs))
        sub = take_rows(frame, group, needed)
        if sub is None:  # a recomputed test reads an events fact: the row-wise check
            return found
        base = [runs[t][:, group] for t in trees]
        columns: dict[tuple[str, int], Scalar] = {}
        for combo in self._combinations(trees, tried, shared):
            valid = ~found
            for f, c in zip(tried, combo, strict=True):
                valid &= options[f][group, c]
            if not valid.any():
                continue
            facts = dict(sub.facts)
            for f, c in zip(tried, combo, strict=True):
                col = columns.get((f, c))
                if col is None:
                    col = columns[f, c] = _constant(self.dictionary.facts[f], shared[f][c], len(group))
                facts[f] = col
            trial = dataclasses.replace(sub, facts=facts)
            status = np.full(len(group), MET, dtype=np.int8)
            for p, b in zip(programs, base, strict=True):
                np.minimum(status, p.rerun(trial, b, changed)[0], out=status)
            found |= valid & (status != NOT)
            if found.all():
                break
        return found

    def _combinations(self, trees: tuple[int, ...], tried: list[str],
                      shared: Mapping[str, tuple[object, ...]]) -> list[tuple[int, ...]]:
        """The first ``WITNESS_TRIALS`` combinations of the values of ``tried`` (positions in their
        domains) worth trying, likeliest first: each fact's values ranked by how many of the trees'
        tests on it they pass, and combinations by the sum of their ranks (the order changes how
        soon a combination that opens a row is found, never whether a found one does)."""
        key = (trees, tuple(tried))
        combos = self._orders.get(key)
        if combos is None:
            ranked = []
            for f in tried:
                tests = [pred for t in trees for n in self.trees[t].tree.nodes
                         if n.kind == "leaf" and n.fact == f and n.op not in ("known", "tried")
                         and (pred := _predicate(n)) is not None]
                passed = [sum(_passes(test, v) for test in tests) for v in shared[f]]
                ranked.append(sorted(range(len(passed)), key=[-p for p in passed].__getitem__))
            by_rank = _by_rank_sum([len(r) for r in ranked], WITNESS_TRIALS)
            combos = self._orders[key] = [tuple(r[c] for r, c in zip(ranked, combo, strict=True))
                                          for combo in by_rank]
        return combos

    def _pathway_programs(self) -> list[tuple[int, ...]]:
        """Per pathway, the positions in ``trees`` of the trees could_meet combines."""
        if self.phase == "continuation":
            return [(0,)]
        return [(0, t) for t in range(1, len(self.trees))]

    def _values(self, frame: Frame, i: int) -> Mapping[str, Any]:
        """Row ``i``'s facts that the policy's criteria read, as the values the row-wise engine's
        criteria run on (evaluate(): a step-therapy leaf reads the courses of medication_history)."""
        read = self._read()
        values = row_values(frame, i, self.dictionary, read)
        for fact in read:
            col = frame.facts.get(fact)
            if isinstance(col, Events) and col.has[i]:
                values[fact] = _fact_value(frame, fact, i, self.dictionary).value
        return with_courses(values, date_of(frame.as_of[i]), self.drugs)

    def _read(self) -> frozenset[str]:
        """Every fact a test of the policy's trees reads (warning signs and inference conditions too)."""
        if self._facts is None:
            self._facts = frozenset(str(lf.fact) for t in self.trees for lf in outlook_leaves(t.tree.root))
        return self._facts

    def _pathway_trees(self) -> list[tuple[Tree, ...]]:
        if self.phase == "continuation":
            return [(self.trees[0].tree,)]
        return [(self.trees[0].tree, t.tree) for t in self.trees[1:]]

    def _missing(self, frame: Frame, runs: list[Status], pathway_runs: list[Status], verdict: Status) -> Ints:
        """Per row, the missing documents' positions in ``documents`` (-1 padded), in order of first
        need; only rows with insufficient information ask for any (the masks are taken over those)."""
        docs = max(1, len(self.documents))
        out = np.full((frame.n, docs), -1, dtype=np.int64)
        rows = np.flatnonzero(verdict == UNK)
        if not len(rows):
            return out
        none = np.iinfo(np.int32).max
        first = np.full((docs, len(rows)), none, dtype=np.int32)
        unknown = [r[:, rows] == UNK for r in runs]
        open_ = [p[rows] == UNK for p in pathway_runs]
        has: dict[str, Bools] = {}
        part: dict[tuple[str, int], Bools] = {}
        doc_index = {d: j for j, d in enumerate(self.documents)}
        for k, need in enumerate(self.needs):
            mask = np.ones(len(rows), dtype=bool)
            if need.tree > 0 and self.phase != "continuation":
                mask &= open_[need.tree - 1]
            for i in need.path:
                mask &= unknown[need.tree][i]
            for f in (*need.absent, *need.present):
                if f not in has:
                    has[f] = frame.has(f)[rows]
            for f in need.absent:
                mask &= ~has[f]
            for f in need.present:
                mask &= has[f]
            if need.part is not None:
                if need.part not in part:
                    part[need.part] = _part_bit(frame, *need.part)[rows]
                mask &= part[need.part]
            j = doc_index[need.document]
            first[j][mask & (first[j] == none)] = k  # the needs come in order: the first one stays
        order = np.argsort(first.T, axis=1, kind="stable")
        ranked = np.take_along_axis(first.T, order, axis=1)
        out[rows] = np.where(ranked < none, order, -1)
        return out


def _by_rank_sum(sizes: list[int], limit: int) -> list[tuple[int, ...]]:
    """The first ``limit`` combinations of positions ``0 <= c[i] < sizes[i]`` by the sum of their
    positions, combinations of one sum in lexicographic order (what sorting the whole product by sum
    gives, without building it: a policy may share many facts with many values)."""
    out: list[tuple[int, ...]] = []
    for total in range(sum(s - 1 for s in sizes) + 1):
        for combo in _compositions(total, sizes):
            out.append(combo)
            if len(out) == limit:
                return out
    return out


def _compositions(total: int, sizes: list[int]) -> Iterator[tuple[int, ...]]:
    if not sizes:
        if total == 0:
            yield ()
        return
    rest = sum(s - 1 for s in sizes[1:])
    for c in range(max(0, total - rest), min(sizes[0] - 1, total) + 1):
        for tail in _compositions(total - c, sizes[1:]):
            yield (c, *tail)


def _free_options(frame: Frame, fact: str, domain: tuple[object, ...], fd: FactDef) -> tuple[Bools, Bools, Ints]:
    """Where ``fact`` is free for could_meet (undocumented or known in part); per row and value of
    ``domain``, whether could_meet would try that value; and how many values it tries per row
    (:func:`mednec.engine.outlook._options`: a value known in part only over its possibilities,
    a number's two ends and the points of the domain between them)."""
    n = frame.n
    col = frame.facts.get(fact)
    part = col.part if isinstance(col, Scalar) and col.part is not None else np.zeros(n, dtype=bool)
    free = ~frame.has(fact) | part
    member = np.ones((n, len(domain)), dtype=bool)
    count = np.full(n, len(domain), dtype=np.int64)
    if isinstance(col, Scalar) and part.any():
        _, high, options, _, _ = col.partial(n)
        if fd.type == "number":
            points = np.array(domain, dtype=np.float64)
            inside = (points[None, :] >= col.values[:, None]) & (points[None, :] <= high[:, None])
            member[part] = inside[part]
            count = np.where(part, inside.sum(axis=1) + 2, count)
        else:
            codes = np.array([_code(fd, v) for v in domain], dtype=np.int64)
            bits = (options[:, None] >> codes[None, :]) & 1 == 1
            member[part] = bits[part]
            count = np.where(part, bits.sum(axis=1), count)
    return free, member, count


def _passes(test: Callable[[object], bool], value: object) -> bool:
    try:
        return bool(test(value))
    except Exception:  # noqa: BLE001 - a test that cannot run on this value only orders it last
        return False


def _code(fd: FactDef, value: object) -> int:
    """A category's or boolean's code in the columns (a category key's position; false 0, true 1)."""
    return next(c for c, k in enumerate(fd.values) if k == value) if fd.type == "category" else int(bool(value))


def _constant(fd: FactDef, value: object, n: int) -> Scalar:
    """A column of ``fd`` holding ``value`` (a category key, a boolean or a number) in every row."""
    if fd.type == "category":
        return Scalar(fd.type, np.full(n, _code(fd, value), dtype=np.int16), np.ones(n, dtype=bool))
    if fd.type == "boolean":
        return Scalar(fd.type, np.full(n, bool(value), dtype=bool), np.ones(n, dtype=bool))
    assert isinstance(value, int | float)  # a number fact's values to try are numbers (outlook._shared)
    return Scalar(fd.type, np.full(n, float(value), dtype=np.float64), np.ones(n, dtype=bool))


def _part_bit(frame: Frame, fact: str, j: int) -> Bools:
    """Rows where ``fact`` is known in part with its ``j``-th settling fact missing (``j`` = -1:
    rows where it is not known in part)."""
    col = frame.facts.get(fact)
    if not isinstance(col, Scalar) or col.part is None:
        return np.full(frame.n, j < 0, dtype=bool)
    if j < 0:
        return ~col.part
    rows: Bools = col.part & (((col.partial(frame.n)[3] >> j) & 1) == 1)
    return rows


def _needs(trees: list[TreeProgram], dictionary: FactDictionary, by_name: dict[str, Calculator],
           partial: dict[str, tuple[str, ...]]) -> tuple[list[_Need], list[str]] | str:
    """Every way a document is asked for, in the row-wise order (:meth:`_Explainer._collect`): a
    leaf's fact, or what its calculator lacks; for a value known in part, the facts that would
    settle it (:meth:`_Explainer._requested`)."""
    needs: list[_Need] = []
    for t, tp in enumerate(trees):
        for top in tp.tree.root.children:
            for leaf, path in _leaves_under(top, ()):
                lf = str(leaf.fact)
                settle = partial.get(lf)
                for absent, present, fact in _requested(lf, dictionary, by_name):
                    for doc in leaf.documentation or (dictionary.facts[fact].document,):
                        needs.append(_Need(t, path, absent, present, str(top.id), fact, doc,
                                           None if settle is None else (lf, -1)))
                for j, m in enumerate(settle or ()):
                    if m not in dictionary.facts or m in partial:
                        return f"{lf} known in part is settled by {m}, which the columns cannot ask for"
                    for absent, present, fact in _requested(m, dictionary, by_name):
                        if fact == lf:
                            return f"{lf} known in part may be settled by itself"
                        for doc in leaf.documentation or (dictionary.facts[fact].document,):
                            needs.append(_Need(t, path, absent, present, str(top.id), fact, doc, (lf, j)))
    documents = list(dict.fromkeys(n.document for n in needs))
    return needs, documents


def unsupported_everywhere(dictionary: FactDictionary, calculators: CalculatorSet) -> str | None:
    """A reason no policy of a pack can be evaluated column-wise (the derivation rules changed, or a
    calculator or fact uses a feature the columns do not know)."""
    if not digests.matches("derive"):
        return "the rules for deriving facts (CalculatorSet.derive) changed since the columnar engine was written"
    for calc in calculators:
        extra = _extra(calc, _CALC_FIELDS)
        if extra:
            return f"calculator {calc.name} uses {', '.join(extra)}"
    for fd in dictionary.facts.values():
        extra = _extra(fd, KNOWN_FACT_FIELDS)
        if extra:
            return f"fact {fd.id} uses {', '.join(extra)}"
    return None


def compile_program(policy: Policy, phase: str, dictionary: FactDictionary,
                    calculators: CalculatorSet) -> PolicyProgram | str:
    """The policy's program for ``phase`` (its pack derives facts with ``calculators``), or why it
    must be evaluated row-wise."""
    reason = unsupported_everywhere(dictionary, calculators)
    if reason:
        return reason
    extra = _extra(policy, _POLICY_FIELDS)
    if extra:
        return f"the policy uses {', '.join(extra)}"
    if phase == "continuation":
        if policy.continuation is None:
            return "no continuation criteria"
        trees = [policy.continuation.tree]
    else:
        trees = [policy.common] + [p.tree for p in policy.pathways]
    programs: list[TreeProgram] = []
    for tree in trees:
        tp = _tree(tree, dictionary, calculators.drugs)
        if isinstance(tp, str):
            return tp
        programs.append(tp)
    criteria = [(t, n.index, str(n.id)) for t, tp in enumerate(programs) for n in tp.tree.nodes if n.id]
    partial = {out: facts for calc in calculators if (twin := twin_for(calc)) is not None
               for out, facts in twin.partial}
    asked = _needs(programs, dictionary, dict(calculators.by_name), partial)
    if isinstance(asked, str):
        return asked
    needs, documents = asked
    return PolicyProgram(policy, phase, programs, criteria, needs, documents, dictionary, calculators.drugs)
