"""FHIR shapes the ninth held-out set (tests/heldout/fhir9) showed misread, each as a family of generated inputs.

- The order's drug (r9-g04, r9-g06, fhir7 r7-g13): RxNorm 2601743, 2601755, 2601761, 2601767, 2601773 and 2601784 are
  listed by openFDA for Zepbound (NDC 0002-2457, openfda.rxcui) and 2601773 also for Mounjaro (NDC 50090-8022, with
  2601776): they are the tirzepatide products both brands share, not a brand. The code table gave them the Zepbound
  brand, so an order coded 2601743 and written "[Mounjaro]" was judged on the Zepbound policy. Now the order's own
  name tells the brand; with no name that tells, no policy is chosen (asked) rather than the wrong one.
- An order whose verified brand code and written name disagree (r9-l17, r9-g05, r9-m10: Repatha's code written
  "Praluent", Mounjaro's written "Zepbound", Procrit's written "Aranesp") was judged on the code's policy, the name
  ignored. A reviewer asks which drug is meant: no policy is chosen.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.code_systems import RXNORM

from mednec.fhir.crd import policy_for_order
from mednec.runtime import Runtime

SHARED_TIRZEPATIDE = ["2601743", "2601755", "2601761", "2601767", "2601773", "2601784"]


def _order(code: str, display: str | None = None, text: str | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": RXNORM, "code": code}
    if display is not None:
        coding["display"] = display
    concept: dict[str, Any] = {"coding": [coding]}
    if text is not None:
        concept["text"] = text
    return {"resourceType": "MedicationRequest", "id": "draft-1", "status": "draft", "intent": "order",
            "medicationCodeableConcept": concept, "subject": {"reference": "Patient/p"}, "authoredOn": "2026-12-01"}


def _policy(runtime: Runtime, order: dict[str, Any]) -> str | None:
    found = policy_for_order(order, runtime.catalog)
    return None if found is None else found.id


# --- tirzepatide products both brands share -------------------------------------------------------------------

NAMED = [("tirzepatide {mg} MG in 0.5 ML Auto-Injector [Mounjaro]", None, "tirzepatide-mounjaro"),
         (None, "Mounjaro {mg} mg/0.5 mL pen", "tirzepatide-mounjaro"),
         ("tirzepatide {mg} MG in 0.5 ML Auto-Injector [Zepbound]", None, "tirzepatide-zepbound"),
         (None, "ZEPBOUND {mg} MG/0.5ML SC SOAJ", "tirzepatide-zepbound")]


@pytest.mark.parametrize(("display", "text", "policy"), NAMED)
@pytest.mark.parametrize("code", SHARED_TIRZEPATIDE)
def test_shared_tirzepatide_code_takes_the_brand_from_the_name(runtime: Runtime, code: str, display: str | None,
                                                                text: str | None, policy: str) -> None:
    mg = "5"
    order = _order(code, display and display.format(mg=mg), text and text.format(mg=mg))
    assert _policy(runtime, order) == policy


@pytest.mark.parametrize("code", SHARED_TIRZEPATIDE)
def test_shared_tirzepatide_code_without_a_name_chooses_no_policy(runtime: Runtime, code: str) -> None:
    assert _policy(runtime, _order(code)) is None


# --- a brand code and another brand's name ----------------------------------------------------------------------

# (verified brand code, its policy, another product's name and that product's policy)
CONFLICTS = [
    ("2601776", "tirzepatide-mounjaro", "Zepbound 12.5 mg/0.5 mL pen"),
    ("1665904", "evolocumab-repatha", "Praluent 150 mg/mL pen"),
    ("1665900", "evolocumab-repatha", "Leqvio 284 mg/1.5 mL syringe"),
    ("205913", "epoetin-alfa-mds", "Aranesp 100 mcg/0.5 mL syringe"),
    ("349273", "darbepoetin-alfa-mds", "Procrit 40,000 units/mL"),
    ("1991306", "semaglutide-ozempic", "Wegovy 2.4 mg/0.75 mL pen"),
    ("2262906", "luspatercept-mds", "Rytelo 188 mg vial"),
]


@pytest.mark.parametrize("where", ["display", "text"])
@pytest.mark.parametrize(("code", "policy", "other"), CONFLICTS)
def test_brand_code_and_another_brand_name_chooses_no_policy(runtime: Runtime, code: str, policy: str, other: str,
                                                             where: str) -> None:
    order = _order(code, display=other) if where == "display" else _order(code, text=other)
    assert _policy(runtime, order) is None


@pytest.mark.parametrize(("code", "policy", "other"), CONFLICTS)
def test_brand_code_alone_or_with_its_own_name_keeps_its_policy(runtime: Runtime, code: str, policy: str,
                                                                other: str) -> None:
    assert _policy(runtime, _order(code)) == policy
    own = runtime.catalog.policy(policy).drug.brands[0]
    assert _policy(runtime, _order(code, text=f"{own} as directed")) == policy
    assert _policy(runtime, _order(code, text=f"{own} (switching from {other.split()[0]})")) == policy
