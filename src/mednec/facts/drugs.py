"""Drug names and classes, so a treatment history written in any of a drug's names is read.

A :class:`DrugVocabulary` maps every name a drug goes by (generic, brands, other names) to its
generic name, and each generic name to its classes (short ids such as ``esa``). A pack builds
one from its policies' drugs and the extra drugs and classes in ``pack.yaml``; calculators and
criteria that read ``medication_history`` ask it whether an entry is a drug or a class::

    vocab.matches("Procrit 40,000 units weekly", "esa")       # True
    vocab.matches("Retacrit", "epoetin alfa")                  # True
    vocab.generic("REVLIMID")                                  # 'lenalidomide'

Matching folds case, spaces and hyphens, and also finds a known name inside a longer entry
("epoetin alfa 40,000 IU weekly"), the longest name first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

__all__ = ["DrugCourse", "DrugEntry", "DrugVocabulary"]


def _fold(text: str) -> str:
    return re.sub(r"[\s\-_]+", " ", text.strip().lower())


@dataclass(frozen=True, slots=True)
class DrugCourse:
    """What the records of a requested drug itself set (``pack.yaml`` ``course:``), read by FHIR intake.

    ``start`` (a date fact: the start of the course), ``doses`` (an events fact: each dose given, in one of
    ``dose_units``), ``recent`` (a boolean fact: the drug taken within ``recent_days`` of the evaluation
    date), ``baseline`` ((fact, measured fact) pairs: the latest measurement on or before the start) and
    ``label`` (how messages name the drug). An empty name sets nothing.
    """

    label: str
    start: str = ""
    doses: str = ""
    dose_units: tuple[str, ...] = ()
    recent: str = ""
    recent_days: int = 0
    baseline: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class DrugEntry:
    """One drug: its generic name, the other names it goes by, its class ids, the codes its policies
    give it (("RxNorm" or "HCPCS", code) pairs) and what its own course sets (``None``: nothing)."""

    generic: str
    names: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    codes: tuple[tuple[str, str], ...] = ()
    course: DrugCourse | None = None


@dataclass(frozen=True, eq=False)
class DrugVocabulary:
    """Every drug a pack knows by name, and the classes each belongs to."""

    entries: tuple[DrugEntry, ...] = ()
    class_labels: Mapping[str, str] = field(default_factory=dict)
    #: the words text uses for a class as a whole ("statin", "statins"), read for "statin-naive"
    class_names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, entries: Iterable[DrugEntry], class_labels: Mapping[str, str] | None = None,
           class_names: Mapping[str, tuple[str, ...]] | None = None) -> DrugVocabulary:
        """Merge entries with the same generic name (names and classes are pooled)."""
        merged: dict[str, DrugEntry] = {}
        for e in entries:
            key = _fold(e.generic)
            old = merged.get(key)
            if old is None:
                merged[key] = e
            else:
                merged[key] = DrugEntry(old.generic, tuple(dict.fromkeys(old.names + e.names)),
                                        tuple(dict.fromkeys(old.classes + e.classes)),
                                        tuple(dict.fromkeys(old.codes + e.codes)), old.course or e.course)
        return cls(tuple(merged.values()), dict(class_labels or {}), dict(class_names or {}))

    @cached_property
    def _by_name(self) -> dict[str, DrugEntry]:
        out: dict[str, DrugEntry] = {}
        for e in self.entries:
            for n in (e.generic, *e.names):
                out.setdefault(_fold(n), e)
        return out

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        names = sorted(self._by_name, key=len, reverse=True)
        if not names:
            return None
        alternatives = "|".join(re.escape(n).replace(r"\ ", r"[\s\-_]+") for n in names)
        return re.compile(rf"(?<![a-z0-9])({alternatives})(?![a-z0-9])", re.I)

    def entry(self, name: str) -> DrugEntry | None:
        """The drug an entry names (exactly, or as a known name inside a longer text)."""
        exact = self._by_name.get(_fold(name))
        if exact is not None:
            return exact
        if self._pattern is None:
            return None
        m = self._pattern.search(name)
        return self._by_name.get(_fold(m.group(1))) if m else None

    def entries_in(self, text: str) -> tuple[DrugEntry, ...]:
        """Every drug a text names (each known name in it, longest first), without repeats."""
        found: dict[str, DrugEntry] = {}
        exact = self._by_name.get(_fold(text))
        if exact is not None:
            found[exact.generic] = exact
        if self._pattern is not None:
            for m in self._pattern.finditer(text):
                e = self._by_name.get(_fold(m.group(1)))
                if e is not None:
                    found.setdefault(e.generic, e)
        return tuple(found.values())

    @cached_property
    def _by_code(self) -> dict[tuple[str, str], DrugEntry]:
        return {c: e for e in self.entries for c in e.codes}

    def by_code(self, system: str, code: str) -> DrugEntry | None:
        """The drug a policy gives the code (``system`` as the policies name it: "RxNorm", "HCPCS")."""
        return self._by_code.get((system, code))

    def generic(self, name: str) -> str | None:
        """The generic name of the drug ``name`` refers to, or ``None``."""
        e = self.entry(name)
        return e.generic if e else None

    def matches(self, name: str, target: str) -> bool:
        """True when ``name`` refers to the drug ``target`` (any of its names) or to a drug of
        the class ``target``."""
        e = self.entry(name)
        if e is None:
            return False
        t = _fold(target)
        if t in (_fold(c) for c in e.classes):
            return True
        other = self._by_name.get(t)
        return other is not None and other.generic == e.generic

    def members(self, drug_class: str) -> tuple[str, ...]:
        """The generic names of the drugs in ``drug_class``."""
        c = _fold(drug_class)
        return tuple(e.generic for e in self.entries if c in (_fold(x) for x in e.classes))

    def knows(self, target: str) -> bool:
        """True when ``target`` is a known drug name or class id."""
        t = _fold(target)
        return t in self._by_name or any(t == _fold(c) for e in self.entries for c in e.classes)
