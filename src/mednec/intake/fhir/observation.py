"""Observation -> number, yes/no and category facts.

Which fact an Observation gives is decided by its code, through the fact dictionary:

* the dictionary's codes (LOINC 718-7 hemoglobin, 777-3 platelets, 751-8 ANC, 15061-5 serum
  EPO, 26445-7 marrow blasts; the local ``ring-sideroblasts-pct``);
* the local code system (``codes.LOCAL_SYSTEM``) with the fact id as the code, for facts with
  no standard code: ``ipss_r_category``, ``ipss_r_score``, ``ipss_category``,
  ``cytogenetic_risk``, ``del5q``, ``chromosome7_abnormality``, ``karyotype``, and the
  prescriber's attestations (``immediate_correction_needed``, ``anemia_symptomatic``, ...);
* failing a code, the code's text ("IPSS-R", "Ring sideroblasts", "del(5q)").

**Components.** A panel (a CBC coded 58410-2 with hemoglobin, platelets and ANC as components)
or any Observation with ``component[]``: each component whose code names a fact is mapped
exactly as a top-level Observation of that code would be -- same unit conversion, same checks
(a bad unit or an implausible value fails naming ``...(Observation/cbc1).component[0]
.valueQuantity``) -- with the parent's status and date, and its provenance points at the
component (``Observation/cbc1.component[0]``). A component naming a fact but giving no usable
value is listed as unmapped (``Observation/cbc1.component[2]``) with the reason; components
whose codes name no fact (WBC, MCV, ...) are not listed one by one. The Observation's own
value, when its code names a fact, is mapped as well.

Genomic results and karyotypes go to :mod:`genomics`. Only final, amended or corrected
results count; a value with a data-absent reason is listed, not guessed. A value with a
comparator (``valueQuantity.comparator`` or a ``valueString`` such as ``>500``) is kept as what it
is, a bound: the case holds ``{value, comparator}`` and the engine decides each threshold
criterion on the interval (``>500`` settles ``<= 500`` and ``> 500`` alike, leaves ``> 600``
unknown). Values are checked against the dictionary here, so an unknown unit or an implausible
value fails naming the resource (``entry[3].resource(Observation/hb1).valueQuantity``).
LOINC 718-7 maps to ``hemoglobin`` (the latest value), never to ``hemoglobin_baseline``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from mednec.errors import InputError
from mednec.facts.dictionary import FactDef
from mednec.intake.fhir import genomics
from mednec.intake.fhir.codes import codings, concept_texts, system_uri
from mednec.intake.fhir.common import (
    Context,
    Finding,
    NotMapped,
    Source,
    UnusedPart,
    fhir_date_of,
    fhir_datetime,
    observed_on,
    partial_days,
    validated_value,
)
from mednec.intake.fhir.condition import CURRENT_FOR_DAYS, doubt_to
from mednec.intake.fhir.units import quantity_unit

__all__ = ["REVISED_STATUSES", "USABLE_STATUSES", "element_finding", "map_observation"]


#: The statuses of a result that counts.
USABLE_STATUSES = frozenset({"final", "amended", "corrected"})
_USABLE = USABLE_STATUSES
#: The statuses of a result that supersedes the final one for the same specimen (R4 ObservationStatus: "subsequent
#: to being Final, the observation has been modified").
REVISED_STATUSES = frozenset({"amended", "corrected"})
_REVISED = REVISED_STATUSES


def _describe(concept: Mapping[str, Any] | None, coded: list[tuple[str, str, str]] | None = None) -> str:
    if coded is None:
        coded = codings(concept)
    key = tuple(coded)
    text = _DESCRIBED.get(key)
    if text is None:
        text = "; ".join(f"{s.rsplit('/', 1)[-1]} {c} {d}".strip() for s, c, d in coded)
        if len(_DESCRIBED) >= 4096:
            _DESCRIBED.clear()
        _DESCRIBED[key] = text
    return text or (concept_texts(concept, coded) or ["no code"])[0]


#: The codings of a code (system, code, display) -> their description: codes recur in every patient.
#: Bounded: cleared when full.
_DESCRIBED: dict[tuple[tuple[str, str, str], ...], str] = {}


_BOUND = re.compile(r"^\s*(<=|>=|<|>|≤|≥)\s*([0-9]+(?:[.,][0-9]+)?)\s*(.*?)\s*$")
_SYMBOLS = {"≤": "<=", "≥": ">="}


def _number(element: Mapping[str, Any], fd: FactDef, at: str) -> tuple[Any, str | None, str, str]:
    """The value, its unit, where it was read and its comparator ("" for an exact value)."""
    if element.get("valueQuantity") is not None:
        q = element["valueQuantity"]
        path = f"{at}.valueQuantity"
        if q.get("value") is None:
            raise NotMapped("valueQuantity has no value")
        return q["value"], quantity_unit(fd, q, path=path), path, str(q.get("comparator") or "")
    if element.get("valueInteger") is not None:
        return element["valueInteger"], None, f"{at}.valueInteger", ""
    if element.get("valueRange") is not None:
        return _range_bound(element["valueRange"], fd, f"{at}.valueRange")
    if element.get("valueRatio") is not None:
        return _ratio_percent(element["valueRatio"], fd, f"{at}.valueRatio")
    if element.get("valueString"):
        text, path = str(element["valueString"]), f"{at}.valueString"
        m = _BOUND.match(text)
        if m:  # ">500", "< 0.5 x10E3/uL"
            unit = quantity_unit(fd, {"unit": m.group(3)}, path=path) if m.group(3) else None
            return float(m.group(2).replace(",", ".")), unit, path, _SYMBOLS.get(m.group(1), m.group(1))
        return text, None, path, ""
    raise NotMapped(f"no numeric value{_absent(element)}")


def _range_bound(rng: Mapping[str, Any], fd: FactDef, path: str) -> tuple[Any, str | None, str, str]:
    """A valueRange as the bound it proves: ``>= low`` (else ``<= high``), an interval that contains the value,
    so a threshold the whole range clears is decided and any other stays unknown (18-24 events/h settles AHI >= 15)."""
    for end, comparator in (("low", ">="), ("high", "<=")):
        q = rng.get(end) or {}
        if q.get("value") is not None:
            return q["value"], quantity_unit(fd, q, path=f"{path}.{end}"), f"{path}.{end}", comparator
    raise NotMapped("valueRange has neither low nor high")


def _ratio_percent(ratio: Mapping[str, Any], fd: FactDef, path: str) -> tuple[Any, str | None, str, str]:
    """A valueRatio of like quantities (8 of 100 cells) as the percentage a fact in % takes; anything else is
    not read (a titer, unlike units, no denominator)."""
    num, den = ratio.get("numerator") or {}, ratio.get("denominator") or {}
    if fd.unit != "%":
        raise NotMapped(f"valueRatio for {fd.id}, which is not a percentage")
    n, d = num.get("value"), den.get("value")
    if not isinstance(n, int | float) or not isinstance(d, int | float) or d <= 0:
        raise NotMapped("valueRatio without a numerator and a positive denominator")
    if (num.get("code") or num.get("unit")) != (den.get("code") or den.get("unit")):
        raise NotMapped("valueRatio of unlike quantities")
    return round(100.0 * n / d, 6), "%", path, ""


def _absent(element: Mapping[str, Any]) -> str:
    reason = concept_texts(element.get("dataAbsentReason"))
    return f" ({reason[0]})" if reason else ""


def _category(element: Mapping[str, Any], fd: FactDef, at: str) -> tuple[Any, str]:
    concept = element.get("valueCodeableConcept")
    if concept:
        path = f"{at}.valueCodeableConcept"
        candidates = [c for _, c, _ in codings(concept) if c] + concept_texts(concept)
        for raw in candidates:
            key = fd.category_key(raw)
            if key is not None:
                return key, path
        return (candidates or [""])[0], path  # fails validation with the allowed values
    if element.get("valueString"):
        return str(element["valueString"]), f"{at}.valueString"
    raise NotMapped(f"no coded value{_absent(element)}")


def _has_value(element: Mapping[str, Any]) -> bool:
    get = element.get
    if get("valueQuantity") is not None or get("valueBoolean") is not None or get("valueCodeableConcept") is not None:
        return True  # the common value types first, without walking every key
    return any(k.startswith("value") and v is not None for k, v in element.items())


def element_finding(
    element: Mapping[str, Any], fid: str, when: dt.datetime | None, src: Source, ctx: Context, part: str = "",
    coded: list[tuple[str, str, str]] | None = None,
) -> Finding:
    """The value of an Observation, or of one of its components (``part`` = ``.component[i]``);
    ``coded``: the :func:`codings` of its code, when the caller has them."""
    fd = ctx.dictionary.facts[fid]
    at = f"{src.path}{part}"
    value: Any
    unit: str | None = None
    comparator = ""
    if fd.type == "number":
        value, unit, path, comparator = _number(element, fd, at)
    elif fd.type == "boolean":
        sign = _doubt_answer(element, fid, ctx)
        if sign is not None:  # "Pregnancy not yet confirmed": neither yes nor no, the fact's warning sign
            return Finding(sign, True, None, when, src, f"{_describe(element.get('code'), coded)}: "
                           f"{_describe(element.get('valueCodeableConcept'))}", part=part)
        value, path = genomics.yes_no(element, path=f"{at}.value[x]"), f"{at}.value[x]"
    elif fd.type == "category":
        value, path = _category(element, fd, at)
    elif fd.type == "date":
        raw = fhir_date_of(element, "value", path=at)
        if raw is None:
            raise NotMapped(f"no date value{_absent(element)}")
        value, path = raw.date().isoformat(), f"{at}.valueDateTime"
    else:  # events are never coded on a single Observation
        raise NotMapped(f"{fid} is a list of events, not an Observation value")
    canonical, canonical_unit = validated_value(fd, value, unit, when, path=path)
    shown = f"{value} {unit}" if unit and unit != canonical_unit else ""
    detail = f"{_describe(element.get('code'), coded)}" + (f" ({shown} -> {canonical:g} {canonical_unit})" if shown else "")
    if comparator:
        detail += f"; reported as {comparator}{canonical:g} {canonical_unit or ''}".rstrip()
    return Finding(fid, canonical, canonical_unit, when, src, detail, part=part, comparator=comparator)


def _doubt_answer(element: Mapping[str, Any], fid: str, ctx: Context) -> str | None:
    """The warning sign a yes/no Observation's coded answer names, when the answer is neither yes nor no but the
    concept of the fact's doubt (``doubt_to``; the warning sign's ``codes`` in the dictionary): a pregnancy status
    answering SNOMED CT 152231000119106 "Pregnancy not yet confirmed" -> pregnancy_possible."""
    concept = element.get("valueCodeableConcept")
    if not concept:
        return None
    sign = doubt_to(ctx.dictionary).get(fid)
    if sign is None:
        return None
    codes = {(system_uri(c.system), c.code) for c in ctx.dictionary.facts[sign].codes}
    return sign if any((system, code) in codes for system, code, _ in codings(concept)) else None


def _components(
    resource: Mapping[str, Any], when: dt.datetime | None, src: Source, ctx: Context
) -> list[Finding | UnusedPart]:
    """Each component whose code names a fact, mapped as an Observation of that code would be."""
    out: list[Finding | UnusedPart] = []
    for i, comp in enumerate(resource.get("component") or ()):
        fid = ctx.fact_for_code(comp.get("code"))
        if fid is None:
            continue  # a panel's other results (WBC, MCV, ...) are not listed one by one
        part = f".component[{i}]"
        if fid == "karyotype":
            out.append(UnusedPart(src, part, "a karyotype is read from a karyotype Observation, not a component"))
            continue
        try:
            out.append(element_finding(comp, fid, when, src, ctx, part))
        except NotMapped as exc:
            out.append(UnusedPart(src, part, f"{fid}: {exc.reason}"))
        except InputError as exc:  # a bad unit or value: this component only, naming the field
            out.append(UnusedPart(src, part, f"{fid}: {exc.field}: {exc.message}"))
    return out


def map_observation(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[Finding | UnusedPart]:
    """One Observation -> its fact candidate (a karyotype may give three), and its components'."""
    status = resource.get("status")
    if status not in _USABLE:
        raise NotMapped(f"status is {status}")
    code = resource.get("code")
    coded = codings(code)  # read by each step below
    if genomics.is_genomic(resource, coded):
        return list(genomics.map_variant(resource, src, ctx))
    fid = ctx.fact_for_code(code, coded)
    if fid is None and not resource.get("component"):
        raise NotMapped(f"code not in the fact dictionary ({_describe(code, coded)})")
    if fid == "karyotype":
        return list(genomics.map_karyotype(resource, src, ctx))
    try:
        when, last = observed_on(resource, path=src.path), None
    except NotMapped:  # a partial effective time ("2026-09", "2025"): the range of days it names
        days = _partial_effective(resource)
        if days is None:
            raise
        when, last = dt.datetime.combine(days[0], dt.time()), days[1]
    if last is not None:
        return [p._replace(last=last) if isinstance(p, Finding) else p
                for p in _map_dated(resource, fid, code, coded, status, when, src, ctx)]
    return _map_dated(resource, fid, code, coded, status, when, src, ctx)


def _partial_effective(resource: Mapping[str, Any]) -> tuple[dt.date, dt.date] | None:
    """The first and last day of an Observation's effective time given as a partial date (``effectiveDateTime``
    ``2026-09`` / ``2025``, or a Period's end, else start, so)."""
    period = resource.get("effectivePeriod") or {}
    raw = resource.get("effectiveDateTime") or period.get("end") or period.get("start")
    return partial_days(raw)


def _map_dated(resource: Mapping[str, Any], fid: str | None, code: Any, coded: Any, status: Any,
               when: dt.datetime | None, src: Source, ctx: Context) -> list[Finding | UnusedPart]:
    """:func:`map_observation` once the effective time is read."""
    if when is None and resource.get("issued"):
        when = fhir_datetime(resource["issued"], path=f"{src.path}.issued")
    parts = _components(resource, when, src, ctx)
    if fid is not None and (_has_value(resource) or not parts):
        try:
            finding = element_finding(resource, fid, when, src, ctx, coded=coded)
            _current(finding, ctx.as_of)
            parts.insert(0, finding)
        except NotMapped as exc:
            if not parts:
                raise
            parts.insert(0, UnusedPart(src, "", exc.reason))
    if any(isinstance(p, Finding) for p in parts):
        return _versioned(parts, resource, src) if status in _REVISED else parts
    if not parts:
        raise NotMapped(f"code not in the fact dictionary ({_describe(code, coded)}) "
                        "and no component's code is")
    raise NotMapped("; ".join(f"{p.part[1:] or 'value'}: {p.reason}" for p in parts if isinstance(p, UnusedPart)))


def _versioned(parts: list[Finding | UnusedPart], resource: Mapping[str, Any], src: Source,
               ) -> list[Finding | UnusedPart]:
    """An amended / corrected result's findings marked as such, with when it was issued, so that of several results
    for one specimen the correction is chosen, the latest correction of all (``bundle._select``)."""
    try:
        issued = fhir_datetime(resource.get("issued"), path=f"{src.path}.issued")
    except NotMapped:  # a partial instant orders nothing
        issued = None
    return [p._replace(revised=True, issued=issued) if isinstance(p, Finding) else p for p in parts]


def _current(finding: Finding, as_of: dt.date) -> None:
    """Refuse a state reported for its own time (a pregnancy status) when it is too old to say anything
    about ``as_of`` (see ``CURRENT_FOR_DAYS``)."""
    days = CURRENT_FOR_DAYS.get((finding.fact, finding.value))
    when = finding.when
    if days is not None and when is not None and (as_of - when.date()).days > days:
        raise NotMapped(f"{finding.fact} observed on {when.date().isoformat()}, more than {days} days before "
                        "the evaluation date: it says nothing about now")


def observation_date(when: dt.datetime | None) -> str | None:
    """ISO date of a finding's time, for the case file."""
    return when.date().isoformat() if when else None
