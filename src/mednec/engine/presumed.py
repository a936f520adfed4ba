"""The presumption that an EHR's medication list is complete, shown where the answer rests on it.

Absence from a record is not evidence of absence: an EHR's medication records name only the drugs they
name (each ``medication_history`` entry ``scope: named_only``), so a step-therapy criterion whose drug is
absent is unknown and asked. When the record itself says its list is complete (FHIR: a ``List`` of the
medication history in snapshot mode; :mod:`mednec.intake.fhir.history`), the case carries
``complete_medication_list`` (the list's date) and its entries are the whole history: a drug absent from
it counts as not taken. That is a presumption, and the answer says so: each criterion whose status is
decided only because the list is taken as complete -- decided here, unknown if the same entries named
their own drugs only -- is listed among the assumptions with the statement the request must attest.

A case file's ``medication_history`` is the whole history by the case file's definition and is not
presumed; a history read from a question or a note names its drugs only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mednec.calculators.courses import NAMED_ONLY, is_not_given
from mednec.facts.factset import FactSet, FactValue

__all__ = ["HISTORY", "LIST_FACT", "as_named_only", "attestation", "presumes_complete_list"]

LIST_FACT = "complete_medication_list"
HISTORY = "medication_history"


def presumes_complete_list(facts: FactSet) -> bool:
    """Whether the given facts rest a treatment history on a list said to be complete."""
    lst, hist = facts.get(LIST_FACT), facts.get(HISTORY)
    return lst is not None and not lst.derived and hist is not None and not hist.derived


def _named(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    return entry if is_not_given(entry) else {**entry, "scope": NAMED_ONLY}


def as_named_only(facts: FactSet) -> FactSet:
    """The given facts as they would be without the list's word that it is complete: every entry names its
    own drug only, and an empty complete list is no history at all."""
    given = {k: fv for k, fv in facts.items() if not fv.derived and k != LIST_FACT}
    hist = given.pop(HISTORY)
    entries = tuple(_named(e) for e in hist.value or ())
    if entries:
        given[HISTORY] = hist._replace(value=entries)
    return FactSet(given, facts.as_of, facts.notes)


def attestation(lst: FactValue) -> tuple[str, str]:
    """The statement the request attests, and why the answer presumes it."""
    when = lst.value.isoformat() if hasattr(lst.value, "isoformat") else str(lst.value)
    source = lst.provenance.source
    where = f" ({source.removeprefix('FHIR ')})" if source and source != "case file" else ""
    attest = (f"The EHR medication list dated {when}{where} is complete: it is the patient's whole treatment "
              "history, and no drug left out of it was taken.")
    why = ("A drug absent from an EHR record is not evidence that it was not taken; the record sent this list as "
           "complete, so a drug absent from it is counted as not taken.")
    return attest, why
