"""Compiled policies: frozen dataclasses the engine evaluates.

A :class:`Tree` is a criteria tree flattened in pre-order (``nodes``) with a compiled
evaluation function ``run(values, out)`` that writes every node's status into ``out`` (so
the determination can explain every node) and returns the root's status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple, TypeAlias

from mednec.calculators.registry import CalculatorSet
from mednec.errors import UnknownDrugError
from mednec.facts.drugs import DrugVocabulary
from mednec.facts.factset import Values
from mednec.jsontypes import JSONObject
from mednec.policies.benefits import BenefitExclusion
from mednec.policies.references import Citation, Reference
from mednec.policies.schema import DrugModel
from mednec.policies.steps import Step
from mednec.policies.vocabulary import PackVocabulary
from mednec.tri import Tri

__all__ = [
    "CheckFn",
    "Operand",
    "ParameterValue",
    "RunFn",
    "Scalar",
    "Inference",
    "Parameter",
    "Presumption",
    "Variant",
    "Authorization",
    "Continuation",
    "DosingRule",
    "Node",
    "Pack",
    "Pathway",
    "Policy",
    "SequenceStep",
    "Tree",
]

#: a tree's recording evaluation: every node's status written into the list, the root's returned
RunFn: TypeAlias = Callable[[Values, list[Tri]], Tri]
#: a tree's short-circuiting evaluation: the root's status only
CheckFn: TypeAlias = Callable[[Values], Tri]
#: a value a criterion compares a fact with: a number, yes/no, or a category key
Scalar: TypeAlias = bool | float | str
#: a compiled leaf's operand: a threshold (float), yes/no (``is``, ``known``), a category or boolean
#: (``eq``), their tuple (``in``, ``not_in``), a treatment-history step (``tried``); ``None`` for a leaf
#: whose fact is unknown to the dictionary (reported as a problem)
Operand: TypeAlias = Scalar | tuple[Scalar, ...] | Step | None
#: a policy parameter's value: a number, yes/no, a word, or a tuple of words
ParameterValue: TypeAlias = Scalar | tuple[Scalar, ...]


class Presumption(NamedTuple):
    """A leaf whose undocumented fact is presumed to pass (the statement the request attests)."""

    attest: str
    why: str
    unless: tuple[Node, ...]  # warning signs: any met -> ask instead of presuming
    cites: tuple[Citation, ...]
    checks: tuple[CheckFn, ...] = ()  # the warning signs compiled, in order


class Inference(NamedTuple):
    """A rule giving an undocumented fact a value: ``value`` (or a number ``between``) when
    ``when`` is met, ``because`` ..."""

    when: Node
    value: Scalar
    between: tuple[float, float] | None
    because: str
    check: CheckFn | None = None  # ``when`` compiled


@dataclass(frozen=True, slots=True, eq=False)
class Node:
    """One node of a compiled criteria tree."""

    index: int
    kind: str  # all_of | any_of | not | leaf
    children: tuple[Node, ...]
    id: str | None
    text: str | None
    cites: tuple[Citation, ...]
    documentation: tuple[str, ...]
    if_unmet: str | None
    note: str | None
    fact: str | None = None
    op: str | None = None
    operand: Operand = None
    unit: str | None = None
    condition: str = ""  # human rendering of the test, e.g. "Hemoglobin < 11.5 g/dL"
    facts: tuple[str, ...] = ()  # facts read anywhere in this subtree
    presume: Presumption | None = None  # an undocumented fact is met unless a warning sign shows
    infer: tuple[Inference, ...] = ()  # rules giving an undocumented fact a value
    closed_by: Node | None = None  # stated_absent: the leaf whose "stated absent" closes this criterion

    @property
    def is_criterion(self) -> bool:
        """A node with an id is a reported criterion."""
        return self.id is not None


@dataclass(frozen=True, slots=True, eq=False)
class Tree:
    """A compiled criteria tree.

    ``run(values, out)`` records every node's status in ``out`` (for explanations);
    ``check(values)`` returns the root's status only, short-circuiting.
    """

    root: Node
    nodes: tuple[Node, ...]
    run: RunFn
    check: CheckFn

    @property
    def criteria(self) -> tuple[Node, ...]:
        """The nodes that are reported criteria, in pre-order."""
        return tuple(n for n in self.nodes if n.is_criterion)


class Authorization(NamedTuple):
    """How long an approval lasts."""

    weeks: int | None
    months: int | None
    cites: tuple[Citation, ...]
    note: str = ""

    @property
    def text(self) -> str:
        if self.weeks is not None:
            return f"{self.weeks} weeks"
        return f"{self.months} months"

    def end_date(self, start: dt.date) -> dt.date:
        """The last day of an approval starting on ``start``."""
        if self.weeks is not None:
            return start + dt.timedelta(weeks=self.weeks) - dt.timedelta(days=1)
        assert self.months is not None
        month0 = start.month - 1 + self.months
        year, month = start.year + month0 // 12, month0 % 12 + 1
        day = min(start.day, _days_in_month(year, month))
        return dt.date(year, month, day) - dt.timedelta(days=1)


def _lower_first(name: str) -> str:
    """'Moderate-to-severe ...' -> 'moderate-to-severe ...'; an acronym ('OSA ...') is kept."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def _days_in_month(year: int, month: int) -> int:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - dt.timedelta(days=1)).day


@dataclass(frozen=True, slots=True, eq=False)
class Pathway:
    """One route to approval."""

    id: str
    name: str
    line: int
    description: str
    cites: tuple[Citation, ...]
    tree: Tree
    authorization: Authorization | None = None  # its own initial period; None: the policy's


@dataclass(frozen=True, slots=True, eq=False)
class Continuation:
    """Re-authorisation criteria."""

    description: str
    tree: Tree
    authorization: Authorization
    stop_rule: str
    stop_cites: tuple[Citation, ...]


class DosingRule(NamedTuple):
    """A dosing rule with its citation."""

    id: str
    text: str
    cites: tuple[Citation, ...]
    max_dose: float | None = None
    unit: str | None = None
    min_interval_days: int | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Policy:
    """A compiled, validated policy for one drug."""

    id: str
    version: str
    effective_date: dt.date
    title: str
    drug: DrugModel
    conditions: tuple[tuple[str, str, str], ...]
    label_status: str
    common: Tree
    pathways: tuple[Pathway, ...]
    initial_authorization: Authorization
    continuation: Continuation | None
    dosing: tuple[DosingRule, ...]
    sequence_note: str
    sequence_cites: tuple[Citation, ...]
    notes: tuple[str, ...]
    changes: tuple[str, ...]
    source: str
    pack: str
    parameters: tuple[Parameter, ...] = ()
    variant: Variant | None = None  # None: the policy's own defaults
    variants: tuple[Policy, ...] = ()  # the default policy's variants, each compiled

    @property
    def key(self) -> str:
        """``id`` for the default policy, ``id@variant`` for a variant."""
        return f"{self.id}@{self.variant.id}" if self.variant else self.id

    def with_variant(self, variant_id: str | None) -> Policy:
        """This policy's variant ``variant_id`` (``None`` or ``default``: the policy itself)."""
        if variant_id in (None, "", "default"):
            return self
        for v in self.variants:
            if v.variant is not None and v.variant.id == variant_id:
                return v
        known = ", ".join(str(v.variant.id) for v in self.variants if v.variant) or "none"
        raise UnknownDrugError(f"policy {self.id} has no variant {variant_id!r}; its variants: {known}",
                               field="variant")

    def initial_period(self, pathway_id: str | None) -> Authorization:
        """The initial authorisation a met pathway gives: its own period, else the policy's."""
        for p in self.pathways:
            if p.id == pathway_id and p.authorization is not None:
                return p.authorization
        return self.initial_authorization

    def initial_text(self) -> str:
        """The initial period in words, naming each pathway whose own period differs
        ('6 months (12 months for moderate-to-severe obstructive sleep apnea with obesity)')."""
        base = self.initial_authorization.text
        own = [f"{p.authorization.text} for {_lower_first(p.name)}" for p in self.pathways
               if p.authorization is not None and p.authorization.text != base]
        return f"{base} ({'; '.join(own)})" if own else base

    def initial_cites(self) -> tuple[Citation, ...]:
        """The sources of every initial period (the policy's, then the pathways' own)."""
        periods = [self.initial_authorization, *(p.authorization for p in self.pathways if p.authorization)]
        return tuple(dict.fromkeys(c for a in periods for c in a.cites))

    def names(self) -> tuple[str, ...]:
        """Every name this policy's drug answers to (generic, brands, other names)."""
        return (self.drug.generic, *self.drug.brands, *self.drug.names)

    def trees(self) -> tuple[tuple[str, Tree], ...]:
        """Every criteria tree with a label (common, each pathway, continuation)."""
        out = [("common", self.common)] + [(f"pathway {p.id}", p.tree) for p in self.pathways]
        if self.continuation:
            out.append(("continuation", self.continuation.tree))
        return tuple(out)


class Parameter(NamedTuple):
    """A policy parameter as this policy (or variant) uses it."""

    id: str
    value: ParameterValue
    unit: str | None
    text: str
    cites: tuple[Citation, ...]
    default: ParameterValue
    overridden: bool  # the variant sets a value other than the default

    def shown(self, value: ParameterValue | None = None) -> str:
        """The value as people read it: ``70 mg/dL``, ``yes``, ``hypertension, dyslipidemia``."""
        v = self.value if value is None else value
        if isinstance(v, bool):
            return "yes" if v else "no"
        if isinstance(v, tuple):
            return ", ".join(str(x).replace("_", " ") for x in v)
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return f"{v} {self.unit}" if self.unit else str(v)


class Variant(NamedTuple):
    """A named parameter set modelling a public payer policy, with where it was seen."""

    id: str
    name: str
    payer: str
    document: str
    url: str
    seen: dt.date
    cites: tuple[Citation, ...]
    note: str

    def to_dict(self) -> JSONObject:
        return {"id": self.id, "name": self.name, "payer": self.payer, "document": self.document,
                "url": self.url, "seen": self.seen.isoformat(), "cite": [str(c) for c in self.cites],
                "note": self.note}


class SequenceStep(NamedTuple):
    """One step of the pack's guideline treatment sequence."""

    text: str
    policies: tuple[str, ...]
    cites: tuple[Citation, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Pack:
    """A policy pack: policies for one clinical area with their shared references and the
    calculators (core and its own) its facts are derived with. ``drugs`` knows every drug the
    pack names (its policies' drugs and the extra drugs and classes in ``pack.yaml``), so a
    ``medication_history`` entry is read by any name; the calculators carry it too.
    ``vocabulary`` is how questions and notes name its drugs and conditions (``vocabulary.yaml``)."""

    id: str
    title: str
    version: str
    policies: tuple[Policy, ...]
    references: Mapping[str, Reference]
    sequence: tuple[SequenceStep, ...]
    path: str
    calculators: CalculatorSet
    drugs: DrugVocabulary = field(default_factory=DrugVocabulary)
    vocabulary: PackVocabulary = field(default_factory=PackVocabulary)
    benefits: tuple[BenefitExclusion, ...] = ()  # uses a plan's benefit excludes (``benefits.yaml``)
