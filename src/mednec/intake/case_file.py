"""Case files (YAML or JSON) -> a :class:`FactSet` of given facts.

::

    patient: {birth_date: 1952-03-01, sex: male}
    facts:
      diagnosis: D46.1
      hemoglobin: {value: 8.1, unit: g/dL, date: 2026-10-01}
      rbc_transfusions: [{date: 2026-09-01, units: 2}]

Optional top-level keys: ``id``, ``title``, ``description`` (for people), ``as_of`` (the
evaluation date, when the case pins one; ``--as-of`` overrides it).
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mednec.errors import CaseFormatError, ContradictionError, ImplausibleValueError
from mednec.facts.dictionary import FactDef, FactDictionary
from mednec.facts.factset import FactSet, FactValue, Provenance
from mednec.hygiene import check_tree, shown_key
from mednec.intake.values import parse_date, parse_fact_value, parse_text_form, value_facts
from mednec.yaml_loader import SafeLoader, load_user_yaml

__all__ = ["Case", "check_contradictions", "check_limits", "load_case_file", "parse_case", "parse_case_text", "read_input"]

_TOP_KEYS = {"id", "title", "description", "as_of", "patient", "facts"}
_PATIENT_KEYS = {"birth_date", "sex", "age"}
_TEXT_LIMITS = {"id": 200, "title": 300, "description": 4000}  # the service stores title in 300
MAX_VALUE_TEXT = 1000  # characters of one written value (a category, a karyotype): far above any real one
_Base: Any = SafeLoader


class _CaseLoader(_Base):  # type: ignore[misc]
    """Safe YAML loader that leaves dates as text, so `parse_date` can name a bad one's field, and refuses a
    key given twice in one mapping with different values (see :func:`_refuse_twice`)."""

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue
                first = seen.setdefault(key_node.value, value_node)
                if first is not value_node and not self._same(first, value_node):
                    _refuse_twice(key_node.value, f"line {first.start_mark.line + 1}",
                                  f"line {value_node.start_mark.line + 1}")
        return super().construct_mapping(node, deep)

    def _same(self, a: Any, b: Any) -> bool:
        """Two YAML nodes that build the same value (``31.4`` twice; ``{value: 8.1}`` twice)."""
        if isinstance(a, yaml.ScalarNode) and isinstance(b, yaml.ScalarNode):
            return bool(self.construct_object(a) == self.construct_object(b))
        if type(a) is not type(b) or len(a.value) != len(b.value):
            return False
        if isinstance(a, yaml.SequenceNode):
            return all(self._same(x, y) for x, y in zip(a.value, b.value, strict=True))
        return all(self._same(ka, kb) and self._same(va, vb)
                   for (ka, va), (kb, vb) in zip(a.value, b.value, strict=True))


def _refuse_twice(key: Any, first: str, second: str) -> None:
    """A key given twice in one mapping with different values has two meanings (YAML and JSON readers keep
    the last one silently): refused naming the key. Given twice with the same value it has one and is read."""
    raise CaseFormatError(f"{key!s} is given twice with different values ({first} and {second}); "
                          "keep the one that is meant", field=str(key))


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out and out[key] != value:
            _refuse_twice(key, json.dumps(out[key], default=str)[:60], json.dumps(value, default=str)[:60])
        out[key] = value
    return out


_CaseLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in _Base.yaml_implicit_resolvers.items()
}
_Loader: Any = _CaseLoader


@dataclass(frozen=True)
class Case:
    """A parsed case: its given facts and descriptive fields."""

    facts: FactSet
    id: str = ""
    title: str = ""
    description: str = ""


def parse_case_text(text: str, *, name: str = "case") -> Mapping[str, Any]:
    """Parse YAML or JSON text into a mapping, with a clear error when malformed."""
    stripped = text.lstrip()
    try:
        is_json = stripped.startswith(("{", "["))
        data = json.loads(text, object_pairs_hook=_json_object) if is_json else load_user_yaml(text, _Loader)
    except json.JSONDecodeError as exc:
        raise CaseFormatError(f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", field=name) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise CaseFormatError(f"malformed YAML{where}: {problem}", field=name) from None
    except (ValueError, OverflowError, RecursionError) as exc:  # e.g. an explicit !!float tag on text
        raise CaseFormatError(f"malformed value: {exc}", field=name) from None
    if is_json:
        check_tree(data)  # NUL, lone surrogates, nesting (load_user_yaml checks YAML)
    if not isinstance(data, Mapping):
        raise CaseFormatError("a case must be a mapping with 'patient' and 'facts'", field=name)
    return data


def load_case_file(path: Path) -> Mapping[str, Any]:
    """Read and parse a case file."""
    return parse_case_text(read_input(path), name=str(path))


def read_input(path: Path) -> str:
    """An input file's text (UTF-8), or a clear error naming the file (a case file, a note)."""
    try:
        return path.read_text("utf-8")
    except FileNotFoundError:
        raise CaseFormatError("no such file", field=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseFormatError(f"cannot read: {exc}", field=str(path)) from None


#: A yes/no field answered "unknown": not documented, as null (a form's third tick box).
_UNKNOWN = frozenset({"unknown", "unk", "not known", "not documented", "undocumented", "n/a", "na"})
#: Words a yes/no field's answer doubts with beside the text reader's doubt cues: a test not yet resulted.
_PENDING = re.compile(r"(?<![a-z])(pending|awaiting|ordered|to be (done|repeated)|not yet (done|resulted))(?![a-z])", re.I)


def _said_with_doubt(fd: FactDef, raw: str, dictionary: FactDictionary, *, as_of: dt.date,
                     source: str) -> FactValue | bool | None:
    """A yes/no fact answered in words that are neither yes nor no: ``True`` when not documented ("unknown":
    the fact is left out, as null); the fact's warning sign when doubted and text intake reads its doubt as one
    (``context_rules.yaml`` ``uncertain.doubt_to``: ``pregnant: "not yet confirmed"`` -> pregnancy_possible,
    ``mtc_men2_history: suspected`` -> mtc_men2_possible: asked, never a silent no); else ``None`` (parsed as a
    plain value, and refused when it is not yes or no)."""
    text = " ".join(raw.strip().lower().split())
    if text in _UNKNOWN:
        return True
    from mednec.intake.text.context import context_rules

    rules = context_rules()
    sign = rules.unc_to.get(fd.id)
    if sign is None or sign not in dictionary.facts:
        return None
    if not (rules.unc.search(text) or _PENDING.search(text) or rules.unc_after.search(" " + text)
            or text.startswith("?")):
        return None
    return FactValue(sign, True, None, as_of, Provenance(source, f'{fd.id}: "{raw}" (neither yes nor no)'))


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:g}" if isinstance(value, float) else str(value).replace("_", " ")


def _matches(value: Any, want: Any) -> bool:
    if isinstance(want, list):
        return value in want
    return bool(value == want)


def check_contradictions(facts: FactSet, dictionary: FactDictionary) -> None:
    """Raise :class:`ContradictionError` when declared-contradictory facts are both present."""
    present = facts.keys()
    for c in dictionary.contradictions:
        if not (present >= c.when.keys() and present >= c.conflicts.keys()):
            continue  # a fact the rule names is absent: the rule cannot apply (most rules, most cases)
        if all(k in facts and _matches(facts.value(k), v) for k, v in c.when.items()) and all(
            k in facts and _matches(facts.value(k), v) for k, v in c.conflicts.items()
        ):
            fields = ", ".join(f"facts.{k}" for k in (*c.when, *c.conflicts))
            raise ContradictionError(c.message, field=fields)


def whole_years(birth: dt.date, on: dt.date) -> int:
    """Age in whole years on ``on`` (the birthday itself counts; 29 February's is 1 March in other years)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def check_birth(values: Mapping[str, FactValue], dictionary: FactDictionary, as_of: dt.date) -> None:
    """Refuse what a given birth date makes impossible: a dated value, date fact or event date before it
    (held-out cases8 l12: an LDL-C dated before birth read as a stale one), and a given age the birth date
    contradicts in whole years on the age's date (cases8 m15). An age known only as a bound is not checked."""
    birth_fv = values.get("birth_date")
    if birth_fv is None or not isinstance(birth_fv.value, dt.date):
        return
    birth = birth_fv.value
    age = values.get("age")
    if age is not None and isinstance(age.value, int | float) and not isinstance(age.value, bool):
        years = whole_years(birth, age.observed or as_of)
        if not years <= age.value < years + 1:
            raise ContradictionError(f"age {age.value:g} does not agree with the birth date {birth.isoformat()} "
                                     f"(age {years} on {(age.observed or as_of).isoformat()})",
                                     field="patient.age, patient.birth_date")
    for fid, fv in values.items():
        if fid == "birth_date":
            continue
        # a date known to a range is before birth only when its last possible day is
        dated = [fv.observed_last or fv.observed] if fv.observed is not None else []
        if isinstance(fv.value, dt.date):
            dated.append(fv.value)
        fd = dictionary.facts.get(fid)
        if fd is not None and fd.type == "events" and isinstance(fv.value, tuple):
            dated += [e[name] for e in fv.value for name, spec in fd.fields.items()
                      if spec.type == "date" and isinstance(e.get(name), dt.date)]
        early = [d for d in dated if d < birth]
        if early:
            raise ImplausibleValueError(f"date {min(early).isoformat()} is before the birth date {birth.isoformat()}",
                                        field=f"facts.{fid}" if fid != "age" else "patient.age")


def check_limits(data: Mapping[str, Any], dictionary: FactDictionary) -> None:
    """Refuse a case past the limits (before parsing it): descriptive texts longer than the
    service stores, an events fact with more than its ``max_items`` events, an event text field
    longer than its ``max_length``, a written value longer than :data:`MAX_VALUE_TEXT`.

    Kept apart from :func:`parse_case`, whose source the columnar population engine mirrors
    (``mednec.population.columnar.digests``); the CLI, the service and the web app call both."""
    for key, most in _TEXT_LIMITS.items():
        text = data.get(key)
        if text is not None and len(str(text)) > most:
            raise CaseFormatError(f"{len(str(text))} characters; at most {most}", field=key)
    for group in ("patient", "facts"):
        given = data.get(group)
        if not isinstance(given, Mapping):
            continue
        for fid, raw in given.items():  # the field path is only worded for a refusal
            fd = dictionary.facts.get(str(fid))
            if fd is not None and fd.type == "events" and isinstance(raw, list):
                _check_events(raw, fd, group, fid)
                continue
            value = raw.get("value") if raw.__class__ is dict or isinstance(raw, Mapping) else raw
            if isinstance(value, str) and len(value) > MAX_VALUE_TEXT:
                raise CaseFormatError(f"{len(value)} characters; a value is at most {MAX_VALUE_TEXT}",
                                      field=f"{group}.{shown_key(fid)}")


def _check_events(raw: list[Any], fd: FactDef, group: str, fid: Any) -> None:
    """An events fact's count and its events' text fields against their limits."""
    if len(raw) > fd.max_items:
        raise CaseFormatError(f"{len(raw)} events; {fd.label} takes at most {fd.max_items}",
                              field=f"{group}.{shown_key(fid)}")
    texts = [(name, spec.max_length) for name, spec in fd.fields.items() if spec.type == "text"]
    if not texts:
        return
    for i, event in enumerate(raw):
        if not isinstance(event, Mapping):
            continue
        for name, most in texts:
            text = event.get(name)
            if isinstance(text, str) and len(text) > most:
                raise CaseFormatError(f"{len(text)} characters; at most {most}",
                                      field=f"{group}.{shown_key(fid)}[{i}].{name}")


#: keys writers use for the member's plan, which a case does not hold (the payer variant is chosen outside it)
_PLAN_KEYS = frozenset({"payer", "plan", "insurer", "insurance", "payor", "health_plan", "coverage"})


def _check_top_keys(data: Mapping[str, Any]) -> None:
    """Refuse a key a case does not have, naming the nearest one (and, for the member's plan, where it goes)."""
    unknown = set(map(str, data)) - _TOP_KEYS
    if unknown:
        first = sorted(unknown)[0]
        near = difflib.get_close_matches(first, sorted(_TOP_KEYS), n=1, cutoff=0.6)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        if unknown & _PLAN_KEYS:  # the plan is not a fact of the case: it picks the policy's payer variant
            hint += (" (the member's plan is not part of a case: evaluate under its payer variant with --variant, "
                     "see `mednec policies show DRUG`, or name the plan in the question of `mednec ask`).")
        raise CaseFormatError(
            f"unknown key(s) {', '.join(sorted(unknown))}{hint} A case has: {', '.join(sorted(_TOP_KEYS))}",
            field=first,
        )


def parse_case(
    data: Mapping[str, Any],
    dictionary: FactDictionary,
    *,
    as_of: dt.date | None = None,
    source: str = "case file",
) -> Case:
    """Validate a case mapping and turn it into a :class:`Case`.

    ``as_of`` (the evaluation date) defaults to the case's ``as_of`` key, then today.
    """
    _check_top_keys(data)
    if as_of is None:
        as_of = parse_date(data["as_of"], path="as_of") if data.get("as_of") else dt.date.today()
    patient = data.get("patient") or {}
    facts_raw = data.get("facts") or {}
    if not isinstance(patient, Mapping):
        raise CaseFormatError("expected a mapping with birth_date and sex", field="patient")
    if not isinstance(facts_raw, Mapping):
        raise CaseFormatError("expected a mapping of fact id to value", field="facts")
    bad = set(map(str, patient)) - _PATIENT_KEYS
    if bad:
        raise CaseFormatError(
            f"unknown key(s) {', '.join(sorted(bad))}; patient has: {', '.join(sorted(_PATIENT_KEYS))}",
            field=f"patient.{sorted(bad)[0]}",
        )
    values: dict[str, FactValue] = {}
    read_off: list[tuple[str, FactValue]] = []  # facts read off a text notation (a karyotype)
    notes: list[str] = []
    merged: list[tuple[str, str, Any]] = [
        (k, f"patient.{k}", v) for k, v in patient.items() if v is not None
    ] + [(str(k), f"facts.{k}", v) for k, v in facts_raw.items()]
    for fid, path, raw in merged:
        fd = dictionary.get(fid, path=path)
        if not fd.may_give:
            raise CaseFormatError(
                f"{fid} is calculated by mednec ({fd.derived_by}); give its inputs instead",
                field=path,
            )
        if fid in values:
            raise CaseFormatError(f"{fid} is given twice (patient and facts)", field=path)
        if fd.type == "boolean" and raw.__class__ is str:
            said = _said_with_doubt(fd, raw, dictionary, as_of=as_of, source=source)
            if said is not None:  # "unknown" (not documented), or a warning sign ("not yet confirmed")
                read_off += [(path, said)] if isinstance(said, FactValue) else []
                continue
        expanded = parse_text_form(fd, raw, dictionary, as_of=as_of, path=path, source=source)
        if expanded is not None:
            read_off += [(path, fv) for fv in expanded[0]]
            notes += expanded[1]
            continue
        fv = parse_fact_value(fd, raw, as_of=as_of, path=path, source=source)
        if fv is not None:
            values[fid] = fv
            read_off += [(path, given) for given in value_facts(fd, fv, dictionary)]  # I63.9: prior_ischemic_stroke
    for path, fv in read_off:
        stated = values.get(fv.fact)
        if stated is None:
            values[fv.fact] = fv
        elif stated.value != fv.value and fv.provenance.detail.startswith("from the diagnosis code"):
            # a condition the request states (prior_mi: no) beside a code that would give it: the statement is
            # used, as the policies read a listed diagnosis code beside the stated condition (any of them meets)
            notes.append(f"{fv.fact} is given as {_shown(stated.value)}; the {fv.provenance.detail.split(':')[0]} "
                         f"would give {_shown(fv.value)} (the stated value is used)")
        elif stated.value != fv.value:
            karyotype = fv.provenance.detail.split(":")[0].removeprefix("from the ")
            raise ContradictionError(
                f"{fv.fact} is given as {_shown(stated.value)}, but the {karyotype} gives {_shown(fv.value)}",
                field=f"facts.{fv.fact}, {path}",
            )
    check_birth(values, dictionary, as_of)
    facts = FactSet(values, as_of, tuple(notes))
    check_contradictions(facts, dictionary)
    return Case(
        facts=facts,
        id=str(data.get("id") or ""),
        title=str(data.get("title") or ""),
        description=str(data.get("description") or ""),
    )
