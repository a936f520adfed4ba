"""The steps the FHIR family tests share: a bundle through intake, the case's facts, the determination."""

from __future__ import annotations

import datetime as dt
from typing import Any

from mednec.intake.fhir import bundle_to_case
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)


def intake(runtime: Runtime, bundle: dict[str, Any], *, drug: str | None = None) -> Any:
    """``bundle`` read as of :data:`AS_OF`, with the catalog's drug vocabulary."""
    return bundle_to_case(bundle, runtime.dictionary, AS_OF, drug=drug, drugs=runtime.catalog.calculators.drugs)


def case_facts(result: Any) -> dict[str, Any]:
    """The case's facts, each as its bare value."""
    return {k: v["value"] if isinstance(v, dict) and "value" in v else v for k, v in result.case["facts"].items()}


def determination(runtime: Runtime, result: Any, drug: str) -> str:
    """The determination for ``drug`` on the case intake made."""
    facts = runtime.parse_case(result.case, as_of=AS_OF).facts
    return str(runtime.evaluate(facts, runtime.catalog.find_drug(drug)).determination)
