"""Condition -> ``diagnosis`` (ICD-10-CM D46.x, or SNOMED CT 109995007 for MDS unspecified), and
-> a boolean condition fact (``hypertension``, ``type2_diabetes``, ...) whose ICD-10-CM or SNOMED CT codes list it.

Codes come from the fact dictionary's ``diagnosis`` values, so a code is recognised exactly
when the dictionary lists it; a Condition coded only in text is matched by the value's label
or synonyms ("MDS-RS", "MDS/MPN-RS-T"). Only active conditions (clinicalStatus active,
recurrence or relapse, or none given) that are not refuted or entered in error count. When
several MDS diagnoses are recorded the latest (recordedDate, else onset) wins, and on the same
date a specific code beats "MDS, unspecified" (D46.9).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from mednec.facts.dictionary import FactDictionary
from mednec.intake.fhir.codes import ICD10CM, SNOMED, codings, concept_texts, system_uri
from mednec.intake.fhir.common import Context, Finding, NotMapped, Source, fhir_date_of, fhir_datetime

__all__ = ["map_condition"]

_ACTIVE = {"active", "recurrence", "relapse"}
_EXCLUDED_VERIFICATION = {"refuted", "entered-in-error"}
_UNSPECIFIED = "D46.9"


def _status(concept: Mapping[str, Any] | None) -> str | None:
    return next((code for _, code, _ in codings(concept) if code), None)


def _icd(code: str) -> str:
    code = code.strip().upper()
    return code if "." in code or len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def map_condition(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[Finding]:
    """An active MDS diagnosis becomes a ``diagnosis`` candidate."""
    clinical = _status(resource.get("clinicalStatus"))
    if clinical is not None and clinical not in _ACTIVE:
        raise NotMapped(f"clinicalStatus is {clinical}")
    verification = _status(resource.get("verificationStatus"))
    if verification in _EXCLUDED_VERIFICATION:
        raise NotMapped(f"verificationStatus is {verification}")
    fd = ctx.dictionary.facts["diagnosis"]
    by_code = _diagnosis_codes(ctx.dictionary)
    concept = resource.get("code")
    key = None
    for system, code, _ in codings(concept):
        key = by_code.get((system, _icd(code) if system == ICD10CM else code))
        if key:
            break
    if key is None:
        key = next((k for t in concept_texts(concept) if (k := fd.category_key(t))), None)
    conditions = _condition_facts(concept, ctx)
    if key is None and not conditions:
        shown = "; ".join(f"{s.rsplit('/', 1)[-1]} {c} {d}".strip() for s, c, d in codings(concept)) or "no code"
        raise NotMapped(f"not a diagnosis in the fact dictionary ({shown})")
    when = (
        fhir_datetime(resource["recordedDate"], path=f"{src.path}.recordedDate")
        if resource.get("recordedDate")
        else fhir_date_of(resource, "onset", path=src.path)
    )
    out = [Finding(fid, True, None, when, src, f"Condition.code {code}", 1) for fid, code in conditions]
    if key is not None:
        rank = 0 if key == _UNSPECIFIED else 1
        out.append(Finding("diagnosis", key, None, when, src, f"Condition.code {key}", rank))
    return out


@cache
def _diagnosis_codes(dictionary: FactDictionary) -> dict[tuple[str, str], str]:
    """(system URI, code) -> the ``diagnosis`` value it codes, built once per dictionary (not per Condition)."""
    fd = dictionary.facts["diagnosis"]
    return {(system_uri(c.system), c.code): key for key, cv in fd.values.items() for c in cv.codes}


@cache
def _condition_codes(dictionary: FactDictionary) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """Each boolean fact with its ICD-10-CM and SNOMED CT codes (system URI, code), in dictionary order,
    built once per dictionary."""
    out: list[tuple[str, tuple[tuple[str, str], ...]]] = []
    for fid, fd in dictionary.facts.items():
        if fd.type == "boolean":
            codes = tuple((system_uri(c.system), c.code) for c in fd.codes if system_uri(c.system) in (ICD10CM, SNOMED))
            if codes:
                out.append((fid, codes))
    return tuple(out)


def _condition_facts(concept: Any, ctx: Context) -> list[tuple[str, str]]:
    """The boolean facts (a condition such as hypertension or type 2 diabetes) whose codes in the fact
    dictionary name this Condition: an ICD-10-CM code with a dot matches exactly, a three-character
    category (E11) matches every code under it (E11.9, E11.65); a SNOMED CT code matches exactly."""
    out: list[tuple[str, str]] = []
    icds = [_icd(code) for system, code, _ in codings(concept) if system == ICD10CM and code]
    scts = [code.strip() for system, code, _ in codings(concept) if system == SNOMED and code]
    if not icds and not scts:
        return out
    for fid, codes in _condition_codes(ctx.dictionary):
        for system, code in codes:
            if system == SNOMED:
                hit = code if code in scts else None
            else:
                hit = next((i for i in icds if i == code or ("." not in code and i.split(".")[0] == code)), None)
            if hit:
                out.append((fid, hit))
                break
    return out
