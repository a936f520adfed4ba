"""evaluate(policy, facts) -> Determination. Pure: no I/O, no clock, no randomness.

The decision rule, for the initial phase:

* every pathway's status is its own criteria AND the policy's common criteria (Kleene);
* ``meets_criteria`` when some pathway is met (the first met pathway is reported);
* otherwise ``insufficient_information`` when some pathway is unknown: nothing has ruled it
  out, and the missing documentation is exactly the unknown facts that pathway still needs;
* otherwise ``does_not_meet_criteria``.

For the continuation phase the continuation criteria decide the same way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from mednec.calculators.registry import BY_NAME, derive
from mednec.engine.determination import (
    INSUFFICIENT,
    MEETS,
    NOT_MET,
    Alternative,
    Change,
    CitedRef,
    CriterionResult,
    Determination,
    MissingDocument,
    MissingFact,
    PathwayResult,
)
from mednec.facts.dictionary import FactDictionary
from mednec.facts.factset import FactSet, FactValue
from mednec.policies.model import Node, Pack, Policy, Tree
from mednec.policies.references import Citation
from mednec.tri import Tri

__all__ = ["PHASES", "decide", "evaluate", "input_hash", "prepare"]

PHASES = ("initial", "continuation")
_MET, _NOT, _UNK = Tri.MET, Tri.NOT_MET, Tri.UNKNOWN


def prepare(facts: FactSet, dictionary: FactDictionary) -> FactSet:
    """Add every fact the calculators can derive from the given ones."""
    return derive(facts, {k: fd.unit for k, fd in dictionary.facts.items()})


def _run(tree: Tree, values: Mapping[str, Any]) -> list[Tri]:
    out = [_UNK] * len(tree.nodes)
    tree.run(values, out)
    return out


def decide(policy: Policy, values: Mapping[str, Any], phase: str = "initial") -> tuple[str, str | None]:
    """The determination and met pathway id only (used for alternatives and benchmarks)."""
    if phase == "continuation":
        if policy.continuation is None:
            raise ValueError(f"policy {policy.id} has no continuation criteria")
        status = _run(policy.continuation.tree, values)[0]
        return _verdict([status]), ("continuation" if status is _MET else None)
    common = _run(policy.common, values)[0]
    statuses = []
    for p in policy.pathways:
        own = _run(p.tree, values)[0]
        s = _NOT if (common is _NOT or own is _NOT) else _UNK if _UNK in (common, own) else _MET
        if s is _MET:
            return MEETS, p.id
        statuses.append(s)
    return _verdict(statuses), None


def _verdict(statuses: list[Tri]) -> str:
    if _MET in statuses:
        return MEETS
    if _UNK in statuses:
        return INSUFFICIENT
    return NOT_MET


def input_hash(policy: Policy, facts: FactSet, phase: str) -> str:
    """SHA-256 of the policy version, phase, evaluation date and given fact values."""
    given = {
        k: [_plain(fv.value), fv.unit, fv.observed.isoformat() if fv.observed else None]
        for k, fv in sorted(facts.items())
        if not fv.derived
    }
    blob = json.dumps(
        {"policy": policy.id, "version": policy.version, "phase": phase,
         "as_of": facts.as_of.isoformat(), "facts": given},
        sort_keys=True, separators=(",", ":"),
    )
    return "sha256:" + hashlib.sha256(blob.encode()).hexdigest()


def _plain(v: Any) -> Any:
    if isinstance(v, tuple | list):
        return [_plain(x) for x in v]
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in sorted(v.items())}
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


class _Citations:
    """Numbers citations in order of first use."""

    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        self.order: dict[str, int] = {}
        self.sections: dict[str, list[str]] = {}

    def add(self, cites: tuple[Citation, ...]) -> tuple[int, ...]:
        nums = []
        for c in cites:
            if c.ref not in self.order:
                self.order[c.ref] = len(self.order) + 1
                self.sections[c.ref] = []
            if c.section and c.section not in self.sections[c.ref]:
                self.sections[c.ref].append(c.section)
            nums.append(self.order[c.ref])
        return tuple(dict.fromkeys(nums))

    def refs(self) -> tuple[CitedRef, ...]:
        return tuple(
            CitedRef(n, self.pack.references[ref], tuple(self.sections[ref]))
            for ref, n in self.order.items()
        )


class _Explainer:
    """Turns node statuses into criterion results, missing documents and changes."""

    def __init__(self, facts: FactSet, dictionary: FactDictionary, cites: _Citations) -> None:
        self.facts = facts
        self.dictionary = dictionary
        self.cites = cites
        self.criteria: list[CriterionResult] = []
        self.missing: dict[str, dict[str, list[str]]] = {}
        self.changes: list[Change] = []
        self.derived_cites: list[Citation] = []

    def evidence(self, node: Node) -> tuple[FactValue | MissingFact, ...]:
        out: list[FactValue | MissingFact] = []
        for f in node.facts:
            fv = self.facts.get(f)
            if fv is not None:
                out.append(fv)
                calc = fv.provenance.source.removeprefix("calculated: ")
                if fv.derived and calc in BY_NAME and BY_NAME[calc].citation:
                    self.derived_cites.append(Citation(BY_NAME[calc].citation))
            else:
                fd = self.dictionary.facts[f]
                out.append(MissingFact(f, fd.label, fd.document, fd.question))
        return tuple(out)

    def tree(self, tree: Tree, statuses: list[Tri], pathway: str | None, relevant: bool) -> None:
        def walk(node: Node, parent: str | None, depth: int) -> None:
            here_parent, here_depth = parent, depth
            if node.is_criterion:
                st = statuses[node.index]
                self.criteria.append(
                    CriterionResult(
                        id=str(node.id),
                        text=str(node.text),
                        status=st,
                        pathway=pathway,
                        parent=parent,
                        depth=depth,
                        condition=node.condition,
                        evidence=self.evidence(node),
                        citations=self.cites.add(node.cites),
                        documentation=node.documentation
                        or tuple(dict.fromkeys(self.dictionary.facts[f].document for f in node.facts if f in self.dictionary.facts)),
                        if_unmet=node.if_unmet if st is not _MET else None,
                        note=node.note,
                    )
                )
                here_parent, here_depth = node.id, depth + 1
            for c in node.children:
                walk(c, here_parent, here_depth)

        walk(tree.root, None, 0)
        if relevant:
            self._collect(tree, statuses, pathway)

    def _collect(self, tree: Tree, statuses: list[Tri], pathway: str | None) -> None:
        """Missing facts under unknown nodes; changes for top-level unmet/unknown criteria."""
        for top in tree.root.children:
            st = statuses[top.index]
            if st is _MET:
                continue
            missing = self._unknown_leaves(top, statuses)
            if st is _UNK:
                for leaf in missing:
                    fact = str(leaf.fact)
                    fd = self.dictionary.facts[fact]
                    docs = leaf.documentation or (fd.document,)
                    for d in docs:
                        entry = self.missing.setdefault(d, {"facts": [], "criteria": []})
                        if fact not in entry["facts"]:
                            entry["facts"].append(fact)
                        if top.id not in entry["criteria"]:
                            entry["criteria"].append(str(top.id))
            self.changes.append(Change(str(top.id), pathway, st, self._change_text(top, st, missing)))

    def _unknown_leaves(self, node: Node, statuses: list[Tri]) -> list[Node]:
        if statuses[node.index] is not _UNK:
            return []
        if node.kind == "leaf":
            return [node]
        return [leaf for c in node.children for leaf in self._unknown_leaves(c, statuses)]

    def _change_text(self, node: Node, st: Tri, missing: list[Node]) -> str:
        if st is _UNK:
            labels = ", ".join(dict.fromkeys(self.dictionary.facts[str(n.fact)].label for n in missing))
            return f"Document {labels.lower() if labels else 'the facts this criterion reads'}; the criterion needs: {node.condition}."
        if node.if_unmet:
            return node.if_unmet
        current = "; ".join(
            f"{self.dictionary.facts[f].label} is {_show(self.facts[f])}"
            for f in node.facts if f in self.facts
        )
        return f"Would need: {node.condition}" + (f" (currently: {current})." if current else ".")


def _show(fv: FactValue) -> str:
    v = fv.value
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:g} {fv.unit}" if fv.unit else f"{v:g}"
    if isinstance(v, tuple):
        return f"{len(v)} recorded"
    return str(v).replace("_", " ")


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
    full = facts if derived else prepare(facts, dictionary)
    values = {k: fv.value for k, fv in full.items()}
    cites = _Citations(pack)
    ex = _Explainer(full, dictionary, cites)
    pathways: list[PathwayResult] = []
    met: PathwayResult | None = None
    authorization: dict[str, Any] | None = None
    if phase == "continuation":
        cont = policy.continuation
        if cont is None:
            raise ValueError(f"policy {policy.id} has no continuation criteria")
        statuses = _run(cont.tree, values)
        status = statuses[0]
        ex.tree(cont.tree, statuses, "continuation", relevant=status is not _MET)
        verdict = _verdict([status])
        auth = cont.authorization
    else:
        common_st = _run(policy.common, values)
        pathway_st = [(p, _run(p.tree, values)) for p in policy.pathways]
        overall: list[Tri] = []
        for p, st in pathway_st:
            c, own = common_st[0], st[0]
            s = _NOT if _NOT in (c, own) else _UNK if _UNK in (c, own) else _MET
            overall.append(s)
            pr = PathwayResult(p.id, p.name, p.line, s, p.description, cites.add(p.cites))
            pathways.append(pr)
            if s is _MET and met is None:
                met = pr
        verdict = _verdict(overall)
        ex.tree(policy.common, common_st, None, relevant=verdict != MEETS)
        for (p, st), s in zip(pathway_st, overall, strict=True):
            # an unknown pathway's own missing facts matter; a ruled-out one's do not
            ex.tree(p.tree, st, p.id, relevant=verdict != MEETS and (s is _UNK or verdict == NOT_MET))
        auth = policy.initial_authorization
    if verdict == MEETS:
        authorization = {
            "period": auth.text,
            "start": full.as_of.isoformat(),
            "end": auth.end_date(full.as_of).isoformat(),
            "citations": list(cites.add(auth.cites)),
            "note": auth.note,
        }
    for c in dict.fromkeys(ex.derived_cites):
        if c.ref in pack.references:
            cites.add((c,))
    missing = tuple(
        MissingDocument(
            document=d,
            description=dictionary.document_text(d),
            facts=tuple(v["facts"]),
            questions=tuple(dict.fromkeys(dictionary.facts[f].question for f in v["facts"] if dictionary.facts[f].question)),
            criteria=tuple(v["criteria"]),
        )
        for d, v in ex.missing.items()
    ) if verdict == INSUFFICIENT else ()
    changes = tuple(ex.changes) if verdict != MEETS else ()
    return Determination(
        determination=verdict,
        phase=phase,
        pathway=met if phase == "initial" else None,
        pathways=tuple(pathways),
        criteria=tuple(ex.criteria),
        missing_documentation=missing,
        changes=changes,
        alternatives=_alternatives(policy, pack, values),
        citations=cites.refs(),
        policy={
            "id": policy.id,
            "version": policy.version,
            "effective_date": policy.effective_date.isoformat(),
            "title": policy.title,
            "drug": policy.drug.generic,
            "pack": pack.id,
            "pack_version": pack.version,
            "fact_dictionary_version": dictionary.version,
        },
        authorization=authorization,
        as_of=full.as_of,
        input_hash=input_hash(policy, facts, phase),
        notes=full.notes,
        facts=tuple(full[k] for k in sorted(full)),
    )


def _alternatives(policy: Policy, pack: Pack, values: Mapping[str, Any]) -> tuple[Alternative, ...]:
    """Every other policy in the pack, evaluated for the same patient, in sequence order."""
    order = {pid: i for i, step in enumerate(pack.sequence) for pid in reversed(step.policies)}
    steps = {pid: step.text for step in pack.sequence for pid in step.policies}
    out = []
    for other in pack.policies:
        if other.id == policy.id:
            continue
        verdict, pathway = decide(other, values)
        line = next((p.line for p in other.pathways if p.id == pathway), None)
        out.append(
            Alternative(other.id, other.drug.generic, tuple(other.drug.brands), verdict, pathway,
                        line, steps.get(other.id, other.sequence_note))
        )
    out.sort(key=lambda a: (order.get(a.policy, 99), a.line or 9, a.policy))
    return tuple(out)
