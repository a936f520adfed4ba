"""Genomic and cytogenetic Observations -> ``sf3b1_mutation``, ``karyotype``, ``del5q``,
``chromosome7_abnormality``.

**SF3B1.** Either the HL7 Genomics Reporting pattern -- ``code`` LOINC 69548-6 "Genetic variant
assessment", value LA9633-4 Present / LA9634-2 Absent, and a component LOINC 48018-6 "Gene
studied [ID]" valued HGNC:10768 (or a display / text reading "SF3B1") -- or a simpler
Observation whose code text names SF3B1 ("SF3B1 mutation analysis") with a yes/no,
present/absent or detected/not-detected value. A reported variant whose clinical significance
reads benign or likely benign counts as no mutation; one of uncertain significance is listed
for a reviewer instead of being guessed.

**Karyotype.** A karyotype Observation (local code ``karyotype`` or code text "karyotype") with
an ISCN string: ``46,XX[20]`` / ``46,XY`` is normal, anything else abnormal. Because an ISCN
karyotype lists every clonal abnormality, it also settles ``del5q`` (``del(5)(q...)``) and
``chromosome7_abnormality`` (``-7``, ``del(7)(q...)``); these read-off values rank below an
Observation that states del(5q) directly on the same date.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mednec.intake.fhir.codes import (
    ABSENT_CODES,
    GENE_STUDIED,
    LOINC,
    PRESENT_CODES,
    SF3B1_HGNC,
    VARIANT_ASSESSMENT,
    codings,
    concept_texts,
    fold,
)
from mednec.intake.fhir.common import Context, Finding, NotMapped, Source, fhir_datetime, observed_on

__all__ = ["is_genomic", "map_karyotype", "map_variant", "yes_no"]

_CLINICAL_SIGNIFICANCE = "53037-8"
_YES = {"present", "positive", "detected", "mutated", "yes", "true", "mutationdetected", "variantdetected"}
_NO = {"absent", "negative", "notdetected", "wildtype", "no", "false", "nomutationdetected",
       "novariantdetected", "nomutation"}


def yes_no(resource: Mapping[str, Any], *, path: str) -> bool:
    """A yes/no value from valueBoolean, valueCodeableConcept or valueString."""
    if isinstance(resource.get("valueBoolean"), bool):
        return bool(resource["valueBoolean"])
    concept = resource.get("valueCodeableConcept")
    if concept:
        for system, code, _ in codings(concept):
            if (system, code) in PRESENT_CODES:
                return True
            if (system, code) in ABSENT_CODES:
                return False
        texts = concept_texts(concept)
    elif resource.get("valueString"):
        texts = [str(resource["valueString"])]
    else:
        raise NotMapped(f"no value{_absent_reason(resource)}")
    for text in texts:
        t = fold(text)
        if t in _YES:
            return True
        if t in _NO:
            return False
    raise NotMapped(f"value {texts[0]!r} at {path} is not a yes/no answer")


def _absent_reason(resource: Mapping[str, Any]) -> str:
    reason = concept_texts(resource.get("dataAbsentReason"))
    return f" ({reason[0]})" if reason else ""


def _gene(resource: Mapping[str, Any], coded: list[tuple[str, str, str]] | None = None) -> str | None:
    for comp in resource.get("component") or ():
        code = comp.get("code")
        if any(c == GENE_STUDIED for _, c, _ in codings(code)) or any(
            fold(t).startswith("genestudied") for t in concept_texts(code)
        ):
            value = comp.get("valueCodeableConcept")
            for _, c, d in codings(value):
                if c.upper() == SF3B1_HGNC or fold(d) == "sf3b1":
                    return "SF3B1"
            texts = concept_texts(value)
            if any(fold(t) == "sf3b1" for t in texts):
                return "SF3B1"
            return next((d or c for _, c, d in codings(value)), texts[0] if texts else "unknown gene")
    code = resource.get("code")
    text = code.get("text") if code else None
    if coded is not None and (text is None or text.__class__ is str):  # remembered by the code's words
        key = (text, tuple(coded))
        named = _NAMES_SF3B1.get(key)
        if named is None:
            named = any("sf3b1" in fold(t) for t in concept_texts(code, coded))
            if len(_NAMES_SF3B1) >= 4096:
                _NAMES_SF3B1.clear()
            _NAMES_SF3B1[key] = named
    else:
        named = any("sf3b1" in fold(t) for t in concept_texts(code, coded))
    return "SF3B1" if named else None


#: (a code's text, its codings) -> whether its words name SF3B1: codes recur in every patient. Bounded.
_NAMES_SF3B1: dict[tuple[str | None, tuple[tuple[str, str, str], ...]], bool] = {}


def is_genomic(resource: Mapping[str, Any], coded: list[tuple[str, str, str]] | None = None) -> bool:
    """True for a variant-assessment Observation or one whose code names SF3B1 (``coded``: the
    :func:`codings` of its code, when the caller has them)."""
    if coded is None:
        coded = codings(resource.get("code"))
    if any(s == LOINC and c == VARIANT_ASSESSMENT for s, c, _ in coded):
        return True
    return _gene(resource, coded) is not None


def _when(resource: Mapping[str, Any], src: Source) -> Any:
    when = observed_on(resource, path=src.path)
    if when is None and resource.get("issued"):
        when = fhir_datetime(resource["issued"], path=f"{src.path}.issued")
    return when


def map_variant(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[Finding]:
    """An SF3B1 result becomes ``sf3b1_mutation``; other genes are listed as unused."""
    gene = _gene(resource)
    if gene != "SF3B1":
        raise NotMapped(f"gene {gene or 'not stated'} is not used by the fact dictionary")
    present = yes_no(resource, path=f"{src.path}.value[x]")
    detail = "SF3B1 (HGNC:10768) " + ("present" if present else "absent")
    if present:
        for comp in resource.get("component") or ():
            if any(c == _CLINICAL_SIGNIFICANCE for _, c, _ in codings(comp.get("code"))):
                significance = " ".join(concept_texts(comp.get("valueCodeableConcept"))).lower()
                if "uncertain" in significance:
                    raise NotMapped("SF3B1 variant of uncertain significance: a reviewer decides")
                if "benign" in significance:
                    present, detail = False, f"SF3B1 variant reported as {significance}: not a mutation"
    return [Finding("sf3b1_mutation", present, None, _when(resource, src), src, detail)]


def map_karyotype(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[Finding]:
    """A karyotype (ISCN or normal/abnormal) -> karyotype; an ISCN one also gives what it settles.

    An ISCN karyotype is read by the shared parser (:func:`mednec.calculators.karyotype.parse_karyotype`),
    as for questions and case files: ``del5q``, ``chromosome7_abnormality``, the number of other
    abnormalities and the IPSS-R cytogenetic risk group, which lets the IPSS-R be derived from the
    bundle's karyotype and labs. These read-off values rank below an Observation that states them
    directly on the same date. A karyotype the parser refuses is listed, naming the part.
    """
    from mednec.calculators.karyotype import KaryotypeError, karyotype_facts, parse_karyotype

    texts = [str(resource["valueString"])] if resource.get("valueString") else concept_texts(
        resource.get("valueCodeableConcept")
    )
    if not texts:
        raise NotMapped(f"no value{_absent_reason(resource)}")
    when = _when(resource, src)
    fd = ctx.dictionary.facts["karyotype"]
    key = fd.category_key(texts[0])
    if key is not None:  # stated as normal / abnormal: nothing more can be read off
        return [Finding("karyotype", key, None, when, src, f"karyotype {texts[0]}")]
    iscn = texts[0].strip()
    try:
        parsed = parse_karyotype(iscn)
    except KaryotypeError as exc:
        raise NotMapped(f"karyotype {iscn!r} not read: {exc}") from None
    detail = f"from ISCN karyotype {iscn}"
    out: list[Finding] = []
    for fid, value in karyotype_facts(parsed).items():
        if fid not in ctx.dictionary.facts:
            continue
        fact = ctx.dictionary.facts[fid]
        unit = fact.unit if fact.type == "number" else None
        note = detail if fid != "cytogenetic_risk" else f"{detail}: IPSS-R cytogenetic group {value}"
        out.append(Finding(fid, value, unit, when, src, note, rank=1 if fid == "karyotype" else 0))
    return out
