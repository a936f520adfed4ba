"""``pack.yaml`` ``course:``: which facts the records of the requested drug itself set.

A re-authorisation (and some first requests) is judged on the course of the drug being requested:
when it started, the doses given, whether it was taken lately, what was measured before it. FHIR
intake reads that course from the drug's own MedicationAdministration / MedicationStatement /
MedicationRequest resources; *which* facts it sets is the pack's to say, so a new pack needs no
intake code::

    course:
      start: treatment_start            # a date fact: the start of the course
      doses: treatment_doses            # an events fact: each dose given (date, dose, unit)
      recent: {fact: requested_drug_recent, days: 180, cite: [bcbsnc-glp1-partd-2025]}
      baseline: {weight_baseline: weight}   # the latest weight on or before the start
      drugs:                            # how messages name each policy drug, and its dose units
        luspatercept: {dose_units: [mg/kg]}

Every key is optional. ``drugs`` keys are any name of one of the pack's policy drugs; with
``doses`` every policy drug needs its ``dose_units`` (a dose in another unit is not a dose level).
The course applies to each drug a policy of the pack covers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mednec.errors import ConfigError
from mednec.facts.dictionary import FactDictionary
from mednec.facts.drugs import DrugCourse, DrugEntry, DrugVocabulary
from mednec.yaml_loader import strict_mapping

__all__ = ["parse_course"]

_KEYS = ("start", "doses", "recent", "baseline", "drugs")
_TYPES = {"start": "date", "doses": "events", "recent": "boolean"}


def _fact(dictionary: FactDictionary, fid: Any, want: str | None, where: str, problems: list[ConfigError]) -> str:
    fd = dictionary.facts.get(str(fid))
    if fd is None:
        problems.append(ConfigError(dictionary.unknown_message(str(fid)), field=where))
        return ""
    if want is not None and fd.type != want:
        problems.append(ConfigError(f"{fid!r} is a {fd.type} fact; expected a {want} fact", field=where))
        return ""
    return fd.id


def _recent(raw: Any, dictionary: FactDictionary, refs: Mapping[str, Any],
            problems: list[ConfigError]) -> tuple[str, int]:
    where = "course.recent"
    if not isinstance(raw, Mapping) or set(raw) - {"fact", "days", "cite"} or "fact" not in raw:
        problems.append(ConfigError("expected {fact, days, cite}", field=where))
        return "", 0
    days = raw.get("days")
    if not isinstance(days, int) or isinstance(days, bool) or not 0 < days <= 3650:
        problems.append(ConfigError("days must be a whole number from 1 to 3650", field=f"{where}.days"))
        return "", 0
    cites = raw.get("cite") or []
    if not cites or any(str(c).split(":")[0] not in refs for c in cites):
        problems.append(ConfigError("the window needs a citation to the pack's references", field=f"{where}.cite"))
    return _fact(dictionary, raw["fact"], "boolean", f"{where}.fact", problems), days


def _baseline(raw: Any, dictionary: FactDictionary, problems: list[ConfigError]) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, Mapping):
        problems.append(ConfigError("expected {baseline fact: measured fact}", field="course.baseline"))
        return ()
    out = []
    for fid, measured in raw.items():
        a = _fact(dictionary, fid, None, f"course.baseline.{fid}", problems)
        b = _fact(dictionary, measured, None, f"course.baseline.{fid}", problems)
        if a and b and dictionary.facts[a].type != dictionary.facts[b].type:
            problems.append(ConfigError(f"{a!r} and {b!r} are facts of different types", field=f"course.baseline.{fid}"))
        elif a and b:
            out.append((a, b))
    return tuple(out)


def _drugs(raw: Any, vocab: DrugVocabulary, generics: Sequence[str],
           problems: list[ConfigError]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Policy generic -> (label, dose units)."""
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    if not isinstance(raw, Mapping):
        problems.append(ConfigError("expected {drug name: {dose_units: [...]}}", field="course.drugs"))
        return out
    for name, spec in raw.items():
        where = f"course.drugs.{name}"
        entry = vocab.entry(str(name))
        if entry is None or entry.generic not in generics:
            problems.append(ConfigError(f"{name!r} is not the drug of one of the pack's policies", field=where))
            continue
        units = spec.get("dose_units") if isinstance(spec, Mapping) and set(spec) <= {"dose_units"} else None
        if not isinstance(units, list) or not units or not all(isinstance(u, str) and u for u in units):
            problems.append(ConfigError("expected {dose_units: [unit, ...]}", field=where))
            continue
        out[entry.generic] = (str(name), tuple(units))
    return out


def parse_course(raw: Any, dictionary: FactDictionary, entries: Sequence[DrugEntry], refs: Mapping[str, Any],
                 ) -> tuple[dict[str, DrugCourse], list[ConfigError]]:
    """The course of each policy drug (by generic name) and the problems found; see the module docstring."""
    problems: list[ConfigError] = []
    if raw is None:
        return {}, problems
    try:
        raw = strict_mapping(raw, _KEYS, field="course")
    except ConfigError as exc:
        problems.append(exc)
        return {}, problems
    facts = {k: _fact(dictionary, raw[k], _TYPES[k], f"course.{k}", problems) for k in ("start", "doses") if k in raw}
    recent, days = _recent(raw["recent"], dictionary, refs, problems) if "recent" in raw else ("", 0)
    baseline = _baseline(raw["baseline"], dictionary, problems) if "baseline" in raw else ()
    if baseline and "start" not in raw:
        problems.append(ConfigError("a baseline is taken before the start: declare start too", field="course.baseline"))
    vocab = DrugVocabulary.of(entries)
    generics = [e.generic for e in entries]
    drugs = _drugs(raw.get("drugs") or {}, vocab, generics, problems)
    if facts.get("doses"):
        problems += [ConfigError(f"doses are read: give the dose units of {g!r}", field="course.drugs")
                     for g in generics if g not in drugs]
    return {g: DrugCourse(label=drugs.get(g, (g, ()))[0], start=facts.get("start", ""), doses=facts.get("doses", ""),
                          dose_units=drugs.get(g, ("", ()))[1], recent=recent, recent_days=days, baseline=baseline)
            for g in generics}, problems
