"""What documentation could still change: can an undecided pathway be met at all?

Kleene logic leaves a pathway *unknown* whenever an undocumented fact could matter, even when
no value of it would satisfy the pathway -- two tests on one fact that cannot both hold
(``esa_status`` naive and failed), or a value known in part whose every possibility fails
somewhere else. Before an answer asks for documents, :func:`could_meet` checks that some value
of the undocumented facts meets the pathway: only facts read by more than one test of the
pathway (with the common criteria) can conflict, so only those are tried, over the values that
matter (each category value, true and false, each threshold a test compares the fact with and
the numbers just beside it; a value known in part only over its own possibilities). A pathway
that no documentation could meet is ruled out; when every undecided pathway is ruled out the
answer is *does not meet criteria*, saying that the missing documents would not change it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from functools import cache

from mednec.facts.dictionary import FactDictionary
from mednec.facts.factset import Datum, Values
from mednec.facts.partial import Between, OneOf
from mednec.policies.model import Node, Scalar, Tree
from mednec.tri import Tri

__all__ = ["MAX_TRIALS", "could_meet"]

MAX_TRIALS = 4096  # beyond this many combinations the pathway is given the benefit of the doubt
_STEP = 1e-6


def _leaves(node: Node) -> list[Node]:
    out: list[Node] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.kind == "leaf":
            out.append(n)
            if n.presume is not None:
                stack.extend(n.presume.unless)
            stack.extend(r.when for r in n.infer)
        stack.extend(n.children)
    return out


@cache
def _shared(trees: tuple[Tree, ...], dictionary: FactDictionary) -> Mapping[str, tuple[Scalar, ...]]:
    """Facts read by more than one test of ``trees``, each with the values worth trying."""
    leaves = [lf for t in trees for lf in _leaves(t.root)]
    count: dict[str, int] = {}
    points: dict[str, set[float]] = {}
    for lf in leaves:
        f = str(lf.fact)
        count[f] = count.get(f, 0) + 1
        if lf.op in ("lt", "le", "gt", "ge") and isinstance(lf.operand, int | float):
            x = float(lf.operand)
            points.setdefault(f, set()).update((x - _STEP, x, x + _STEP))
    out: dict[str, tuple[Scalar, ...]] = {}
    for f, n in count.items():
        fd = dictionary.facts.get(f)
        if n < 2 or fd is None:
            continue
        if fd.type == "boolean":
            out[f] = (True, False)
        elif fd.type == "category":
            out[f] = tuple(fd.values)
        elif fd.type == "number":
            lo, hi = fd.range or (-1e12, 1e12)
            out[f] = tuple(sorted({lo, hi, *(p for p in points.get(f, ()) if lo <= p <= hi)}))
    return out


def _options(value: Datum | None, domain: tuple[Scalar, ...]) -> tuple[Datum, ...]:
    if isinstance(value, OneOf):
        return value.options
    if isinstance(value, Between):
        inside = tuple(x for x in domain if isinstance(x, int | float) and value.low <= x <= value.high)
        return (value.low, *inside, value.high)
    return domain


def could_meet(trees: tuple[Tree, ...], values: Values, dictionary: FactDictionary,
               combine: Callable[[list[Tri]], Tri]) -> bool:
    """Whether some documentation of the undocumented facts (or some possibility of a value known
    in part) could leave ``combine`` of the trees' statuses other than not met."""
    shared = _shared(trees, dictionary)
    free = {f: _options(values.get(f), dom) for f, dom in shared.items()
            if values.get(f) is None or isinstance(values.get(f), OneOf | Between)}
    if not free:
        return True
    total = 1
    for opts in free.values():
        total *= max(1, len(opts))
        if total > MAX_TRIALS:
            return True
    names = list(free)
    trial = dict(values)
    for combo in itertools.product(*(free[f] for f in names)):
        trial.update(zip(names, combo, strict=True))
        if combine([t.check(trial) for t in trees]) is not Tri.NOT_MET:
            return True
    return False
