"""Boundary cases generated from a policy: every numeric threshold tested just below, at and just above.

For each leaf comparing a number fact (``lt``, ``le``, ``gt``, ``ge``) in a policy and in each of its
payer variants, :func:`check_policy` writes the fact's value as a case would give it -- in the unit the
policy wrote the threshold in, and in every other unit the fact accepts (converted both ways: the
threshold to the unit, and the case's value back through the case-file parser) -- and runs the
compiled criterion on it:

* in the policy's unit: just below, exactly at, and just above the threshold (one step in the
  threshold's last significant place, e.g. 69.99 / 70 / 70.01 mg/dL);
* in every other unit: 0.1 % below and above (a value exactly at a converted threshold has no exact
  decimal in most units, so "at" is tested where it is exact).

The expected status follows from the operator (``ge``: below not met, at and above met; ...). A value
the fact's plausible range refuses is not generated. The criterion's own words are compared with its
operator too: "at least 70", "≥ 70" or "70 or more" over ``gt: 70`` is a problem (a misplaced ``<``).
Facts only a calculator derives are listed as not generated (their calculators have their own tests).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from mednec.errors import MednecError
from mednec.facts.dictionary import FactDef, FactDictionary, normalize_unit
from mednec.intake.values import parse_fact_value
from mednec.policies.model import Node, Policy, Tree
from mednec.tri import Tri

__all__ = ["BoundaryReport", "check_policy", "numeric_leaves"]

_OPS = ("lt", "le", "gt", "ge")
_EXPECT = {  # side -> op -> status
    "below": {"lt": Tri.MET, "le": Tri.MET, "gt": Tri.NOT_MET, "ge": Tri.NOT_MET},
    "at": {"lt": Tri.NOT_MET, "le": Tri.MET, "gt": Tri.NOT_MET, "ge": Tri.MET},
    "above": {"lt": Tri.NOT_MET, "le": Tri.NOT_MET, "gt": Tri.MET, "ge": Tri.MET},
}
_AS_OF = dt.date(2026, 1, 1)
_SYMBOL = {"lt": "<", "le": "≤", "gt": ">", "ge": "≥"}


@dataclass
class BoundaryReport:
    """Generated cases for one policy (and its variants), and what went wrong."""

    generated: int = 0
    problems: list[str] = field(default_factory=list)
    derived_only: set[str] = field(default_factory=set)


def numeric_leaves(policy: Policy) -> Iterator[tuple[Tree, Node]]:
    """Every leaf comparing a number fact with a threshold, tree by tree."""
    for _, tree in policy.trees():
        for node in tree.nodes:
            if node.kind == "leaf" and node.op in _OPS and isinstance(node.operand, int | float):
                yield tree, node


def _step(x: float) -> float:
    """One step in the last significant place of a threshold as written (70 -> 0.01, 5.5 -> 0.001)."""
    if x == 0:
        return 0.001
    return 10.0 ** (math.floor(math.log10(abs(x))) - 3)


def _status(tree: Tree, node: Node, fd: FactDef, value: float, unit: str | None) -> Tri | None:
    try:
        fv = parse_fact_value(fd, {"value": value, "unit": unit} if unit else value, as_of=_AS_OF,
                              path=fd.id, source="boundary")
    except MednecError:
        return None  # outside the plausible range: not a case anyone can give
    if fv is None:
        return None
    out = [Tri.UNKNOWN] * len(tree.nodes)
    tree.run({fd.id: fv.value}, out)
    return out[node.index]


def _units(fd: FactDef, written: str | None) -> list[tuple[str, float]]:
    """One spelling per distinct conversion factor: the policy's unit first, then the others."""
    out: dict[float, str] = {}
    if written is not None and fd.accepts_unit(written):
        out[fd.units.get(written, 0.0) or fd.convert(1.0, written, path=fd.id)] = written
    for u, f in fd.units.items():
        out.setdefault(float(f), u)
    return [(u, f) for f, u in out.items()]


_WORDS = (
    ("ge", r"≥|>=|=>|at\s+least|no\s+less\s+than|not\s+below|minimum\s+(?:of\s+)?", r"or\s+(?:more|higher|greater|above|over)"),
    ("le", r"≤|<=|=<|at\s+most|no\s+more\s+than|not\s+above|up\s+to|maximum\s+(?:of\s+)?", r"or\s+(?:less|lower|fewer|below|under)"),
    ("gt", r">|more\s+than|greater\s+than|higher\s+than|above|over|exceeding|exceeds", None),
    ("lt", r"<|less\s+than|lower\s+than|fewer\s+than|below|under", None),
)


def _text_op(text: str, number: float) -> str | None:
    """The comparison the criterion's words state for ``number``, if they state one."""
    shown = f"{number:g}"
    for op, before, after in _WORDS:
        if re.search(rf"(?:{before})\s*{re.escape(shown)}(?![\d.])", text, re.I):
            return op
        if after and re.search(rf"(?<![\d.]){re.escape(shown)}(?:\s*[^\s\d,;.]+){{0,3}}\s+{after}\b", text, re.I):
            return op
    return None


def _check_leaf(policy: Policy, tree: Tree, node: Node, dictionary: FactDictionary, report: BoundaryReport,
                label: str) -> None:
    fd = dictionary.facts.get(str(node.fact))
    if fd is None or fd.type != "number" or not isinstance(node.operand, int | float):
        return
    if not fd.may_give:
        report.derived_only.add(fd.id)
        return
    op, x = str(node.op), float(node.operand)  # canonical
    written = node.unit if node.unit and fd.accepts_unit(node.unit) else fd.unit
    where = f"{label} criterion {node.id or _criterion_of(tree, node)} ({fd.id} {_SYMBOL[op]})"
    for unit, factor in _units(fd, written):
        own = unit == written or normalize_unit(unit) == normalize_unit(written or "")
        at = x / factor
        sides: tuple[tuple[str, float], ...]
        if own:
            sides = (("below", at - _step(at)), ("at", at), ("above", at + _step(at)))
        else:
            sides = (("below", at * (1 - 1e-3)), ("above", at * (1 + 1e-3)))
        for side, value in sides:
            value = float(f"{value:.10g}")
            got = _status(tree, node, fd, value, unit)
            if got is None:
                continue
            report.generated += 1
            want = _EXPECT[side][op]
            if got is not want:
                report.problems.append(f"boundary: {where}: {value:g} {unit} ({side} the threshold "
                                       f"{at:g} {unit}) is {got.value}, expected {want.value}")
    text_op = _text_op(_criterion_text(tree, node), float(f"{x / (_factor(fd, written)):.10g}"))
    if text_op is not None and text_op != op:
        report.problems.append(f"boundary: {where}: the criterion's words say {_SYMBOL[text_op]} but the test is "
                               f"{_SYMBOL[op]}")


def _factor(fd: FactDef, unit: str | None) -> float:
    return 1.0 if unit is None else fd.convert(1.0, unit, path=fd.id)


def _criterion_text(tree: Tree, node: Node) -> str:
    """The leaf's own text, else that of the criterion it belongs to (when the leaf is its only test)."""
    if node.text:
        return node.text
    parent = next((n for n in tree.nodes if node in n.children), None)
    if parent is not None and parent.id and len(parent.children) == 1:
        return parent.text or ""
    return ""


def _criterion_of(tree: Tree, node: Node) -> str:
    best = ""
    for n in tree.nodes:
        if n.id and n.index < node.index and _contains(n, node):
            best = n.id
    return best or f"#{node.index}"


def _contains(n: Node, target: Node) -> bool:
    return any(c is target or _contains(c, target) for c in n.children)


def check_policy(policy: Policy, dictionary: FactDictionary) -> BoundaryReport:
    """Generate and check the boundary cases of ``policy`` and of each of its variants."""
    report = BoundaryReport()
    for p in (policy, *policy.variants):
        label = f"variant {p.variant.id}" if p.variant is not None else "policy"
        for tree, node in numeric_leaves(p):
            _check_leaf(p, tree, node, dictionary, report, label)
    return report
