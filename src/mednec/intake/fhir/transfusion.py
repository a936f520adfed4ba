"""Procedure, BiologicallyDerivedProduct and MedicationAdministration -> ``rbc_transfusions``.

A red-cell transfusion is recognised from text, because no red-cell-specific procedure code is
verified (see :mod:`codes`): a completed Procedure whose code says transfusion (or is SNOMED CT
116859006 "Transfusion of blood product") and that names red cells -- in its own code, in a
``usedCode``, or in a BiologicallyDerivedProduct it references in ``usedReference``.

Units (documented defaults):

* Procedure: the sum of ``quantity`` of the products it used (a product without a quantity
  counts 1); with no product referenced, **1 unit per Procedure** (R4 Procedure has no
  quantity of its own).
* MedicationAdministration of red cells: ``dosage.dose`` when its unit is a count of units
  (``U``, ``{unit}``, ``{units}``, ``1``, ``{#}``, "unit(s)"); otherwise (a volume in mL, or
  nothing) **1 unit per administration**. An administration that is ``partOf`` a transfusion
  Procedure is the same transfusion and is not counted twice.
* A BiologicallyDerivedProduct alone carries no transfusion date and is listed as unmapped
  unless a Procedure uses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mednec.intake.fhir.codes import BLOOD_PRODUCT_TRANSFUSION, SNOMED, codings, concept_texts, is_red_cell_text
from mednec.intake.fhir.common import Context, EventFinding, NotMapped, Source, fhir_date_of

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
    return list(codings(concept)), concept_texts(concept) + texts


def _is_transfusion(concept: Mapping[str, Any] | None) -> bool:
    if any(s == SNOMED and c == BLOOD_PRODUCT_TRANSFUSION for s, c, _ in codings(concept)):
        return True
    return any("transfus" in t.lower() for t in concept_texts(concept))


def map_procedure(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[EventFinding]:
    """A completed red-cell transfusion Procedure -> one transfusion event."""
    code = resource.get("code")
    if not _is_transfusion(code):
        raise NotMapped(f"not a transfusion ({'; '.join(concept_texts(code)) or 'no code text'})")
    products: list[tuple[Source | None, Mapping[str, Any]]] = []
    for ref in resource.get("usedReference") or ():
        res = ctx.resolve(ref, resource)
        if res is not None and res.get("resourceType") == "BiologicallyDerivedProduct":
            products.append((ctx.source_of(ref), res))
    texts = concept_texts(code)
    for used in resource.get("usedCode") or ():
        texts += concept_texts(used)
    for _, product in products:
        texts += concept_texts(product.get("productCode"))
    if not is_red_cell_text(texts):
        raise NotMapped("a transfusion that names no red-cell product: not counted as an RBC transfusion")
    status = resource.get("status")
    if status != "completed":
        raise NotMapped(f"status is {status}")
    when = fhir_date_of(resource, "performed", path=src.path)
    if when is None:
        raise NotMapped("no performed date")
    if products:
        units = sum(int(p.get("quantity") or 1) for _, p in products)
        how = f"{units} unit(s) from the {len(products)} product(s) used"
    else:
        units, how = 1, "1 unit (default: one per Procedure, which has no quantity)"
    sources = (src, *(s for s, _ in products if s is not None))
    event = {"date": when.date().isoformat(), "units": units}
    return [EventFinding("rbc_transfusions", event, sources, how, key=src.ref)]


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
    status = resource.get("status")
    if status != "completed":
        raise NotMapped(f"status is {status}")
    when = fhir_date_of(resource, "effective", path=src.path)
    if when is None:
        raise NotMapped("no effective date")
    units, how = _units((resource.get("dosage") or {}).get("dose"))
    key = src.ref
    for part in resource.get("partOf") or ():
        target, target_src = ctx.resolve(part, resource), ctx.source_of(part)
        if target is not None and target_src is not None and target.get("resourceType") == "Procedure":
            key = target_src.ref
    event = {"date": when.date().isoformat(), "units": units}
    return [EventFinding("rbc_transfusions", event, (src,), how, key=key)]
