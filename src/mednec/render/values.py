"""Fact values as people read them, and evidence items for the documents."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from mednec.engine.determination import MissingFact
from mednec.facts.dictionary import FactDictionary
from mednec.facts.factset import FactValue
from mednec.render.cites import CiteIndex
from mednec.render.model import EvidenceItem
from mednec.render.phrases import phrase

__all__ = ["ATTACHED_PREFIXES", "evidence_item", "fact_text", "is_attached", "long_date", "observed_text", "short_finding",
           "source_words"]

#: provenance of a fact read from something the requester attached: a FHIR resource, or an uploaded
#: document (the web upload reads a file as ``document <file name>``)
ATTACHED_PREFIXES = ("FHIR ", "document ", "note document ")
_SPAN = re.compile(r'^(?P<src>.+?) \[\d+:\d+\] "(?P<words>.*)"$', re.S)
_TYPED = {"question": "your question", "note": "the note", "pasted text": "the pasted note"}

_HIDDEN_UNITS = ("count",)


def observed_text(e: FactValue) -> str:
    """When a value was observed: its day, or the range of days a partial date names ("2026-09-01 to
    2026-09-30, day not given")."""
    if e.observed is None:
        return ""
    last = getattr(e, "observed_last", None)
    if last is None or last == e.observed:
        return e.observed.isoformat()
    return f"{e.observed.isoformat()} to {last.isoformat()}, day not given"


def _num(v: float) -> str:
    return f"{v:g}"


def _iso(v: Any) -> str:
    return v.isoformat() if isinstance(v, dt.date) else str(v)


def _events(fv: FactValue) -> str:
    rows: tuple[Mapping[str, Any], ...] = fv.value
    if not rows:
        return phrase("event.none")
    if all("units" in r and "date" in r for r in rows):
        dates = sorted(r["date"] for r in rows)
        units = sum(float(r["units"]) for r in rows)
        return phrase("event.transfusions", n=len(rows), units=_num(units), first=_iso(dates[0]), last=_iso(dates[-1]))
    if all("drug" in r and ("start" in r or "response" in r) for r in rows):
        parts = []
        for r in rows:
            response = str(r.get("response", "not recorded")).replace("_", " ")
            if r.get("response") == "not_given":
                parts.append(phrase("event.never_given", drug=r["drug"]))
                continue
            if "start" not in r:
                parts.append(phrase("event.undated", drug=r["drug"], response=response))
                continue
            key = "event.course" if r.get("end") else "event.course_open"
            if key == "event.course_open" and r.get("response") == "ongoing":  # say it once
                key = "event.course_ongoing"
            parts.append(phrase(key, drug=r["drug"], start=_iso(r["start"]), end=_iso(r.get("end", "")),
                                response=response))
        return "; ".join(parts)
    if all("dose" in r and "date" in r for r in rows):
        dates = sorted(r["date"] for r in rows)
        top = max(float(r["dose"]) for r in rows)
        return phrase("event.doses", n=len(rows), first=_iso(dates[0]), last=_iso(dates[-1]), max=_num(top))
    return phrase("event.generic", n=len(rows))


def fact_text(fv: FactValue, dictionary: FactDictionary) -> str:
    """'8.1 g/dL', 'ESA-naive', 'D46.1 — Refractory anemia with ring sideroblasts', 'yes'."""
    v = fv.value
    fd = dictionary.facts.get(fv.fact)
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int | float):
        unit = fv.unit if fv.unit and fv.unit not in _HIDDEN_UNITS else ""
        if unit == "%":
            return f"{_num(v)}%"
        return f"{_num(v)} {unit}".strip()
    if isinstance(v, tuple):
        return _events(fv)
    if isinstance(v, dt.date):
        return v.isoformat()
    if fd is not None and fd.values and str(v) in fd.values:
        label = fd.values[str(v)].label
        return f"{v} — {label}" if fv.fact == "diagnosis" else label
    return str(v).replace("_", " ")


def evidence_item(e: FactValue | MissingFact, dictionary: FactDictionary, cites: CiteIndex) -> EvidenceItem:
    """One piece of evidence; a derived value cites its calculator's source."""
    if isinstance(e, MissingFact):
        return EvidenceItem(e.fact, e.label, "", None, "", "", True, ())
    fd = dictionary.facts.get(e.fact)
    label = fd.label if fd else e.fact
    nums: tuple[int, ...] = ()
    title = ""
    if e.derived:
        calc = cites.pack.calculators.by_name.get(e.provenance.source.removeprefix("calculated: "))
        if calc is not None:
            title = calc.title
        if calc is not None and calc.citation and calc.citation in cites.pack.references:
            nums = cites.nums([calc.citation])
    return EvidenceItem(
        e.fact, label, fact_text(e, dictionary), observed_text(e) if e.observed else None,
        source_words(e.provenance.source, label, title), e.provenance.detail if e.derived else "", False, nums,
    )


def is_attached(source: str) -> bool:
    """Whether a fact came from an attached document or a FHIR resource (not typed or stated)."""
    return source.startswith(ATTACHED_PREFIXES)


def _lower_first(label: str) -> str:
    return label if label[1:2].isupper() or label[:1].isdigit() else label[:1].lower() + label[1:]


def source_words(source: str, label: str = "", calculator: str = "") -> str:
    """Where a fact came from, as people read it (no character offsets, resource ids or internal names).

    ``question [38:53] "72-year-old man"`` -> ``from your question: “72-year-old man”``;
    ``document report.txt [10:20] "Hb 8.1"`` -> ``from report.txt: “Hb 8.1”``;
    ``FHIR Observation/hb-1`` -> ``Observation: hemoglobin``; ``calculated: ipss_r`` -> ``calculated: IPSS-R``
    (``calculator``: its title).
    """
    m = _SPAN.match(source or "")
    if m:
        src = m["src"]
        if src.startswith("note "):  # read_note's "note <name>": a typed note, or an uploaded document
            src = src[5:] if src[5:] not in ("", "note") else "note"
        src = src.removeprefix("document ")
        return f"from {_TYPED.get(src, src)}: “{m['words']}”"
    if source.startswith("FHIR "):
        kind = source[5:].split("/", 1)[0]
        return f"{kind}: {_lower_first(label)}" if label else kind
    if source.startswith("calculated: "):
        return f"calculated: {calculator or source[12:].replace('_', ' ')}"
    return source


def short_finding(item: EvidenceItem) -> str:
    """'Serum erythropoietin: 210 mU/mL (2026-10-02)' or 'Serum erythropoietin: not documented'."""
    if item.missing:
        return f"{item.label}: not documented"
    when = f" ({item.date})" if item.date else ""
    return f"{item.label}: {item.value}{when}"


def long_date(iso: str | dt.date | None) -> str:
    """'2026-11-20' -> '20 November 2026' ('' for None)."""
    if iso is None or iso == "":
        return ""
    d = iso if isinstance(iso, dt.date) else dt.date.fromisoformat(str(iso))
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")
