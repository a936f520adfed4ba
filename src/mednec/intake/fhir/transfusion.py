"""Procedure, BiologicallyDerivedProduct and MedicationAdministration -> ``rbc_transfusions``.

A completed Procedure is a red-cell transfusion when its code is a verified red-cell transfusion
code of the code tables (SNOMED CT 71493000 "Transfusion of packed red blood cells", 33389009
whole blood), with or without text; or when its code is a verified blood-product transfusion code
(SNOMED CT 116859006, 116762002, CPT 36430) or says "transfusion" in its text, and red cells are
named -- in its own code, in a ``usedCode``, or in a BiologicallyDerivedProduct it references in
``usedReference``. A code for another product (SNOMED CT 180208003 is a *platelet* transfusion,
116861002 plasma) is never a red-cell transfusion. A blood-product transfusion that names no
product leaves ``rbc_transfusions`` unknown (see :mod:`bundle`): counting it could overcount,
leaving it out could undercount, so the reviewer is asked.

Units (documented defaults):

* Procedure: the sum of ``quantity`` of the products it used (a product without a quantity
  counts 1); with no product referenced, the units its code's text or a note states ("Transfuse 2 units
  PRBC", "2u PRBC": one number said, else the list is unknown and asked), else **1 unit per Procedure**
  (R4 Procedure has no quantity of its own).
* MedicationAdministration of red cells: ``dosage.dose`` when its unit is a count of units
  (``U``, ``{unit}``, ``{units}``, ``1``, ``{#}``, "unit(s)"); otherwise (a volume in mL, or
  nothing) **1 unit per administration**. An administration that is ``partOf`` a transfusion
  Procedure is the same transfusion and is not counted twice.
* A BiologicallyDerivedProduct alone carries no transfusion date and is listed as unmapped
  unless a Procedure uses it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from mednec.intake.fhir.code_tables import transfusion_meaning
from mednec.intake.fhir.codes import codings, concept_texts, is_red_cell_text
from mednec.intake.fhir.common import (
    Context,
    EventFinding,
    NotMapped,
    Source,
    Transfusion,
    completed_on,
    partial_days,
)

__all__ = ["map_blood_administration", "map_procedure", "map_product", "medication_concept"]

_UNIT_CODES = {"U", "{unit}", "{units}", "1", "{#}", "[U]"}


def medication_concept(resource: Mapping[str, Any], ctx: Context) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Codings and texts of a medication[x]: the concept, or the referenced Medication."""
    concept = resource.get("medicationCodeableConcept")
    texts: list[str] = []
    if concept is None and resource.get("medicationReference"):
        ref = resource["medicationReference"]
        if ref.get("display"):
            texts.append(str(ref["display"]))
        med = ctx.resolve(ref, resource)
        if med is not None:
            concept = med.get("code")
            for ing in med.get("ingredient") or ():
                texts += concept_texts(ing.get("itemCodeableConcept"))
    coded = codings(concept)
    return list(coded), concept_texts(concept, coded) + texts


def _transfusion_kind(coded: list[tuple[str, str, str]], texts: list[str]) -> tuple[str | None, str]:
    """``red_cells`` | ``blood_product`` | ``other`` (with the code's name) or ``None``: not a transfusion
    (from a concept's :func:`codings` and :func:`concept_texts`)."""
    kinds = [(e.key, f"{e.system.rsplit('/', 1)[-1]} {e.code} {e.display}") for s, c, _ in coded
             if (e := transfusion_meaning(s, c)) is not None]
    for wanted in ("red_cells", "other", "blood_product"):
        for kind, name in kinds:
            if kind == wanted:
                return kind, name
    if any("transfus" in t.lower() for t in texts):
        return "blood_product", "; ".join(texts)
    return None, ""


def _partially_dated(resource: Mapping[str, Any], src: Source, ctx: Context, exc: NotMapped) -> list[EventFinding]:
    """A completed transfusion dated only by a year or a month (``2026-10``): which counting window holds it is not
    known, so the transfusion list is left unknown (asked), never counted on a guessed day nor dropped (an
    undercount); one wholly after the evaluation date is not counted. Anything else re-raises ``exc``."""
    raw = resource.get("performedDateTime") or (resource.get("performedPeriod") or {}).get("start")
    days = partial_days(raw) if resource.get("status") == "completed" else None
    if days is None:
        raise exc
    if days[0] > ctx.as_of:
        raise NotMapped(f"dated {raw}, after the evaluation date")
    return [EventFinding("rbc_transfusions", None, (src,), f"a transfusion dated only {raw} (a partial date): "
                         "which counting window it falls in is not known", key=src.ref)]


def map_procedure(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[EventFinding]:
    """A completed red-cell transfusion Procedure -> one transfusion event."""
    code = resource.get("code")
    coded = codings(code)
    texts = concept_texts(code, coded)
    n_own = len(texts)  # the code's own texts (the units said there), before the products' are added
    kind, name = _transfusion_kind(coded, texts)
    if kind is None:
        parts = [f"{s.rsplit('/', 1)[-1]} {c}".strip() for s, c, _ in coded] + texts
        raise NotMapped(f"not a transfusion ({'; '.join(parts) or 'no code'})")
    products: list[tuple[Source | None, Mapping[str, Any]]] = []
    for ref in resource.get("usedReference") or ():
        res = ctx.resolve(ref, resource)
        if res is not None and res.get("resourceType") == "BiologicallyDerivedProduct":
            products.append((ctx.source_of(ref), res))
    for used in resource.get("usedCode") or ():
        texts += concept_texts(used)
    for _, product in products:
        texts += concept_texts(product.get("productCode"))
    if kind == "other" and not is_red_cell_text(texts):
        raise NotMapped(f"a transfusion of another product ({name}), not of red cells")
    try:
        when = completed_on(resource, "performed", path=src.path)
    except NotMapped as exc:
        return _partially_dated(resource, src, ctx, exc)
    if kind != "red_cells" and not is_red_cell_text(texts):
        return [EventFinding("rbc_transfusions", None, (src,), f"a blood-product transfusion ({name}) that names "
                             "no product: whether it was red cells is not stated", key=src.ref)]
    notes = [n["text"] for n in resource.get("note") or () if isinstance(n, Mapping) and isinstance(n.get("text"), str)]
    said = _stated_units((*texts[:n_own], *notes))
    if products:
        units = sum(int(p.get("quantity") or 1) for _, p in products)
        how = f"{units} unit(s) from the {len(products)} product(s) used"
    elif said is None:
        return [EventFinding("rbc_transfusions", None, (src,), "a red-cell transfusion whose text states different "
                             "numbers of units: how many is not known", key=src.ref)]
    elif said:
        units, how = said, f"{said} unit(s), as its text states"
    else:
        units, how = 1, "1 unit (default: one per Procedure, which has no quantity)"
    sources = (src, *(s for s, _ in products if s is not None))
    return [EventFinding("rbc_transfusions", Transfusion(when.date(), units), sources, how, key=src.ref)]


#: a number of units a transfusion's text states: "2 units", "2u", "x2 units", "two units"
_UNITS_SAID = re.compile(r"(?<![\d.,/])(?:x\s*)?(\d{1,2}|one|two|three|four|five|six)\s*(?:units?\b|u\b)", re.I)
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


@lru_cache(maxsize=4096)  # a transfusion's code text recurs across Procedures and patients
def _stated_units(texts: tuple[str, ...]) -> int | None:
    """The one number of units the texts state (0: none stated); ``None`` when they state different numbers."""
    found = {_WORDS.get(m.group(1).lower()) or int(m.group(1)) for t in texts for m in _UNITS_SAID.finditer(t)}
    found.discard(0)
    if len(found) > 1:
        return None
    return found.pop() if found else 0


def map_product(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[EventFinding]:
    """A product on its own has no transfusion date; it counts only through a Procedure."""
    raise NotMapped("a BiologicallyDerivedProduct has no transfusion date; it counts only when a "
                    "Procedure lists it in usedReference")


def _units(dose: Mapping[str, Any] | None) -> tuple[int, str]:
    if dose and dose.get("value") is not None:
        code = str(dose.get("code") or "")
        written = str(dose.get("unit") or "").strip().lower()
        if code in _UNIT_CODES or written in ("u", "unit", "units", "unit(s)"):
            return int(dose["value"]), f"{int(dose['value'])} unit(s) from dosage.dose"
    return 1, "1 unit (default: dose not given in units)"


def map_blood_administration(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[EventFinding]:
    """A completed administration of red cells -> one transfusion event."""
    _, texts = medication_concept(resource, ctx)
    if not is_red_cell_text(texts):
        raise NotMapped("not a red-cell product")
    when = completed_on(resource, "effective", path=src.path)
    units, how = _units((resource.get("dosage") or {}).get("dose"))
    key = src.ref
    for part in resource.get("partOf") or ():
        target, target_src = ctx.resolve(part, resource), ctx.source_of(part)
        if target is not None and target_src is not None and target.get("resourceType") == "Procedure":
            key = target_src.ref
    return [EventFinding("rbc_transfusions", Transfusion(when.date(), units), (src,), how, key=key)]
