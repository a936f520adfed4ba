"""Step therapy from the treatment history: the ``tried`` leaf of the policy language.

::

    - id: statin_first
      text: A high-intensity statin taken for at least 8 weeks, or stopped for intolerance
      fact: medication_history
      tried:
        class: statin                 # or drugs: [atorvastatin, rosuvastatin] (generic names); or both
        min_weeks: {param: statin_weeks}
        intensity: high               # at least this intensity: low < moderate < high
        min_dose: 40                  # mg per day (dose_unit mg, g or mcg in the history)
        outcome: [ongoing, failure, intolerance]
        count: 1                      # at least this many different drugs meet all of the above
      cite: [...]

Every key but one of ``drugs``/``class`` is optional and may be a parameter (``{param: x}``).
``outcome`` names how the course ended (``ongoing`` = still taking; ``failure`` = inadequate or lost
response; ``intolerance``; ``contraindication`` -- never given because contraindicated; or any
value of ``medication_courses.outcome``). A contraindicated drug counts only when ``outcome``
lists ``contraindication`` (it was never taken). A drug documented as never given (``not_given``)
is never a trial of it.

Three-valued, per course then over courses: a course of a listed drug or class is met when every
condition holds, unknown when none fails but one cannot be told (no start date for ``min_weeks``,
no dose for ``min_dose``, no intensity, an outcome not recorded), not met otherwise. The leaf is
met when ``count`` different drugs have a met course, unknown when met plus unknown could reach
``count``, and not met otherwise -- so a history without the drug is ``not met`` while a history
that is not documented at all is ``unknown``. A history of nothing but entries that document their
own drug only -- never given ("never received lenalidomide"), or read from a question or a note
(``scope: named_only``) -- names some drugs only: the leaf is ``not met`` when every drug it lists
is named (or its class documented as never given as a whole) and every class it names is named as
a whole ("statin-naive") or by a course of one of its drugs, and ``unknown`` otherwise -- a
documented "never" is decisive only for the drugs it names. It reads the courses :func:`with_courses` resolves
(:mod:`mednec.calculators.courses`) into the values the criteria run on, under :data:`COURSES`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mednec.calculators.courses import NOT_GIVEN, OUTCOMES, STOPPED, courses
from mednec.errors import ConfigError
from mednec.facts.drugs import DrugVocabulary
from mednec.policies.schema import ParamRef
from mednec.tri import Tri
from mednec.yaml_loader import strict_mapping

__all__ = ["COURSES", "KEYS", "Step", "evaluate_step", "parse_step", "step_problems", "with_courses"]

#: where the resolved courses sit in the values the criteria run on (not a fact)
COURSES = "_medication_courses"

KEYS = ("drugs", "class", "min_weeks", "min_dose", "intensity", "outcome", "count")
_INTENSITY = {"low": 1, "moderate": 2, "high": 3}
_GROUPS = {"failure": ("inadequate_response", "lost_response", "partial_response")}
_MET, _NOT, _UNK = Tri.MET, Tri.NOT_MET, Tri.UNKNOWN


@dataclass(frozen=True, slots=True)
class Step:
    """A compiled ``tried`` leaf (see the module docstring)."""

    drugs: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    min_weeks: float | None = None
    min_dose: float | None = None
    intensity: str | None = None
    outcomes: tuple[str, ...] = ()  # the accepted outcomes (groups expanded); () = any
    outcome_words: tuple[str, ...] = ()  # as written, for the wording
    count: int = 1

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"drugs": list(self.drugs), "class": list(self.classes), "count": self.count}
        for k in ("min_weeks", "min_dose", "intensity"):
            if getattr(self, k) is not None:
                out[k] = getattr(self, k)
        if self.outcome_words:
            out["outcome"] = list(self.outcome_words)
        return out

    def wording(self) -> str:
        """'Treatment history: atorvastatin or a statin, for at least 8 weeks, high intensity or more, ...'."""
        what = " or ".join([*self.drugs, *(f"a drug of class {c}" for c in self.classes)])
        parts = [f"{self.count} different drugs of: {what}" if self.count > 1 else what]
        if self.min_weeks is not None:
            parts.append(f"for at least {self.min_weeks:g} weeks")
        if self.min_dose is not None:
            parts.append(f"at least {self.min_dose:g} mg a day")
        if self.intensity is not None:
            parts.append(f"{self.intensity} intensity or more")
        if self.outcome_words:
            parts.append("outcome: " + " or ".join(w.replace("_", " ") for w in self.outcome_words))
        return "Treatment history: " + ", ".join(parts)


    def question(self) -> str:
        """What to ask when the history cannot settle the leaf: 'Has the patient had lenalidomide?
        If so, from when to when, and how did it end (failure, intolerance or contraindication)?'."""
        what = " or ".join([*self.drugs, *(f"a drug of class {c}" for c in self.classes)])
        asks = ["from when to when"]
        if self.min_dose is not None or self.intensity is not None:
            asks.append("at what dose")
        words = [w.replace("_", " ") for w in self.outcome_words]
        ended = " or ".join([", ".join(words[:-1]), words[-1]] if len(words) > 2 else words)
        asks.append(f"how did it end ({ended})" if ended else "how did it end")
        return f"Has the patient had {what}? If so, {', '.join(asks[:-1])}, and {asks[-1]}?"


def _words(raw: Any, where: str) -> tuple[str, ...]:
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, (list, tuple)) or not all(isinstance(x, str) and x.strip() for x in items):
        raise ConfigError("expected a name or a list of names", field=where)
    return tuple(str(x).strip() for x in items)


def parse_step(raw: Any, where: str, param: Callable[[ParamRef, tuple[type, ...], str], Any]) -> Step:
    """Check and compile a ``tried`` mapping; ``param(ref, kinds, what)`` resolves ``{param: x}``
    (returning ``None`` after recording a problem)."""
    if not isinstance(raw, Mapping):
        raise ConfigError("'tried' takes a mapping: drugs or class, and min_weeks, min_dose, intensity, "
                          "outcome, count", field=where)
    strict_mapping(raw, KEYS, field=where)

    def value(key: str, kinds: tuple[type, ...], what: str) -> Any:
        v = raw.get(key)
        if isinstance(v, Mapping) and "param" in v:
            p = param(ParamRef(str(v["param"]), f"{where}.{key}"), kinds, what)
            return None if p is None else (list(p.value) if isinstance(p.value, tuple) else p.value)
        return v

    drugs = value("drugs", (tuple, str), "drugs needs a list of names")
    classes = value("class", (tuple, str), "class needs a class id or a list")
    if not drugs and not classes:
        raise ConfigError("'tried' needs drugs or class", field=where)
    weeks = value("min_weeks", (int, float), "min_weeks needs a number")
    dose = value("min_dose", (int, float), "min_dose needs a number")
    count = value("count", (int,), "count needs a whole number")
    for key, v in (("min_weeks", weeks), ("min_dose", dose)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0):
            raise ConfigError(f"{key} must be a number ≥ 0", field=f"{where}.{key}")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise ConfigError("count must be a whole number ≥ 1", field=f"{where}.count")
    intensity = value("intensity", (str,), "intensity needs low, moderate or high")
    if intensity is not None and intensity not in _INTENSITY:
        raise ConfigError("intensity must be low, moderate or high", field=f"{where}.intensity")
    words: tuple[str, ...] = ()
    accepted: list[str] = []
    raw_outcome = value("outcome", (tuple, str), "outcome needs a list")
    if raw_outcome is not None:
        words = _words(raw_outcome, f"{where}.outcome")
        for w in words:
            if w in _GROUPS:
                accepted += _GROUPS[w]
            elif w in OUTCOMES and w not in ("unknown", NOT_GIVEN, STOPPED):
                accepted.append(w)
            else:
                raise ConfigError(f"outcome {w!r} is not one of failure, "
                                  f"{', '.join(o for o in OUTCOMES[:-1] if o not in (NOT_GIVEN, STOPPED))}",
                                  field=f"{where}.outcome")
    return Step(
        drugs=_words(drugs, f"{where}.drugs") if drugs else (),
        classes=_words(classes, f"{where}.class") if classes else (),
        min_weeks=None if weeks is None else float(weeks),
        min_dose=None if dose is None else float(dose),
        intensity=intensity,
        outcomes=tuple(dict.fromkeys(accepted)),
        outcome_words=words,
        count=1 if count is None else int(count),
    )


def _fold(text: str) -> str:
    return " ".join(text.lower().replace("-", " ").split())


def _weeks_check(min_weeks: float, c: Mapping[str, Any]) -> Tri:
    """A course's length against ``min_weeks``; a start known to a range of days (``weeks_range``: shortest and
    longest) decides only when both ends agree."""
    w, span = c.get("weeks"), c.get("weeks_range")
    if w is None and span is not None:
        return _MET if float(span[0]) + 1e-9 >= min_weeks else _NOT if float(span[1]) + 1e-9 < min_weeks else _UNK
    return _UNK if w is None else _MET if float(w) + 1e-9 >= min_weeks else _NOT


def _course(step: Step, c: Mapping[str, Any]) -> Tri:
    drug = _fold(str(c.get("drug", "")))
    classes = {_fold(x) for x in str(c.get("classes", "")).split()}
    if drug not in {_fold(d) for d in step.drugs} and not classes & {_fold(x) for x in step.classes}:
        return _NOT
    outcome = str(c.get("outcome") or "unknown")
    if outcome == NOT_GIVEN:
        return _NOT  # documented as never given: no trial of the drug
    if outcome == "contraindication" and "contraindication" not in step.outcomes:
        return _NOT  # never taken: not a trial of the drug
    res = _MET
    checks: list[Tri] = []
    if step.outcomes:
        if outcome == STOPPED:  # ended, why not said: not taken now, but it may have failed, ...
            checks.append(_UNK if set(step.outcomes) - {"ongoing"} else _NOT)
        else:
            checks.append(_UNK if outcome == "unknown" else _MET if outcome in step.outcomes else _NOT)
    if step.min_weeks is not None and outcome != "contraindication":
        checks.append(_weeks_check(step.min_weeks, c))
    if step.min_dose is not None and outcome != "contraindication":
        d = c.get("dose")
        checks.append(_UNK if d is None else _MET if float(d) + 1e-9 >= step.min_dose else _NOT)
    if step.intensity is not None and outcome != "contraindication":
        i = c.get("intensity")
        checks.append(_UNK if i is None else _MET if _INTENSITY.get(str(i), 0) >= _INTENSITY[step.intensity] else _NOT)
    for r in checks:
        if r is _NOT:
            return _NOT
        if r is _UNK:
            res = _UNK
    return res


def evaluate_step(step: Step, courses: Sequence[Mapping[str, Any]] | None) -> Tri:
    """The leaf's status over the resolved courses (``None``: the history is not documented)."""
    if courses is None:
        return _UNK
    met: set[str] = set()
    maybe: set[str] = set()
    for c in courses:
        r = _course(step, c)
        if r is _MET:
            met.add(_fold(str(c.get("drug", ""))))
        elif r is _UNK:
            maybe.add(_fold(str(c.get("drug", ""))))
    if len(met) >= step.count:
        return _MET
    if len(met | maybe) >= step.count:
        return _UNK
    if courses and all(c.get("named_only") for c in courses) and not _all_documented(step, courses):
        return _UNK  # the history names some drugs only, and not every drug of the step
    return _NOT


def _all_documented(step: Step, courses: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a history that names some drugs only documents every drug and class of the step: a
    drug by an entry of its own or a whole-class entry of its class (never given); a class by a
    whole-class entry or a course of one of its drugs ("never took atorvastatin" does not settle
    the class, "on atorvastatin 20 mg for a year" does, as a whole history would)."""
    drugs = {_fold(str(c.get("drug", ""))) for c in courses}
    drugs |= {_fold(m.replace("_", " ")) for c in courses if c.get("whole_class") for m in str(c.get("members", "")).split()}
    whole = {_fold(x) for c in courses if c.get("whole_class") or c.get("outcome") != NOT_GIVEN
             for x in str(c.get("classes", "")).split()}
    return (all(_fold(d) in drugs for d in step.drugs)
            and all(_fold(k) in whole for k in step.classes))


def step_problems(step: Step, drugs: DrugVocabulary) -> list[str]:
    """Names a ``tried`` leaf uses that the pack does not know (``mednec policies check``): a drug must
    be a drug of the pack (a policy's, or ``drugs:`` in pack.yaml) by its generic name, a class one of
    ``drug_classes:``."""
    out = []
    for d in step.drugs:
        e = drugs.entry(d)
        if e is None or _fold(e.generic) != _fold(d):
            hint = f" (write its generic name, {e.generic!r})" if e is not None else ""
            out.append(f"tried: drug {d!r} is not a drug of this pack{hint}; add it to drugs: in pack.yaml")
    for c in step.classes:
        if _fold(c) not in {_fold(k) for k in drugs.class_labels}:
            out.append(f"tried: class {c!r} is not in drug_classes: of pack.yaml")
    return out


def with_courses(values: Mapping[str, Any], as_of: dt.date, drugs: DrugVocabulary) -> Mapping[str, Any]:
    """``values`` with the treatment history resolved into courses (when there is one)."""
    history = values.get("medication_history")
    if history is None:
        return values
    return {**values, COURSES: tuple(courses(list(history), as_of, drugs))}
