"""MedicationStatement -> ``medication_history``: earlier treatments with any drug the loaded packs know.

The drugs are the packs' vocabulary (their policies' drugs and the ``drugs:`` and ``drug_classes:`` of
each ``pack.yaml``), by the medication's text or coding display -- so a statin or metformin recorded in
the EHR is read for a step-therapy criterion with no pack-specific FHIR code. ESAs are read into
``esa_history`` (:mod:`medication`), the requested drug's own doses into the treatment course
(:mod:`treatment`); neither becomes an entry here.

Per statement: ``drug`` (the generic name), ``start``/``end`` from ``effectivePeriod`` (or
``effectiveDateTime`` as the start), ``dose`` and ``dose_unit`` from the first
``dosage.doseAndRate.doseQuantity``, and ``response``: ``ongoing`` for an active statement, else what
``statusReason`` says (no response, lost response, intolerance, partial, responded). A completed or
stopped statement whose reason says none of these documents the drug but not its outcome: the whole
``medication_history`` is then left unknown (each statement listed) so the question asks, rather than
an incomplete history being taken as complete. ``not-taken``, ``intended`` and ``entered-in-error``
statements are listed, not used. Without the packs' vocabulary (a caller that does not pass it) no
statement is read here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mednec.intake.fhir.code_tables import rxnorm_drugs
from mednec.intake.fhir.codes import RXNORM, concept_texts, esa_drug
from mednec.intake.fhir.common import Context, EventFinding, NotMapped, Source, fhir_datetime
from mednec.intake.fhir.medication import response_of
from mednec.intake.fhir.transfusion import medication_concept

__all__ = ["map_history_statement"]

_REASON = {"none": "inadequate_response", "lost_response": "lost_response", "intolerant": "intolerance"}


def _dose(resource: Mapping[str, Any]) -> tuple[float, str] | None:
    for dosage in resource.get("dosage") or ():
        for dr in dosage.get("doseAndRate") or ():
            q = dr.get("doseQuantity") or {}
            if isinstance(q.get("value"), int | float) and not q.get("comparator"):
                return float(q["value"]), str(q.get("unit") or q.get("code") or "")
    return None


def map_history_statement(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[EventFinding]:
    """A statement of a drug the packs know -> one ``medication_history`` entry (``None`` if incomplete)."""
    # not this mapper's resource: nothing (the other mappers' reasons stand for what is listed)
    if ctx.drugs is None:
        return []
    codes, texts = medication_concept(resource, ctx)
    if esa_drug(codes, texts) is not None:
        return []
    entry = next((e for t in texts if (e := ctx.drugs.entry(t)) is not None), None)
    if entry is None:  # a code alone, no name: the verified RxNorm codes of the code tables
        known = rxnorm_drugs()
        entry = next((e for s, c, _ in codes if s == RXNORM and c in known
                      and (e := ctx.drugs.entry(known[c])) is not None), None)
    if entry is None:
        return []
    if ctx.drug_name and (req := ctx.drugs.entry(ctx.drug_name)) is not None and req.generic == entry.generic:
        return []
    status = str(resource.get("status"))
    if status in ("not-taken", "intended", "entered-in-error"):
        raise NotMapped(f"status is {status}")
    period = resource.get("effectivePeriod") or {}
    start = fhir_datetime(period.get("start"), path=f"{src.path}.effectivePeriod.start")
    end = fhir_datetime(period.get("end"), path=f"{src.path}.effectivePeriod.end")
    if start is None and resource.get("effectiveDateTime"):
        start = fhir_datetime(resource["effectiveDateTime"], path=f"{src.path}.effectiveDateTime")
    reasons = [t for r in resource.get("statusReason") or () for t in concept_texts(r)]
    said = response_of(reasons)
    event: dict[str, Any] = {"drug": entry.generic}
    if start is not None:
        event["start"] = start.date()
    if status == "active" and said is None:
        event["response"] = "ongoing"
    elif said is not None:
        event["response"] = said
        if said in _REASON:
            event["reason_stopped"] = _REASON[said]
        if end is not None:
            event["end"] = end.date()
    else:
        return [EventFinding("medication_history", None, (src,),
                             f"{entry.generic}: {status}, outcome not documented", key=src.ref)]
    dose = _dose(resource)
    if dose is not None:
        event["dose"], event["dose_unit"] = dose
    return [EventFinding("medication_history", event, (src,), f"{entry.generic} ({event['response']})", key=src.ref)]
