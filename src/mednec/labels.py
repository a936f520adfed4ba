"""Labelled questions and notes: load them, run intake and the answer, and score both.

A question label (``tests/intake/questions.yaml``)::

    - id: q001
      text: "Is Reblozyl medically necessary for a 70-year-old man with ..."
      answer: determination        # determination | no_policy | not_necessity | choose_drug
      drug: luspatercept-mds       # the policy answered (null when none)
      determination: insufficient_information
      facts: {age: 70, sex: male, diagnosis: D46.1, hemoglobin: 8.1,
              rbc_transfusions: {units_8w: 4, units_16w: 8}, esa_history: naive}

A note label is ``NAME.yaml`` beside ``NAME.txt`` with the same keys (``question`` optional).
Facts are compared in canonical units; ``rbc_transfusions`` by the units in the last 8 and
16 weeks, ``esa_history`` by the ESA trial status it gives (naive, failed, lost_response...).
Per fact type: precision = right values / values extracted, recall = right values / values
labelled.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from mednec.calculators.esa_response import EsaCourse, assess_esa
from mednec.calculators.transfusion_burden import Transfusion, transfusion_burden
from mednec.facts.dictionary import FactDictionary
from mednec.intake.case_file import parse_case
from mednec.intake.values import parse_fact_value

if TYPE_CHECKING:
    from mednec.runtime import Runtime

__all__ = ["Case", "Result", "Score", "label_case", "label_determination", "load_notes", "load_questions", "run", "score"]


@dataclass(frozen=True)
class Case:
    """One labelled text."""

    id: str
    text: str
    kind: str  # question | note
    facts: Mapping[str, Any]
    answer: str
    drug: str | None
    determination: str | None
    question: str = ""
    ask_drug: str | None = None
    name: str = ""


@dataclass
class Result:
    """What intake and the answer gave for one case, and how long intake took."""

    case: Case
    facts: dict[str, Any]
    answer: str
    drug: str | None
    determination: str | None
    seconds: float

    @property
    def answer_ok(self) -> bool:
        c = self.case
        return (self.answer, self.drug, self.determination) == (c.answer, c.drug, c.determination)


@dataclass
class Score:
    """Per fact type counts, answer accuracy and intake latencies."""

    tp: dict[str, int] = field(default_factory=dict)
    fp: dict[str, int] = field(default_factory=dict)
    fn: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    answers_ok: int = 0
    answers: int = 0
    seconds: list[float] = field(default_factory=list)
    slots: int = 0  # (item, fact) pairs labelled or extracted
    slots_ok: int = 0  # of which the extracted value is the labelled one
    items_exact: int = 0  # items whose every fact is right

    @property
    def fact_match(self) -> float:
        """Fact-level exact match: right (item, fact) values over every value labelled or extracted."""
        return self.slots_ok / self.slots if self.slots else 1.0

    @property
    def answer_match(self) -> float:
        return self.answers_ok / self.answers if self.answers else 1.0

    def add(self, other: Score) -> None:
        """Fold ``other``'s counts into this score."""
        for mine, theirs in ((self.tp, other.tp), (self.fp, other.fp), (self.fn, other.fn)):
            for k, v in theirs.items():
                mine[k] = mine.get(k, 0) + v
        self.errors += other.errors
        self.answers += other.answers
        self.answers_ok += other.answers_ok
        self.seconds += other.seconds
        self.slots += other.slots
        self.slots_ok += other.slots_ok
        self.items_exact += other.items_exact

    def precision(self, fact: str) -> float:
        d = self.tp.get(fact, 0) + self.fp.get(fact, 0)
        return self.tp.get(fact, 0) / d if d else 1.0

    def recall(self, fact: str) -> float:
        d = self.tp.get(fact, 0) + self.fn.get(fact, 0)
        return self.tp.get(fact, 0) / d if d else 1.0

    @property
    def facts(self) -> list[str]:
        return sorted(set(self.tp) | set(self.fp) | set(self.fn))


def _load_case(raw: Mapping[str, Any], text: str, kind: str, name: str = "") -> Case:
    return Case(
        id=str(raw.get("id", name)), text=text, kind=kind, facts=raw.get("facts") or {},
        answer=str(raw.get("answer", "determination")), drug=raw.get("drug"), determination=raw.get("determination"),
        question=str(raw.get("question", "")), ask_drug=raw.get("ask_drug"), name=name,
    )


def load_questions(path: Path) -> tuple[dt.date, list[Case]]:
    data = yaml.safe_load(path.read_text("utf-8"))
    return data["as_of"], [_load_case(q, q["text"], "question") for q in data["questions"]]


def load_notes(folder: Path) -> list[Case]:
    out = []
    for txt in sorted(folder.glob("*.txt")):
        label = yaml.safe_load(txt.with_suffix(".yaml").read_text("utf-8"))
        out.append(_load_case(label, txt.read_text("utf-8"), "note", txt.name))
    return out


def summarize(fact: str, value: Any, as_of: dt.date) -> Any:
    """A comparable form: events summarised, floats rounded."""
    if fact == "rbc_transfusions":
        b = transfusion_burden([Transfusion(e["date"], float(e["units"])) for e in value], as_of)
        return {"units_8w": b.units_8w, "units_16w": b.units_16w}
    if fact == "esa_history":
        courses = [EsaCourse(str(c["drug"]), c["start"], c.get("end"), str(c["response"])) for c in value]
        return assess_esa(courses, as_of).status
    if isinstance(value, float):
        return round(value, 3)
    return value


def _label_value(fact: str, raw: Any, dictionary: FactDictionary, as_of: dt.date) -> Any:
    if fact == "rbc_transfusions":
        return {k: float(v) for k, v in raw.items()}
    if fact == "esa_history":
        return str(raw)
    fv = parse_fact_value(dictionary.get(fact), raw, as_of=as_of, path=fact, source="label")
    assert fv is not None
    return summarize(fact, fv.value, as_of)


def run(cases: Iterable[Case], runtime: Runtime, as_of: dt.date) -> list[Result]:
    """Run intake and the answer on every case."""
    from mednec.ask import answer
    from mednec.intake.notes import read_note
    from mednec.intake.question import understand

    out = []
    for c in cases:
        t0 = time.perf_counter()
        if c.kind == "question":
            u = understand(c.text, runtime.catalog, runtime.dictionary, as_of)
        else:
            u = read_note(c.text, runtime.catalog, runtime.dictionary, as_of, name=c.name)
        seconds = time.perf_counter() - t0
        facts = parse_case(u.case, runtime.dictionary, as_of=as_of).facts
        got = {k: summarize(k, fv.value, as_of) for k, fv in facts.items()}
        if c.kind == "question":
            a = answer(c.text, runtime, as_of=as_of, drug=c.ask_drug)
        else:
            a = answer(c.question, runtime, as_of=as_of, note=c.text, note_name=c.name, drug=c.ask_drug)
        det = a.determination.determination if a.determination else None
        out.append(Result(c, got, a.kind, a.policy.id if a.policy and a.determination else None, det, seconds))
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool) and not isinstance(b, bool):  # noqa: E501
        return abs(float(a) - float(b)) < 1e-6
    return bool(a == b)


def score(results: Iterable[Result], dictionary: FactDictionary, as_of: dt.date) -> Score:
    """Per fact precision/recall counts and answer accuracy."""
    s = Score()
    for r in results:
        want = {k: _label_value(k, v, dictionary, as_of) for k, v in r.case.facts.items()}
        exact = True
        for fact in set(want) | set(r.facts):
            w, g = want.get(fact), r.facts.get(fact)
            s.slots += 1
            if fact in want and fact in r.facts and _same(w, g):
                s.tp[fact] = s.tp.get(fact, 0) + 1
                s.slots_ok += 1
                continue
            exact = False
            if fact in r.facts:
                s.fp[fact] = s.fp.get(fact, 0) + 1
            if fact in want:
                s.fn[fact] = s.fn.get(fact, 0) + 1
            s.errors.append(f"{r.case.id}: {fact}: labelled {w!r}, extracted {g!r}")
        s.items_exact += exact
        s.answers += 1
        if r.answer_ok:
            s.answers_ok += 1
        else:
            s.errors.append(f"{r.case.id}: answer {r.answer}/{r.drug}/{r.determination}, labelled "
                            f"{r.case.answer}/{r.case.drug}/{r.case.determination}")
        s.seconds.append(r.seconds)
    return s


_ESA_RESPONSE = {"failed": "none", "lost_response": "lost_response", "intolerant": "intolerant",
                 "responding": "response", "ongoing": "ongoing"}


def _spread(units: float, first_day: int, as_of: dt.date) -> list[dict[str, Any]]:
    """``units`` in episodes of at most 2, spread evenly over the 8 weeks from ``first_day`` days ago."""
    n = math.ceil(units / 2) if units > 0 else 0
    sizes = [2.0] * (n - 1) + [units - 2.0 * (n - 1)] if n else []
    return [{"date": as_of - dt.timedelta(days=first_day + (56 * i) // n), "units": u} for i, u in enumerate(sizes)]


def label_case(facts: Mapping[str, Any], as_of: dt.date) -> dict[str, Any]:
    """A case mapping that carries a label's facts: transfusion summaries and ESA statuses become the
    smallest event lists that give them, so the label's own determination can be computed."""
    out: dict[str, Any] = {}
    for k, v in facts.items():
        if k == "rbc_transfusions":
            u8, u16 = float(v["units_8w"]), float(v["units_16w"])
            out[k] = _spread(u8, 0, as_of) + _spread(u16 - u8, 56, as_of)
        elif k == "esa_history":
            status = str(v)
            if status == "naive":
                out[k] = []
            elif status == "too_short":
                out[k] = [{"drug": "epoetin alfa", "start": as_of - dt.timedelta(days=35),
                           "end": as_of - dt.timedelta(days=7), "response": "none"}]
            else:
                end = None if status == "ongoing" else as_of - dt.timedelta(days=7)
                out[k] = [{"drug": "epoetin alfa", "start": as_of - dt.timedelta(days=7 + 12 * 7), "end": end,
                           "response": _ESA_RESPONSE[status]}]
        else:
            out[k] = v
    return {"facts": out}


def label_determination(case: Case, runtime: Runtime, as_of: dt.date) -> str | None:
    """The determination the current policies give on a label's own facts (None without a policy)."""
    if not case.drug:
        return None
    facts = parse_case(label_case(case.facts, as_of), runtime.dictionary, as_of=as_of).facts
    return str(runtime.evaluate(facts, runtime.catalog.policy(case.drug)).determination)
