"""The structured case form: fields from the fact dictionary, to and from the case format.

Field names: ``f.<fact>`` holds a value, ``f.<fact>.unit`` and ``f.<fact>.date`` a number's
unit and observation date, ``e.<fact>-<row>-<field>`` a row of an events fact (transfusions,
ESA courses, doses) and ``e.<fact>.none`` the box that says there were none. Each fact is
checked on its own first, so every wrong field gets its message at once; the message and the
field come from mednec's own :class:`~mednec.errors.InputError`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mednec.errors import InputError
from mednec.facts.dictionary import FactDef, FactDictionary
from mednec.runtime import Runtime

__all__ = ["FormField", "FormGroup", "FormState", "case_to_values", "form_groups", "parse_form", "validate"]

PATIENT_KEYS = ("birth_date", "age", "sex")
GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("patient", "Patient", PATIENT_KEYS),
    ("diagnosis", "Diagnosis and risk", ("diagnosis", "ipss_r_category", "ipss_r_score", "ipss_category",
                                         "cytogenetic_risk", "karyotype", "del5q",
                                         "additional_cytogenetic_abnormalities", "chromosome7_abnormality")),
    ("marrow", "Bone marrow and molecular", ("marrow_blasts_pct", "ring_sideroblasts_pct", "sf3b1_mutation")),
    ("labs", "Blood tests", ("hemoglobin", "platelets", "anc", "serum_epo")),
    ("history", "Transfusions and earlier treatment", ("rbc_transfusions", "esa_history")),
    ("clinical", "Clinical picture", ("anemia_symptomatic", "immediate_correction_needed", "concurrent_esa")),
    ("continuation", "Re-authorisation (continuing treatment)", ("treatment_start", "treatment_doses",
                                                                  "hemoglobin_baseline")),
)
NONE_LABEL = {
    "rbc_transfusions": "No RBC transfusions in the last 16 weeks",
    "esa_history": "Never treated with an ESA (ESA-naive)",
    "treatment_doses": "No doses given yet",
}
EVENT_ROWS = 3  # empty rows offered after the filled ones (JavaScript can add more)


@dataclass(frozen=True)
class FormField:
    fact: FactDef
    group: str

    @property
    def id(self) -> str:
        return self.fact.id

    @property
    def kind(self) -> str:
        return self.fact.type

    @property
    def units(self) -> list[str]:
        """The units offered: the canonical one first, then the other spellings that differ in more than case."""
        seen: dict[str, str] = {}
        for u in [self.fact.unit or "", *self.fact.units]:
            if u:
                seen.setdefault(u.lower().replace("x", ""), u)
        return list(seen.values())

    @property
    def options(self) -> list[tuple[str, str]]:
        return [(k, v.label if v.label.lower() == k.lower().replace("_", " ") else f"{v.label}")
                for k, v in self.fact.values.items()]

    @property
    def columns(self) -> list[tuple[str, Any]]:
        return list(self.fact.fields.items())


@dataclass(frozen=True)
class FormGroup:
    id: str
    title: str
    fields: tuple[FormField, ...]


def form_groups(dictionary: FactDictionary) -> tuple[FormGroup, ...]:
    """Every fact a case may give, grouped; facts the groups do not name go under 'Other facts'."""
    givable = {k: f for k, f in dictionary.facts.items() if f.may_give}
    out: list[FormGroup] = []
    placed: set[str] = set()
    for gid, title, ids in GROUPS:
        fields = tuple(FormField(givable[i], gid) for i in ids if i in givable)
        placed.update(ids)
        if fields:
            out.append(FormGroup(gid, title, fields))
    rest = tuple(FormField(f, "other") for k, f in givable.items() if k not in placed)
    if rest:
        out.append(FormGroup("other", "Other facts", rest))
    return tuple(out)


@dataclass
class FormState:
    """Values to show in the form, the messages per field, and the sources of understood facts."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # input id -> message
    fact_errors: dict[str, list[str]] = field(default_factory=dict)  # fact -> messages
    sources: dict[str, str] = field(default_factory=dict)  # fact -> words it came from
    rows: dict[str, int] = field(default_factory=dict)  # events fact -> rows to show
    general: list[str] = field(default_factory=list)

    def add_error(self, exc: InputError, dictionary: FactDictionary) -> None:
        targets = _targets(exc.field)
        if not targets:
            self.general.append(exc.message)
            return
        for fact, input_id in targets:
            if fact not in dictionary.facts:
                self.general.append(exc.message)
                continue
            self.fact_errors.setdefault(fact, [])
            if exc.message not in self.fact_errors[fact]:
                self.fact_errors[fact].append(exc.message)
            self.errors.setdefault(input_id, exc.message)

    @property
    def summary(self) -> list[tuple[str, str]]:
        """(input id, message) for the error summary at the top of the form."""
        seen: set[str] = set()
        out = []
        for input_id, msg in self.errors.items():
            if msg not in seen:
                seen.add(msg)
                out.append((input_id, msg))
        return out


_EVENT_PATH = re.compile(r"^(\w+)\[(\d+)\](?:\.(\w+))?$")


def _targets(path: str | None) -> list[tuple[str, str]]:
    """An InputError field ('facts.hemoglobin.unit', 'facts.rbc_transfusions[1].date', 'facts.a, facts.b')
    -> (fact, input id) pairs."""
    if not path:
        return []
    out = []
    for part in (p.strip() for p in path.split(",")):
        part = part.removeprefix("facts.").removeprefix("patient.")
        m = _EVENT_PATH.match(part)
        if m:
            fact, row, col = m.group(1), m.group(2), m.group(3)
            out.append((fact, f"e.{fact}-{row}-{col}" if col else f"e.{fact}-{row}"))
            continue
        fact, _, sub = part.partition(".")
        if not re.fullmatch(r"\w+", fact):
            continue
        out.append((fact, f"f.{fact}.{sub}" if sub in ("unit", "date") else f"f.{fact}"))
    return out


def _num(text: str) -> Any:
    t = text.strip().replace(",", ".") if re.fullmatch(r"\s*-?\d+,\d+\s*", text) else text.strip()
    try:
        x = float(t)
    except ValueError:
        return text.strip()
    return int(x) if x.is_integer() and "." not in t else x


def _bool(text: str) -> Any:
    return {"true": True, "yes": True, "false": False, "no": False}.get(text.strip().lower(), text.strip())


def _digest(values: Mapping[str, str], fact: str) -> str:
    keys = sorted(k for k in values if (k == f"f.{fact}" or k.startswith(f"f.{fact}.")) and values[k].strip())
    return hashlib.sha256(json.dumps([(k, values[k].strip()) for k in keys]).encode()).hexdigest()[:16]


def parse_form(form: Mapping[str, Any], dictionary: FactDictionary) -> tuple[dict[str, Any], FormState]:
    """The submitted form -> (case data, the form's state to show again)."""
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    state = FormState(values=values)
    patient: dict[str, Any] = {}
    facts: dict[str, Any] = {}
    for group in form_groups(dictionary):
        for ff in group.fields:
            fd = ff.fact
            raw = _field_value(fd, values, state)
            if raw is None:
                continue
            source = values.get(f"s.{fd.id}")
            if source and isinstance(raw, dict) and values.get(f"h.{fd.id}") == _digest(values, fd.id):
                raw["source"] = source
                state.sources[fd.id] = source
            (patient if fd.id in PATIENT_KEYS else facts)[fd.id] = raw
    data: dict[str, Any] = {}
    title = values.get("title", "").strip()
    if title:
        data["title"] = title[:300]
    if values.get("as_of"):
        data["as_of"] = values["as_of"]
    if patient:
        data["patient"] = patient
    data["facts"] = facts
    return data, state


def _field_value(fd: FactDef, values: Mapping[str, str], state: FormState) -> Any:
    if fd.type == "events":
        return _events(fd, values, state)
    text = values.get(f"f.{fd.id}", "").strip()
    if not text:
        return None
    if fd.type == "number":
        out: dict[str, Any] = {"value": _num(text)}
        unit = values.get(f"f.{fd.id}.unit", "").strip()
        if unit:
            out["unit"] = unit
        date = values.get(f"f.{fd.id}.date", "").strip()
        if date:
            out["date"] = date
        return out
    if fd.type == "boolean":
        return {"value": _bool(text)}
    return {"value": text}


def _events(fd: FactDef, values: Mapping[str, str], state: FormState) -> Any:
    rows: dict[int, dict[str, Any]] = {}
    prefix = f"e.{fd.id}-"
    for key, text in values.items():
        if not key.startswith(prefix) or not text.strip():
            continue
        num, _, col = key[len(prefix):].partition("-")
        if not num.isdigit() or col not in fd.fields:
            continue
        spec = fd.fields[col]
        rows.setdefault(int(num), {})[col] = _num(text) if spec.type == "number" else text.strip()
    # rows are numbered again from 0 without the empty ones, so a message about item i is shown at row i
    for key in [k for k in state.values if k.startswith(prefix)]:
        del state.values[key]
    ordered = [rows[i] for i in sorted(rows)]
    for i, cells in enumerate(ordered):
        for col, x in cells.items():
            state.values[f"{prefix}{i}-{col}"] = str(x)
    state.rows[fd.id] = len(ordered)
    none = values.get(f"e.{fd.id}.none") in ("on", "true", "1")
    if none and rows:
        msg = "tick “none” or list them, not both"
        state.errors.setdefault(f"e.{fd.id}.none", msg)
        state.fact_errors.setdefault(fd.id, []).append(msg)
        return None
    if none:
        return []
    return ordered or None


def validate(runtime: Runtime, data: dict[str, Any], state: FormState, as_of: dt.date) -> bool:
    """Check each fact alone (so every wrong field is named), then the whole case; True when valid."""
    d = runtime.dictionary
    when = as_of
    if data.get("as_of"):
        try:
            when = dt.date.fromisoformat(str(data["as_of"]))
        except ValueError:
            state.general.append("the evaluation date is not a date")
            return False
    for part in ("patient", "facts"):
        for fid, raw in dict(data.get(part) or {}).items():
            try:
                runtime.parse_case({part: {fid: raw}}, as_of=when, source="web form")
            except InputError as exc:
                state.add_error(exc, d)
    if state.errors or state.general:
        return False
    try:
        runtime.parse_case(data, as_of=when, source="web form")
    except InputError as exc:
        state.add_error(exc, d)
        return False
    return True


def case_to_values(case: Mapping[str, Any], dictionary: FactDictionary) -> FormState:
    """A case mapping (from a question, a note, a FHIR bundle or a stored case) -> form values."""
    state = FormState()
    v = state.values
    merged = {**dict(case.get("patient") or {}), **dict(case.get("facts") or {})}
    for fid, raw in merged.items():
        fd = dictionary.facts.get(fid)
        if fd is None or raw is None:
            continue
        if fd.type == "events":
            if isinstance(raw, list):
                if not raw:
                    v[f"e.{fid}.none"] = "on"
                for i, row in enumerate(raw):
                    if isinstance(row, Mapping):
                        for col, x in row.items():
                            v[f"e.{fid}-{i}-{col}"] = _show(x)
                state.rows[fid] = len(raw)
            continue
        if isinstance(raw, Mapping):
            v[f"f.{fid}"] = _show(raw.get("value"))
            if raw.get("unit"):
                v[f"f.{fid}.unit"] = str(raw["unit"])
            if raw.get("date"):
                v[f"f.{fid}.date"] = _show(raw["date"])
            if raw.get("source"):
                state.sources[fid] = str(raw["source"])
        else:
            v[f"f.{fid}"] = _show(raw)
        if fd.type == "number" and f"f.{fid}.unit" not in v and fd.unit:
            v[f"f.{fid}.unit"] = fd.unit
    for fid, src in state.sources.items():
        v[f"s.{fid}"] = src
        v[f"h.{fid}"] = _digest(v, fid)
    if case.get("as_of"):
        v["as_of"] = _show(case["as_of"])
    if case.get("title"):
        v["title"] = str(case["title"])
    return state


def _show(x: Any) -> str:
    if x is True:
        return "true"
    if x is False:
        return "false"
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    if isinstance(x, dt.date):
        return x.isoformat()
    return "" if x is None else str(x)
