"""Merge a QuestionnaireResponse into an existing case (``mednec fhir apply-response``).

The answers replace the case's values for the same facts (the clinician's answer is the newer
statement); every other fact of the case is kept as it was.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from typing import Any

from mednec.errors import CaseFormatError
from mednec.facts.dictionary import FactDictionary
from mednec.intake.fhir.bundle import FactSource, findings_to_facts
from mednec.intake.fhir.common import Context, EventList, Finding, NotMapped, Source
from mednec.intake.fhir.questionnaire_response import map_questionnaire_response

__all__ = ["apply_questionnaire_response"]


def apply_questionnaire_response(
    case: Mapping[str, Any],
    response: Mapping[str, Any],
    dictionary: FactDictionary,
    *,
    as_of: dt.date | None = None,
) -> tuple[dict[str, Any], tuple[FactSource, ...]]:
    """``case`` with the facts answered in ``response``, and the provenance of each answer."""
    from mednec.intake.fhir.validate import validate_resource

    if not isinstance(response, Mapping) or response.get("resourceType") != "QuestionnaireResponse":
        raise CaseFormatError("expected a FHIR QuestionnaireResponse", field="resourceType")
    validate_resource(response)
    ref = f"QuestionnaireResponse/{response.get('id') or 'unsaved'}"
    when = as_of or (dt.date.fromisoformat(str(case["as_of"])) if case.get("as_of") else dt.date.today())
    ctx = Context(dictionary, when)
    try:
        out = map_questionnaire_response(response, Source(0, ref), ctx)
    except NotMapped as exc:
        raise CaseFormatError(exc.reason, field=ref) from None
    facts, provenance = findings_to_facts([f for f in out if isinstance(f, Finding)], dictionary)
    for lst in (x for x in out if isinstance(x, EventList)):
        facts[lst.fact] = list(lst.events)  # type: ignore[assignment]
        provenance.append(FactSource(lst.fact, (lst.label,), (0,), f"{len(lst.events)} entries attested"))
    merged = copy.deepcopy(dict(case))
    merged.setdefault("patient", {})
    merged.setdefault("facts", {})
    for fid, value in facts.items():
        if fid in ("birth_date", "sex"):
            merged["patient"][fid] = value
            merged["facts"].pop(fid, None)
        else:
            merged["facts"][fid] = value
            if fid == "age":
                merged["patient"].pop("age", None)
    return merged, tuple(provenance)
