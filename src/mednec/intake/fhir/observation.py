"""Observation -> number, yes/no and category facts.

Which fact an Observation gives is decided by its code, through the fact dictionary:

* the dictionary's codes (LOINC 718-7 hemoglobin, 777-3 platelets, 751-8 ANC, 15061-5 serum
  EPO, 26445-7 marrow blasts; the local ``ring-sideroblasts-pct``);
* the local code system (``codes.LOCAL_SYSTEM``) with the fact id as the code, for facts with
  no standard code: ``ipss_r_category``, ``ipss_r_score``, ``ipss_category``,
  ``cytogenetic_risk``, ``del5q``, ``chromosome7_abnormality``, ``karyotype``, and the
  prescriber's attestations (``immediate_correction_needed``, ``anemia_symptomatic``, ...);
* failing a code, the code's text ("IPSS-R", "Ring sideroblasts", "del(5q)").

Genomic results and karyotypes go to :mod:`genomics`. Only final, amended or corrected
results count; a value with a comparator (``>500``) or a data-absent reason is listed, not
guessed. Values are checked against the dictionary here, so an unknown unit or an implausible
value fails naming the resource (``entry[3].resource(Observation/hb1).valueQuantity``).
LOINC 718-7 maps to ``hemoglobin`` (the latest value), never to ``hemoglobin_baseline``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from mednec.facts.dictionary import FactDef
from mednec.intake.fhir import genomics
from mednec.intake.fhir.codes import codings, concept_texts
from mednec.intake.fhir.common import (
    Context,
    Finding,
    NotMapped,
    Source,
    fhir_date_of,
    fhir_datetime,
    validated_value,
)
from mednec.intake.fhir.units import quantity_unit

__all__ = ["map_observation"]

_USABLE = {"final", "amended", "corrected"}


def _describe(concept: Mapping[str, Any] | None) -> str:
    parts = [f"{s.rsplit('/', 1)[-1]} {c} {d}".strip() for s, c, d in codings(concept)]
    return "; ".join(parts) or (concept_texts(concept) or ["no code"])[0]


def _number(resource: Mapping[str, Any], fd: FactDef, src: Source) -> tuple[Any, str | None, str]:
    if resource.get("valueQuantity") is not None:
        q = resource["valueQuantity"]
        path = f"{src.path}.valueQuantity"
        if q.get("comparator"):
            raise NotMapped(f"value is {q['comparator']}{q.get('value')}: an exact value is needed")
        if q.get("value") is None:
            raise NotMapped("valueQuantity has no value")
        return q["value"], quantity_unit(fd, q, path=path), path
    if resource.get("valueInteger") is not None:
        return resource["valueInteger"], None, f"{src.path}.valueInteger"
    if resource.get("valueString"):
        return str(resource["valueString"]), None, f"{src.path}.valueString"
    raise NotMapped(f"no numeric value{_absent(resource)}")


def _absent(resource: Mapping[str, Any]) -> str:
    reason = concept_texts(resource.get("dataAbsentReason"))
    return f" ({reason[0]})" if reason else ""


def _category(resource: Mapping[str, Any], fd: FactDef, src: Source) -> tuple[Any, str]:
    concept = resource.get("valueCodeableConcept")
    if concept:
        path = f"{src.path}.valueCodeableConcept"
        candidates = [c for _, c, _ in codings(concept) if c] + concept_texts(concept)
        for raw in candidates:
            key = fd.category_key(raw)
            if key is not None:
                return key, path
        return (candidates or [""])[0], path  # fails validation with the allowed values
    if resource.get("valueString"):
        return str(resource["valueString"]), f"{src.path}.valueString"
    raise NotMapped(f"no coded value{_absent(resource)}")


def map_observation(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[Finding]:
    """One Observation -> one fact candidate (a karyotype may give three)."""
    status = resource.get("status")
    if status not in _USABLE:
        raise NotMapped(f"status is {status}")
    if genomics.is_genomic(resource):
        return genomics.map_variant(resource, src, ctx)
    fid = ctx.fact_for_code(resource.get("code"))
    if fid is None:
        raise NotMapped(f"code not in the fact dictionary ({_describe(resource.get('code'))})")
    if fid == "karyotype":
        return genomics.map_karyotype(resource, src, ctx)
    fd = ctx.dictionary.facts[fid]
    when = fhir_date_of(resource, "effective", path=src.path)
    if when is None and resource.get("issued"):
        when = fhir_datetime(resource["issued"], path=f"{src.path}.issued")
    value: Any
    unit: str | None = None
    if fd.type == "number":
        value, unit, path = _number(resource, fd, src)
    elif fd.type == "boolean":
        value, path = genomics.yes_no(resource, path=f"{src.path}.value[x]"), f"{src.path}.value[x]"
    elif fd.type == "category":
        value, path = _category(resource, fd, src)
    elif fd.type == "date":
        raw = fhir_date_of(resource, "value", path=src.path)
        if raw is None:
            raise NotMapped(f"no date value{_absent(resource)}")
        value, path = raw.date().isoformat(), f"{src.path}.valueDateTime"
    else:  # events are never coded on a single Observation
        raise NotMapped(f"{fid} is a list of events, not an Observation value")
    canonical, canonical_unit = validated_value(fd, value, unit, when, path=path)
    shown = f"{value} {unit}" if unit and unit != canonical_unit else ""
    detail = f"{_describe(resource.get('code'))}" + (f" ({shown} -> {canonical:g} {canonical_unit})" if shown else "")
    return [Finding(fid, canonical, canonical_unit, when, src, detail)]


def observation_date(when: dt.datetime | None) -> str | None:
    """ISO date of a finding's time, for the case file."""
    return when.date().isoformat() if when else None
