"""Read any supported case input: a case file (YAML / JSON) or a FHIR R4 Bundle.

``load_any`` returns the case mapping either way, so everything downstream (``parse_case``)
is the same. A Bundle is recognised by ``resourceType: Bundle`` and converted by
:func:`mednec.intake.fhir.bundle_to_case`; the FHIR modules (and ``fhir.resources``) are
imported only then, so reading a YAML case stays fast.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mednec.errors import CaseFormatError
from mednec.facts.dictionary import FactDictionary
from mednec.facts.drugs import DrugVocabulary
from mednec.intake.case_file import load_case_file

__all__ = ["is_fhir_resource", "load_any"]


def is_fhir_resource(data: Mapping[str, Any]) -> bool:
    """True when a parsed document is a FHIR resource rather than a case file."""
    return "resourceType" in data


def load_any(
    path: Path, dictionary: FactDictionary | None = None, *, as_of: dt.date | None = None,
    drug: str | None = None,
    drugs: DrugVocabulary | None = None,
) -> Mapping[str, Any]:
    """The case mapping in ``path``: a case file as written, or a FHIR Bundle converted.

    ``dictionary`` defaults to the shipped fact dictionary; ``as_of`` is the evaluation date
    for a Bundle (default: its ``timestamp``, else today); ``drug`` the requested drug, whose
    doses in a Bundle give ``treatment_start`` and ``treatment_doses``; ``drugs`` the packs' drug
    vocabulary, so a Bundle's MedicationStatements give ``medication_history``.
    """
    data = load_case_file(path)
    if not is_fhir_resource(data):
        return data
    if data.get("resourceType") != "Bundle":
        raise CaseFormatError(
            f"a FHIR input must be a Bundle, not a {data.get('resourceType')}", field=f"{path}: resourceType"
        )
    from mednec.intake.fhir import bundle_to_case

    if dictionary is None:
        from mednec.facts.dictionary import load_dictionary

        dictionary = load_dictionary()
    return bundle_to_case(data, dictionary, as_of, drug=drug, drugs=drugs).case
