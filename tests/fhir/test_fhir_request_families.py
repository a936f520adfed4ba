"""Round requests4 families (tests/heldout/requests4): CDS Hooks requests that must be refused rather than
answered -- an order-select whose selections name an order not in draftOrders (CDS Hooks 2.0: selections
reference resources in the draftOrders Bundle, e.g. "MedicationRequest/103"), and a prefetched Patient that is
not the hook's patient (context.patientId): another patient's record is never assessed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from mednec.errors import CaseFormatError
from mednec.fhir.crd import assess
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 11, 20)
DIET = {"resourceType": "NutritionOrder", "id": "diet-1", "status": "draft", "intent": "order",
        "patient": {"reference": "Patient/p-crd"}, "dateTime": "2026-11-20", "oralDiet": {"type": [{"text": "Iron-rich diet"}]}}


def _no_fetch(url: str, token: str | None) -> Any:
    raise ConnectionError("no network in the tests")


def _select(fixture: Callable[[str], Any], selections: Any) -> dict[str, Any]:
    req = fixture("cds-order-sign-request")
    req["hook"] = "order-select"
    req["context"]["draftOrders"]["entry"].insert(0, {"resource": dict(DIET)})
    req["context"]["selections"] = selections
    return req


# (selections, how many orders are assessed; None: refused naming context.selections)
SELECTIONS: list[tuple[Any, int | None]] = [
    (["MedicationRequest/reblozyl-draft"], 1),
    (["NutritionOrder/diet-1"], 0),
    (["NutritionOrder/diet-1", "MedicationRequest/reblozyl-draft"], 1),
    ([], 0),
    (["MedicationRequest/not-in-the-drafts"], None),
    (["MedicationRequest/reblozyl-draft", "MedicationRequest/gone"], None),
    (["reblozyl-draft"], None),  # a bare id: the spec's form is Type/id
    (["ServiceRequest/reblozyl-draft"], None),  # the id of another type
    (["NutritionOrder/diet-2"], None),
    ([123], None),
    ([None], None),
    ([{"reference": "MedicationRequest/reblozyl-draft"}], None),
    (["x" * 10_000], None),
]


@pytest.mark.parametrize(("selections", "orders"), SELECTIONS, ids=[str(s)[:40] for s, _ in SELECTIONS])
def test_selections_must_name_draft_orders(runtime: Runtime, fixture: Callable[[str], Any], selections: Any,
                                           orders: int | None) -> None:
    req = _select(fixture, selections)
    if orders is None:
        with pytest.raises(CaseFormatError) as exc:
            assess(req, runtime, fetch=_no_fetch, as_of=AS_OF)
        assert exc.value.field == "context.selections"
        assert len(exc.value.message) < 300  # a long selection is not echoed whole
    else:
        assert len(assess(req, runtime, fetch=_no_fetch, as_of=AS_OF).orders) == orders


def _patient(pid: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "Patient", "gender": "male", "birthDate": "1950-01-01"}
    if pid is not None:
        out["id"] = pid
    return out


# (context.patientId, prefetch.patient, refused)
PATIENTS: list[tuple[str, Any, bool]] = [
    ("p-crd", _patient("p-crd"), False),
    ("p-crd", _patient(None), False),  # no id: nothing says it is another patient
    ("p-crd", _patient("someone-else-77"), True),
    ("p-crd", _patient("P-CRD"), True),  # FHIR ids are case-sensitive
    ("p-crd", {"resourceType": "Bundle", "type": "searchset",
               "entry": [{"resource": _patient("someone-else-77"), "search": {"mode": "match"}}]}, True),
    ("p-crd", {"resourceType": "Bundle", "type": "searchset",
               "entry": [{"resource": _patient("p-crd"), "search": {"mode": "match"}}]}, False),
    ("12345", _patient("12345"), False),
    ("12345", _patient("123456"), True),
]


@pytest.mark.parametrize(("patient_id", "patient", "refused"), PATIENTS,
                         ids=[f"{c}-{str(p.get('id', p.get('type')))}" for c, p, _ in PATIENTS])
def test_the_prefetched_patient_is_the_hooks_patient(runtime: Runtime, fixture: Callable[[str], Any], patient_id: str,
                                                     patient: Any, refused: bool) -> None:
    req = fixture("cds-order-sign-request")
    req["context"]["patientId"] = patient_id
    for e in req["context"]["draftOrders"]["entry"]:  # the orders are the hook patient's (a draft for another
        e["resource"]["subject"] = {"reference": f"Patient/{patient_id}"}  # patient is refused on its own)
    req["prefetch"]["patient"] = patient
    if refused:
        with pytest.raises(CaseFormatError) as exc:
            assess(req, runtime, fetch=_no_fetch, as_of=AS_OF)
        assert exc.value.field == "prefetch.patient"
        assert "someone-else" not in exc.value.message and patient_id not in exc.value.message  # no ids echoed
    else:
        assess(req, runtime, fetch=_no_fetch, as_of=AS_OF)


def _coverage(cid: str, status: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "Coverage", "id": cid, "beneficiary": {"reference": "Patient/p-crd"},
                           "payor": [{"reference": "Organization/payer", "display": "Example Health Plan"}]}
    if status is not None:
        out["status"] = status
    return out


# (the prefetched Coverages (id, status), the order's insurance references, the Coverage asserted about or None)
COVERAGES: list[tuple[list[tuple[str, str | None]], list[str], str | None]] = [
    ([("cov-1", "active")], ["Coverage/cov-1"], "Coverage/cov-1"),
    ([("cov-1", "active")], [], "Coverage/cov-1"),
    ([("cov-1", None)], [], "Coverage/cov-1"),  # no status: taken as it stands
    ([("cov-1", "cancelled")], ["Coverage/cov-1"], None),
    ([("cov-1", "cancelled")], [], None),
    ([("cov-1", "draft")], [], None),
    ([("cov-1", "entered-in-error")], ["Coverage/cov-1"], None),
    ([("cov-1", "cancelled")], ["https://ehr.example.org/fhir/Coverage/cov-1"], None),
    ([("cov-1", "cancelled"), ("cov-2", "active")], ["Coverage/cov-1"], "Coverage/cov-2"),
    ([("cov-1", "entered-in-error"), ("cov-2", "active")], [], "Coverage/cov-2"),
    ([("cov-1", "cancelled")], ["Coverage/cov-9"], "Coverage/cov-9"),  # the order names one not sent: as named
    ([], ["Coverage/cov-9"], "Coverage/cov-9"),
    ([], [], None),
]


@pytest.mark.parametrize(("coverages", "insurance", "asserted"), COVERAGES,
                         ids=[f"{c}-{i}" for c, i, _ in COVERAGES])
def test_only_an_active_coverage_is_asserted_about(runtime: Runtime, fixture: Callable[[str], Any],
                                                   coverages: list[tuple[str, str | None]], insurance: list[str],
                                                   asserted: str | None) -> None:
    req = fixture("cds-order-sign-request")
    req["prefetch"]["coverage"] = {"resourceType": "Bundle", "type": "searchset", "entry": [
        {"resource": _coverage(cid, status), "search": {"mode": "match"}} for cid, status in coverages]}
    req["context"]["draftOrders"]["entry"][0]["resource"]["insurance"] = [{"reference": r} for r in insurance]
    result = assess(req, runtime, fetch=_no_fetch, as_of=AS_OF)
    got = result.orders[0].coverage
    assert (got or {}).get("reference") == asserted if asserted else got is None


# ---- PAS: a cancellation is refused, never certified as a new request ------------------------------

_PAS = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition"
_CERT = "https://codesystem.x12.org/005010/1322"


def _cert(code: str) -> dict[str, Any]:
    return {"url": f"{_PAS}/extension-certificationType", "valueCodeableConcept": {"coding": [{"system": _CERT, "code": code}]}}


# (Claim.status, the first item's extensions, the refused field or None: evaluated)
CANCELLATIONS: list[tuple[str | None, list[dict[str, Any]], str | None]] = [
    ("active", [], None),
    ("active", [_cert("I")], None),
    ("active", [_cert("R")], None),
    (None, [], None),  # no status: evaluated as before (R4 requires one; nothing says cancelled)
    ("cancelled", [], "Claim.status"),
    ("draft", [], "Claim.status"),
    ("entered-in-error", [], "Claim.status"),
    ("cancelled", [_cert("I")], "Claim.status"),
    ("active", [_cert("3")], "Claim.item[0]"),
    ("active", [{"url": f"{_PAS}/extension-infoCancelledFlag", "valueBoolean": True}], "Claim.item[0]"),
    ("active", [{"url": f"{_PAS}/extension-infoCancelledFlag", "valueBoolean": False}], None),
    ("active", [_cert("I"), {"url": f"{_PAS}/extension-infoCancelledFlag", "valueBoolean": True}], "Claim.item[0]"),
]


@pytest.mark.parametrize(("status", "extensions", "refused"), CANCELLATIONS,
                         ids=[f"{s}-{[e.get('url', '').rsplit('-', 1)[-1] for e in x]}-{i}" for i, (s, x, _) in enumerate(CANCELLATIONS)])
def test_a_cancellation_is_refused_not_certified(runtime: Runtime, fixture: Callable[[str], Any], status: str | None,
                                                 extensions: list[dict[str, Any]], refused: str | None) -> None:
    from mednec.fhir.pas import submit

    bundle = fixture("pas-request-first-line")
    claim = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Claim")
    claim.pop("status", None)
    if status is not None:
        claim["status"] = status
    claim["item"][0]["extension"] = [*(x for x in claim["item"][0].get("extension") or ()
                                       if not x["url"].endswith("certificationType")), *extensions]
    now = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)
    if refused is None:
        out = submit(bundle, runtime, now=now)
        assert any(e["resource"]["resourceType"] == "ClaimResponse" for e in out["entry"])
    else:
        with pytest.raises(CaseFormatError) as exc:
            submit(bundle, runtime, now=now)
        assert exc.value.field == refused
        assert "cancel" in exc.value.message


# Coverage.period (round 5): a Coverage counts only while in force on the evaluation date (both ends inclusive,
# by calendar day; a year or a month covers all of it; a period that cannot be read does not show it in force)
PERIOD_CASES: list[tuple[Any, bool]] = [
    (None, True),
    ({"start": "2026-01-01", "end": "2026-12-31"}, True),
    ({"start": "2026-01-01"}, True),
    ({"end": "2026-12-01"}, True),
    ({"end": "2026-11-30"}, False),
    ({"end": "2026-11-30T23:59:59Z"}, False),
    ({"start": "2026-12-02"}, False),
    ({"start": "2026-12-01T00:00:00-05:00", "end": "2027"}, True),
    ({"end": "2026-11"}, False),
    ({"end": "2026-12"}, True),
    ({"start": "2027"}, False),
    ({"end": "soon"}, False),
    ({"end": 20261231}, False),
    ("2026", False),
    ({"start": "2026-02-30"}, False),
]


@pytest.mark.parametrize(("period", "expected"), PERIOD_CASES, ids=[str(p) for p, _ in PERIOD_CASES])
def test_a_coverage_counts_only_while_in_force(period: Any, expected: bool) -> None:
    from mednec.fhir.coverage import is_active, payer_names

    cov: dict[str, Any] = {"resourceType": "Coverage", "id": "c", "status": "active",
                           "payor": [{"display": "Cigna Healthcare"}]}
    if period is not None:
        cov["period"] = period
    assert is_active(cov, dt.date(2026, 12, 1)) is expected
    assert payer_names({"Coverage/c": cov}, on=dt.date(2026, 12, 1)) == (["Cigna Healthcare"] if expected else [])
    assert is_active(cov) is True  # without a date only the status counts (as before)
