"""Calculators as derivations: which facts each one reads and which it produces.

A :class:`Calculator` wraps a pure calculator function: the facts it reads, the facts it
produces, its citation. A :class:`CalculatorSet` is the calculators one pack uses -- the core
ones (:func:`core_calculators`: age) followed by the pack's own, which the pack registers in
``packs/<pack>/calculators.py`` (a module with ``CALCULATORS: tuple[Calculator, ...]``).

:meth:`CalculatorSet.derive` applies, in order, every calculator whose outputs the case does
not give and whose inputs it does, and returns the new fact values with provenance
("calculated: ipss_r") and a note for each derivation. Given values always win over derived
ones; a calculator may compare a given output with what its inputs compute (``check``).

A calculator that reads ``medication_history`` declares ``run_drugs`` instead of ``run``'s
plain form: it is handed the set's :class:`DrugVocabulary` (the pack's drug names and classes),
so an entry is recognised by any name of its drug or by class (``esa``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mednec.calculators.age import age_on
from mednec.facts.drugs import DrugVocabulary
from mednec.facts.factset import FactSet, FactValue, Provenance

__all__ = ["Calculator", "CalculatorSet", "Facts", "core_calculators", "derive", "fact_value"]

Facts = Mapping[str, FactValue]
RunFn = Callable[[Facts, dt.date], tuple[dict[str, Any], str]]
DrugRunFn = Callable[[Facts, dt.date, DrugVocabulary], tuple[dict[str, Any], str]]


@dataclass(frozen=True, slots=True)
class Calculator:
    """A registered calculator: inputs it needs, outputs it produces, and its citation.

    ``check_fact`` names an output a case may also give (the IPSS-R category): when it is
    given and the inputs are present, ``check(facts, given)`` returns a note comparing the two;
    when it is not given, ``derived_note`` (with ``{detail}``) says the value was derived.
    """

    name: str
    title: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    citation: str
    run: RunFn
    optional_inputs: tuple[str, ...] = ()
    needs: Mapping[str, tuple[str, ...]] | None = None  # per output, when not all inputs
    check_fact: str | None = None
    check: Callable[[Facts, Any], str] | None = None
    derived_note: str = ""
    any_of: tuple[str, ...] = ()  # at least one of these must be given too (when not empty)
    run_drugs: DrugRunFn | None = None  # used instead of run, with the pack's drug vocabulary
    reads_dates: bool = False  # reads its inputs' observation dates (FactValue.observed), not only values
    dates_only: bool = False  # reads only its inputs' dates, never their values: runs on a value known as a bound
    #: the date its outputs carry: "" the latest of its inputs' dates; an input's id, that input's date (a BMI
    #: before any GLP-1 is dated by the weight before it, not by today's height); "as_of" the evaluation date
    #: (what a treatment history shows as of the review: days since a drug, a statin still taken)
    dated_by: str = ""
    input_set: frozenset[str] = field(init=False, repr=False, compare=False)
    output_set: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.dated_by not in ("", "as_of", *self.inputs, *self.optional_inputs, *self.any_of):
            raise ValueError(f"calculator {self.name}: dated_by {self.dated_by!r} is none of its inputs")
        object.__setattr__(self, "input_set", frozenset(self.inputs))
        object.__setattr__(self, "output_set", frozenset(self.outputs))

    def inputs_for(self, output: str) -> tuple[str, ...]:
        """The facts needed to compute ``output``."""
        if self.needs and output in self.needs:
            return self.needs[output]
        return self.inputs

    @property
    def reads(self) -> tuple[str, ...]:
        return self.inputs + self.any_of + self.optional_inputs

    def ready(self, keys: Any) -> bool:
        """True when the facts in ``keys`` are enough to run this calculator."""
        return keys >= self.input_set and (not self.any_of or any(k in keys for k in self.any_of))

    def compute(self, facts: Facts, as_of: dt.date, drugs: DrugVocabulary) -> tuple[dict[str, Any], str]:
        """Run the calculator (with the drug vocabulary when it reads treatment histories)."""
        if self.run_drugs is not None:
            return self.run_drugs(facts, as_of, drugs)
        return self.run(facts, as_of)


def fact_value(facts: Facts, key: str) -> Any:
    """The bare value of ``key`` in ``facts``, or ``None``."""
    fv = facts.get(key)
    return None if fv is None else fv.value


def _dated(calc: Calculator, current: Mapping[str, FactValue], as_of: dt.date) -> dt.date | None:
    """The date a calculator's outputs carry (``Calculator.dated_by``)."""
    if calc.dated_by == "as_of":
        return as_of
    if calc.dated_by in current:
        return current[calc.dated_by].observed
    dates = [current[i].observed for i in calc.reads if i in current]
    return max([d for d in dates if d is not None], default=None)


@dataclass(frozen=True, eq=False)
class CalculatorSet:
    """The calculators one pack (or the whole catalog) derives facts with, in order."""

    calculators: tuple[Calculator, ...]
    drugs: DrugVocabulary = field(default_factory=DrugVocabulary)
    by_name: Mapping[str, Calculator] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        names = [c.name for c in self.calculators]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"calculator(s) registered twice: {', '.join(dup)}")
        object.__setattr__(self, "by_name", {c.name: c for c in self.calculators})

    def __iter__(self) -> Any:
        return iter(self.calculators)

    def __len__(self) -> int:
        return len(self.calculators)

    def plus(self, more: Iterable[Calculator]) -> CalculatorSet:
        """This set followed by ``more`` (a calculator already in the set is kept once)."""
        extra = tuple(c for c in more if c.name not in self.by_name)
        drugs = self.drugs
        if isinstance(more, CalculatorSet):
            drugs = DrugVocabulary.of(self.drugs.entries + more.drugs.entries,
                                      {**self.drugs.class_labels, **more.drugs.class_labels},
                                      {**self.drugs.class_names, **more.drugs.class_names})
        return CalculatorSet(self.calculators + extra, drugs)

    def with_drugs(self, drugs: DrugVocabulary) -> CalculatorSet:
        """The same calculators reading treatment histories with ``drugs``."""
        return CalculatorSet(self.calculators, drugs)

    def derive(self, facts: FactSet, units: Mapping[str, str | None]) -> FactSet:
        """``facts`` with every derivable output added, each with provenance and a note.

        ``units`` gives the canonical unit of each fact id (from the fact dictionary).
        """
        current: dict[str, FactValue] = dict(facts.items())
        notes: list[str] = []
        as_of = facts.as_of
        changed = False
        keys = current.keys()
        for calc in self.calculators:
            given = facts.get(calc.check_fact) if calc.check_fact else None
            if not calc.ready(keys) or keys >= calc.output_set:
                if calc.check is not None and given is not None and keys >= calc.input_set:
                    notes.append(calc.check(current, given.value))
                continue
            values, detail = calc.compute(current, as_of, self.drugs)
            if not values:  # nothing could be computed; the detail says why (nothing: not its case)
                if detail:
                    notes.append(f"{calc.title}: {detail}")
                continue
            observed = _dated(calc, current, as_of)
            provenance = Provenance(f"calculated: {calc.name}", detail)
            for k, v in values.items():
                if k not in current:
                    current[k] = FactValue(k, v, units.get(k), observed, provenance, True)
                    changed = True
            if calc.check_fact:
                if given is None:
                    if calc.derived_note:
                        notes.append(calc.derived_note.format(detail=detail))
                elif calc.check is not None:
                    notes.append(calc.check(current, given.value))
        if not changed:
            return facts
        return FactSet(current, as_of, facts.notes + tuple(notes), given_digest=facts.given_digest())


def derive(facts: FactSet, units: Mapping[str, str | None], calculators: CalculatorSet) -> FactSet:
    """``calculators.derive(facts, units)``."""
    return calculators.derive(facts, units)


def _run_age(facts: Facts, as_of: dt.date) -> tuple[dict[str, Any], str]:
    bd: dt.date = fact_value(facts, "birth_date")
    return {"age": float(age_on(bd, as_of))}, f"born {bd.isoformat()}"


_CORE: tuple[Calculator, ...] = (
    Calculator("age", "Age from date of birth", ("birth_date",), ("age",), "", _run_age),
)


def core_calculators() -> CalculatorSet:
    """The calculators every pack uses (they read only core facts)."""
    return CalculatorSet(_CORE)
